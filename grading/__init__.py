"""The instructor's command line around nbgrader: ``python -m grading <command>``.

    python -m grading release [ASSIGNMENT ...] [--check]   # notebooks/ from solutions/
    python -m grading autograde SUBMISSIONS [options]       # grade a whole class
    python -m grading validate NOTEBOOK.ipynb               # a student's self-check

Everything that grades is nbgrader's own code, called through its Python API
(``nbgrader.apps.NbGraderAPI``); this package adds what a class of real
submissions needs around it: importing folders or LMS zips, parallel workers
with time and memory limits, a grades CSV with the reason for every missing
score, feedback without hidden tests, and an integrity report.  See
grading/README.md.
"""

__all__ = ["course", "release", "autograde", "integrity"]
