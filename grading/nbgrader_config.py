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
# Solutions are cleared to this stub; the student replaces it.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
