"""grading.integrity: every kind of flag on small notebooks, and silence on honest work."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from grading import integrity
from grading.course import Course
from grading.demo import CHEATS_DIR, Assignment, write_notebook

ROOT = Path(__file__).resolve().parent.parent

STUB = "# YOUR CODE HERE\nraise NotImplementedError()"
SOLUTION = "def square(x):\n    ### BEGIN SOLUTION\n    return x * x\n    ### END SOLUTION\n"
TESTS = ("import importlib, nnlib.checks as checks; checks = importlib.reload(checks)\n"
         "checks.expect_close(square(1.5), 2.25, name='square(1.5)')\n"
         "### BEGIN HIDDEN TESTS\nchecks.expect_close(square(-3.0), 9.0)\n### END HIDDEN TESTS\n")


def cell(source, grade_id=None, **flags):
    metadata = {"nbgrader": {"grade_id": grade_id, "grade": False, "solution": False, "locked": False, **flags}} \
        if grade_id else {}
    return {"cell_type": "code", "execution_count": None, "metadata": metadata, "outputs": [], "source": source}


def instructor() -> dict:
    return {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        cell("import numpy as np", "setup", locked=True),
        cell(SOLUTION, "square", solution=True),
        cell(TESTS, "square-tests", grade=True, locked=True, points=1),
    ]}


def released() -> dict:
    notebook = instructor()
    notebook["cells"][1]["source"] = "def square(x):\n    " + STUB.replace("\n", "\n    ") + "\n"
    notebook["cells"][2]["source"] = TESTS.split("### BEGIN HIDDEN TESTS")[0]
    return notebook


def submission(answer="def square(x):\n    return x * x\n", extra=None, edit=None) -> dict:
    notebook = released()
    notebook["cells"][1]["source"] = answer
    if extra is not None:
        notebook["cells"].insert(2, cell(extra))
    if edit:
        edit(notebook["cells"])
    return notebook


def scan(notebook, tmp_path):
    path = write_notebook(notebook, tmp_path / "square.ipynb")
    return integrity.scan_notebook(path, instructor(), released())


FLAGGED = [  # (code of a student's extra cell, category, line, a word of the message)
    ("import numpy as np\nnp.testing.assert_allclose = lambda *a, **k: None", "rebinding", 2, "assert_allclose"),
    ("import numpy\nsetattr(numpy, 'allclose', lambda *a: True)", "rebinding", 2, "setattr"),
    ("import math\nmath.isclose = lambda *a, **k: True", "rebinding", 2, "math.isclose"),
    ("import builtins\nbuiltins.abs = lambda x: 0", "rebinding", 2, "builtins.abs"),
    ("import nnlib.checks\nnnlib.checks.expect_close = print", "rebinding", 2, "expect_close"),
    ("import sys\n\nsys.modules['nnlib.checks'] = None", "rebinding", 3, "sys.modules"),
    ("import numpy as np\ndel np.allclose", "rebinding", 2, "deletes"),
    ("globals()['checks'] = None", "rebinding", 1, "globals"),
    ("def isinstance(*a):\n    return True", "rebinding", 1, "isinstance"),
    ("import sys\nframe = sys._getframe(1)", "frame-inspection", 2, "call stack"),
    ("import os\nos._exit(0)", "kernel", 2, "os._exit"),
    ("import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)", "kernel", 2, "signal"),
    ("try:\n    pass\nexcept KeyboardInterrupt:\n    pass", "kernel", 3, "KeyboardInterrupt"),
    ("raise SystemExit", "kernel", 1, "SystemExit"),
    ("import subprocess\nsubprocess.run(['ls'])", "shell", 2, "subprocess"),
    ("!cat ../../solutions/x.ipynb", "shell", 1, "shell"),
    ("x = open('../../solutions/01/01.ipynb').read()", "files", 1, "outside"),
    ("import pathlib\np = pathlib.Path.home() / 'x'\ntext = p.read_text()", "files", 3, "read_text"),
    ("name = 'gradebook.db'", "files", 1, "gradebook.db"),
    ("exec('x = 1')", "dynamic-code", 1, "exec"),
    ("import ctypes", "dynamic-code", 1, "ctypes"),
]


@pytest.mark.parametrize("code, category, line, word", FLAGGED)
def test_each_kind_of_code_is_flagged_with_cell_and_line(tmp_path, code, category, line, word):
    result = scan(submission(extra=code), tmp_path)
    matching = [f for f in result.flags if f.category == category and f.line == line]
    assert matching, result.flags
    assert matching[0].cell == "cell 3"
    assert word in matching[0].message + matching[0].code
    assert matching[0].code == code.splitlines()[line - 1].strip()


@pytest.mark.parametrize("answer, word", [
    ("def square(x):\n    return 2.25", "only constants"),
    ("def square(x):\n    if x == 1.5:\n        return 2.25\n    return x * x", "2.25"),
    ("def square(x):\n    return 2.25 if x > 1 else x * x", "2.25"),
    ("def square(x):\n    return x * 1.4142135623730951", "1.4142135623730951"),
])
def test_hard_coded_answers_in_a_graded_function_are_flagged(tmp_path, answer, word):
    result = scan(submission(answer=answer), tmp_path)
    assert [f.category for f in result.flags] == ["hard-coded"]
    assert result.flags[0].cell == "square" and word in result.flags[0].message


@pytest.mark.parametrize("answer", [
    "def square(x):\n    return x * x",
    "import numpy as np\n\ndef square(x):\n    return np.square(np.asarray(x, dtype=float))",
    "def square(x):\n    if x == 0:\n        return 0.0\n    return x ** 2",
    "def square(x):\n    total = 0.0\n    for _ in range(2):\n        total = total + x * x / 2\n    return total",
])
def test_honest_answers_raise_no_flag(tmp_path, answer):
    assert scan(submission(answer=answer), tmp_path).flags == []


def test_a_hidden_cheat_inside_a_restored_test_cell_is_not_reported_twice(tmp_path):
    """nbgrader replaces test cells by the instructor's version, so code there never runs: a note, not a flag."""
    def edit(cells):
        cells[2]["source"] = "import os\nos._exit(0)"

    result = scan(submission(edit=edit), tmp_path)
    assert result.flags == []
    assert [n.message for n in result.notes] == ["test cell edited (nbgrader runs the instructor's version)"]


def test_notes_say_what_nbgrader_repaired(tmp_path):
    def delete(cells):
        del cells[2]

    def edit_locked(cells):
        cells[0]["source"] = "import numpy"

    def reorder(cells):
        cells[1], cells[2] = cells[2], cells[1]

    for edit, phrase in [(delete, "test cell deleted"), (edit_locked, "locked cell edited"),
                         (reorder, "moved out of their order")]:
        notes = scan(submission(edit=edit), tmp_path).notes
        assert len(notes) == 1 and phrase in notes[0].message, (phrase, notes)
    assert scan(submission(), tmp_path).notes == []


def test_extra_files_are_noted_and_a_module_shadow_is_flagged():
    plain = integrity.scan_extra_files(["data.csv", "notes.txt"])
    assert plain.flags == [] and "data.csv, notes.txt" in plain.notes[0].message
    shadow = integrity.scan_extra_files(["numpy.py", "nnlib/checks.py", "sitecustomize.py", "data.csv"])
    assert sorted(f.notebook for f in shadow.flags) == ["nnlib/checks.py", "numpy.py", "sitecustomize.py"]


def test_runtime_notes_name_the_limit_that_stopped_a_cell():
    notebook = submission()
    notebook["cells"][1]["outputs"] = [{"output_type": "error", "ename": "KeyboardInterrupt", "evalue": "",
                                        "traceback": []}]
    notebook["cells"][0]["outputs"] = [{"output_type": "error", "ename": "MemoryError", "evalue": "",
                                        "traceback": []}]
    notebook["cells"][2]["outputs"] = [{"output_type": "stream", "name": "stdout",
                                        "text": "x\n... Output truncated ..."}]
    import nbformat

    flags, notes = integrity.runtime_findings(nbformat.from_dict(notebook), "graded.ipynb", 7, 512)
    assert flags == []
    notes = {(n.cell, n.message) for n in notes}
    assert notes == {("square", "stopped by the 7 s per-cell time limit"),
                     ("setup", "ran out of memory (limit 512 MiB per kernel)"),
                     ("square-tests", "output too long: cut in the graded notebook and the feedback")}


def test_a_file_that_is_not_a_notebook_gives_an_empty_scan(tmp_path):
    path = tmp_path / "broken.ipynb"
    path.write_text("{not json")
    assert integrity.scan_notebook(path, instructor(), released()).as_dict() == {"flags": [], "notes": []}


def _assignments_with_cheats():
    course = Course(ROOT)
    return [n for n in course.assignments() if (CHEATS_DIR / f"{n}.py").is_file()
            and (course.release_dir / n / f"{n}.ipynb").is_file()]


@pytest.mark.parametrize("name", _assignments_with_cheats())
def test_no_flag_or_note_on_a_real_solved_notebook(tmp_path, name):
    course = Course(ROOT)
    assignment = Assignment(course, name)
    path = write_notebook(assignment.student(), tmp_path / f"{name}.ipynb")
    result = integrity.scan_notebook(path, assignment.source, assignment.release)
    assert result.flags == [] and result.notes == []


def test_the_hard_coded_cheats_of_notebook_01_are_all_flagged(tmp_path):
    assignment = Assignment(Course(ROOT), "01_linear_regression")
    notebook = assignment.student()
    for grade_id, cheat in assignment.cheats.items():
        assignment.replace(notebook, grade_id, cheat)
    path = write_notebook(notebook, tmp_path / "cheat.ipynb")
    result = integrity.scan_notebook(path, assignment.source, assignment.release)
    assert {f.cell for f in result.flags} == set(assignment.cheats)
    assert {f.category for f in result.flags} == {"hard-coded"}


def test_an_edited_test_cell_is_told_by_nbgrader_s_checksum_as_in_validate():
    from grading.cells import as_notebook, edited, grade_id

    release = as_notebook(Course(ROOT).release_dir / "01_linear_regression" / "01_linear_regression.ipynb")
    tests = [c for c in release.cells if c.metadata.get("nbgrader", {}).get("grade")]
    assert tests and not any(edited(c) or edited(c, c) for c in release.cells)  # as released: nothing edited
    cell = tests[0]
    original = __import__("copy").deepcopy(cell)
    cell.source += "\n# a comment"
    assert edited(cell) and edited(cell, original)  # against the checksum it carries, and against the release
    cell.source = original.source
    cell.metadata.nbgrader.points = 99
    assert edited(cell, original), grade_id(cell)  # more points is an edit too
