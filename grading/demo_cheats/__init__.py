"""The demo class's hard-coded cheats, one file per assignment (grading/demo.py loads them by path).

``<assignment>.py`` holds ``CHEATS`` (grade_id -> a source that returns the visible tests' answers)
and ``TEST_FOR`` (grade_id -> its test cell).  The demo class, tests/test_assignments.py and the
integrity tests all use them.
"""
