"""The course's nbgrader configuration (loaded by ../nbgrader_config.py).

The repository root is nbgrader's course directory: instructors' source
notebooks live in ``solutions/``, the generated student notebooks in
``notebooks/`` (nbgrader's release folder, committed), and nbgrader's working
folders (submitted/, autograded/, feedback/) and ``gradebook.db`` beside them,
ignored by git.
"""
import os

c = get_config()  # noqa: F821  (provided by traitlets when nbgrader loads this file)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

c.CourseDirectory.root = ROOT
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "notebooks"
c.CourseDirectory.course_id = "nn-from-scratch"

# Student notebooks must keep working when a test cell is deleted or edited.
c.OverwriteCells.add_missing_cells = True
# A cell that runs longer than this fails (per cell, seconds).
c.Execute.timeout = 60
# An assignment's held-out data (solutions/<assignment>/heldout/, grading/heldout.py) is never
# copied: not into the released notebooks, not where a submission runs; nor is a model that
# running the solution of notebook 10 saved (it would replace a student's missing one).
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", "heldout", "final_model.npz"]
# Solutions are cleared to this stub; the student replaces it.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}

# --- Added by the grading command line (grading/README.md) -------------------------------
import sys  # noqa: E402

if ROOT not in sys.path:  # nbgrader's own scripts do not put the course folder on sys.path
    sys.path.insert(0, ROOT)

from nbconvert.preprocessors import ClearMetadataPreprocessor, CSSHTMLHeaderPreprocessor  # noqa: E402
from nbgrader.preprocessors import (  # noqa: E402
    AssignLatePenalties, CheckCellMetadata, ClearHiddenTests, GetGrades, IgnorePattern, SaveAutoGrades,
)

from grading.feedback import HideTestTracebacks, RenderMath  # noqa: E402
from grading.heldout import HeldOutScore  # noqa: E402
from grading.limits import MEMORY_LIMIT_MB, LimitedExecute, LimitOutputSize  # noqa: E402

# Autograde exactly as nbgrader does, except that each kernel starts with a memory limit
# (one student's runaway allocation gets a MemoryError, not the machine), that a saved model
# is scored on held-out data in the grader's process (grading/heldout.py), and that outputs
# are also cut by size, not only by lines.
c.Autograde.autograde_preprocessors = [
    LimitedExecute, HeldOutScore, IgnorePattern, ClearMetadataPreprocessor, LimitOutputSize,
    SaveAutoGrades, AssignLatePenalties, CheckCellMetadata,
]
c.LimitedKernelManager.memory_limit_mb = MEMORY_LIMIT_MB
# Long outputs are cut in the autograded notebook and the feedback.
c.LimitOutputSize.max_lines = 1000
c.LimitOutputSize.max_chars = 10000
# Feedback never shows hidden tests: not in the cells' source, nor quoted by a traceback; its
# math is MathML, so it needs no MathJax from a CDN (grading/feedback.py).
c.GenerateFeedback.preprocessors = [GetGrades, CSSHTMLHeaderPreprocessor, ClearHiddenTests, HideTestTracebacks,
                                    RenderMath]
