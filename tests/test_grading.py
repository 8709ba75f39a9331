"""The instructor's command line (python -m grading): release, validate, autograde, end to end.

Everything here runs the real nbgrader on the real assignments 01 and 03.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from grading import release
from grading.course import Course

ROOT = Path(__file__).resolve().parent.parent
FIRST, SECOND = "01_linear_regression", "03_computational_graphs"


def grading_cli(*args, cwd=ROOT, timeout=600):
    """Run ``python -m grading ARGS`` the way an instructor does; return the CompletedProcess."""
    return subprocess.run([sys.executable, "-m", "grading", *map(str, args)], cwd=cwd, capture_output=True,
                          text=True, timeout=timeout)


def notebook_path(folder: Path, assignment: str) -> Path:
    return folder / assignment / f"{assignment}.ipynb"


@pytest.fixture()
def small_course(tmp_path) -> Path:
    """A course folder with assignment 01 only: its solutions and its committed student notebook."""
    for part in ("solutions", "notebooks"):
        shutil.copytree(ROOT / part / FIRST, tmp_path / part / FIRST)
    return tmp_path


# ---------------------------------------------------------------------------------------------
# release


@pytest.mark.slow
def test_release_check_passes_on_the_committed_notebooks():
    result = grading_cli("release", "--check", FIRST, SECOND)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "matches" in result.stdout


@pytest.mark.slow
def test_release_check_names_an_edited_notebook_and_release_repairs_it(small_course):
    course = Course(small_course)
    assert release.check(course, [FIRST]) == []
    student = notebook_path(course.release_dir, FIRST)
    notebook = json.loads(student.read_text(encoding="utf-8"))
    notebook["cells"][0]["source"] = "# A title edited by hand\n"
    student.write_text(json.dumps(notebook), encoding="utf-8")
    (course.release_dir / FIRST / "stray.txt").write_text("not generated\n")

    result = grading_cli("--course", small_course, "release", "--check")
    assert result.returncode == 1
    assert "cell 0: source" in result.stdout and "stray.txt" in result.stdout

    assert release.release(course, [FIRST]) == [FIRST]
    assert release.check(course, [FIRST]) == []
    assert not (course.release_dir / FIRST / "stray.txt").exists()


def test_release_refuses_an_unknown_assignment(small_course):
    result = grading_cli("--course", small_course, "release", "99_nothing")
    assert result.returncode == 2
    assert "99_nothing" in result.stderr and FIRST in result.stderr


def test_notebook_difference_ignores_volatile_metadata_only(tmp_path):
    base = json.loads(notebook_path(ROOT / "notebooks", FIRST).read_text(encoding="utf-8"))
    a, b = tmp_path / "a.ipynb", tmp_path / "b.ipynb"
    a.write_text(json.dumps(base), encoding="utf-8")
    base["cells"][1]["metadata"]["collapsed"] = True
    b.write_text(json.dumps(base), encoding="utf-8")
    assert release.notebook_difference(a, b) == ""
    base["cells"][1]["metadata"]["nbgrader"]["points"] = 99
    b.write_text(json.dumps(base), encoding="utf-8")
    assert "metadata" in release.notebook_difference(a, b)


# ---------------------------------------------------------------------------------------------
# validate (the students' self-check)


@pytest.mark.slow
def test_validate_passes_a_solution_and_names_the_failing_cells_of_an_unfilled_notebook(tmp_path):
    ok = grading_cli("validate", notebook_path(ROOT / "solutions", FIRST))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "every visible test passes" in ok.stdout

    unfilled = grading_cli("validate", notebook_path(ROOT / "notebooks", FIRST))
    assert unfilled.returncode == 1
    assert "predict-tests: NotImplementedError" in unfilled.stdout
    assert "closed_form-tests: NotImplementedError" in unfilled.stdout

    broken = tmp_path / "broken.ipynb"
    broken.write_text(notebook_path(ROOT / "notebooks", FIRST).read_text(encoding="utf-8")[:500])
    bad = grading_cli("validate", broken, tmp_path / "absent.ipynb")
    assert bad.returncode == 1
    assert "cannot be read as a notebook" in bad.stdout and "no such notebook" in bad.stdout
