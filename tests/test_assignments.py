"""Every assignment, through nbgrader itself: in sync, full marks, zero when unfilled, cheats caught.

For each folder in solutions/ this builds a private nbgrader course in a temporary
directory, runs nbgrader's ``generate_assignment`` and ``autograde`` (the real
ones, with the course's configuration) on three submissions, and reads the
scores back from nbgrader's gradebook:

* ``solution``: the instructor's notebook. Every test cell earns its points.
* ``unfilled``: the student notebook exactly as released. Every test cell earns 0,
  so no test is vacuous.
* ``cheat-<exercise>``, one per cheat in grading/demo_cheats/<assignment>.py: every
  exercise solved except that one, which returns answers hard-coded to the
  visible examples. Right after its test cell the cheater also runs that
  cell's *visible* part (as the student sees it), so the test proves the cheat
  passes what the student can see and loses the points to the hidden tests.

It also checks that notebooks/ equals what nbgrader generates from solutions/.
"""
from __future__ import annotations

import json
import multiprocessing
import os
import shutil
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from grading.course import Course, ensure_tools_on_path, nbgrader_config, quiet_nbgrader_logs
from grading.cells import meta, source_of
from grading.demo import Assignment
from grading.release import compare_folders

REPO = Path(__file__).resolve().parent.parent
COURSE = Course(REPO)
ASSIGNMENTS = COURSE.assignments()
VISIBLE_PROBE = "# visible-tests probe for {test_id}\n"

pytestmark = pytest.mark.slow


def cheater_notebook(assignment: Assignment, exercise: str) -> dict:
    """The released notebook, every exercise solved except ``exercise``, which is hard-coded by its cheat.

    A probe cell after the exercise's test cell runs that cell's visible part, as the student sees it.
    """
    test_id = assignment.test_for[exercise]
    notebook = assignment.replace(assignment.student(), exercise, assignment.cheats[exercise])
    visible_tests = source_of(assignment.release["cells"][assignment.index(assignment.release, test_id)])
    return assignment.insert_after(notebook, test_id, VISIBLE_PROBE.format(test_id=test_id) + visible_tests)


class Graded:
    """What nbgrader made of one assignment's submissions: the solution, the unfilled
    notebook, and one cheater per exercise (see the module docstring)."""

    def __init__(self, name: str, tmp: Path):
        ensure_tools_on_path()
        quiet_nbgrader_logs()
        from nbgrader.apps import NbGraderAPI
        from nbgrader.api import Gradebook

        self.assignment = name
        shutil.copytree(COURSE.source_dir / name, tmp / "source" / name,
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
        db_url = f"sqlite:///{tmp / 'gradebook.db'}"
        api = NbGraderAPI(config=nbgrader_config(tmp, db_url=db_url))
        result = api.generate_assignment(name, force=True)
        assert result["success"], f"nbgrader generate_assignment {name} failed:\n{result.get('log')}"
        self.generated = tmp / "release" / name

        assignment = Assignment(COURSE, name)
        self.source, self.points, self.exercises = assignment.source, assignment.points, assignment.exercises
        self.cheats, self.test_for = assignment.cheats, assignment.test_for
        submissions = {"solution": assignment.source, "unfilled": assignment.release}
        for exercise in self.cheats:
            submissions[f"cheat-{exercise}"] = cheater_notebook(assignment, exercise)
        self.scores, self.outputs = {}, {}
        for student, notebook in submissions.items():
            folder = tmp / "submitted" / student / name
            folder.mkdir(parents=True)
            (folder / f"{name}.ipynb").write_text(json.dumps(notebook))
            result = api.autograde(name, student, force=True, create=True)
            assert result["success"], f"nbgrader autograde of {student}'s {name} failed:\n{result.get('log')}"
            self.outputs[student] = json.loads((tmp / "autograded" / student / name / f"{name}.ipynb").read_text())
        with Gradebook(db_url) as gradebook:
            for student in submissions:
                notebook = gradebook.find_submission_notebook(name, name, student)
                self.scores[student] = {grade.name: grade.score for grade in notebook.grades}

    def probe_errors(self, student: str) -> dict:
        """test grade_id -> the error its visible-tests probe raised in ``student``'s notebook (or None)."""
        errors = {}
        for cell in self.outputs[student]["cells"]:
            text = source_of(cell)
            if cell["cell_type"] == "code" and text.startswith("# visible-tests probe for "):
                test_id = text.splitlines()[0].rsplit(" ", 1)[-1]
                failure = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
                errors[test_id] = f"{failure[0]['ename']}: {failure[0]['evalue']}" if failure else None
        return errors


def grade_in_subprocess(name: str, tmp: Path):
    """Graded(name, tmp), or the error that stopped it (as text, so it crosses the process boundary)."""
    try:
        return Graded(name, tmp)
    except BaseException as error:  # noqa: BLE001 - reported by the test that needs it
        return f"{type(error).__name__}: {error}"


@pytest.fixture(scope="session")
def graded_assignments(request, tmp_path_factory) -> dict:
    """nbgrader's verdicts on every assignment this session's selected tests use, graded in parallel."""
    wanted = sorted({item.callspec.params["graded"] for item in request.session.items
                     if hasattr(item, "callspec") and "graded" in item.callspec.params})
    workers = max(1, min(len(wanted), os.cpu_count() or 1))
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork")) as pool:
        futures = {name: pool.submit(grade_in_subprocess, name, tmp_path_factory.mktemp(name)) for name in wanted}
        return {name: future.result() for name, future in futures.items()}


@pytest.fixture(params=ASSIGNMENTS)
def graded(request, graded_assignments) -> Graded:
    result = graded_assignments[request.param]
    if isinstance(result, str):
        pytest.fail(f"grading {request.param} with nbgrader failed: {result}")
    return result


def test_course_has_assignments():
    assert len(ASSIGNMENTS) >= 3, f"expected the course's assignments in {COURSE.source_dir}, found {ASSIGNMENTS}"


def test_release_matches_nbgrader_generation(graded):
    problems = compare_folders(graded.generated, COURSE.release_dir / graded.assignment)
    assert not problems, "\n".join(problems + [f"run: python -m grading release {graded.assignment}"])


def test_structure(graded):
    assert len(graded.exercises) >= 5, f"{graded.assignment}: {len(graded.exercises)} exercises, the course asks for at least 5"
    assert all(p > 0 for p in graded.points.values()), graded.points
    for cell in graded.source["cells"]:
        if meta(cell).get("grade"):
            text = source_of(cell)
            assert text.startswith("import importlib, nnlib.checks as checks; checks = importlib.reload(checks)"), (
                f"{meta(cell)['grade_id']}: test cells must start by reloading nnlib.checks")
            assert "### BEGIN HIDDEN TESTS" in text, f"{meta(cell)['grade_id']} has no hidden tests"


def test_solution_earns_full_marks(graded):
    lost = {cell: (score, graded.points[cell]) for cell, score in graded.scores["solution"].items()
            if score != graded.points[cell]}
    assert set(graded.scores["solution"]) == set(graded.points)
    assert not lost, f"{graded.assignment}: the solution loses points in {lost}"


def test_unfilled_notebook_earns_zero(graded):
    earned = {cell: score for cell, score in graded.scores["unfilled"].items() if score != 0}
    assert set(graded.scores["unfilled"]) == set(graded.points)
    assert not earned, f"{graded.assignment}: these test cells pass on the unfilled notebook: {earned}"


def test_every_exercise_has_a_cheat(graded):
    graded_exercises = [e for e in graded.exercises if f"{e}-tests" in graded.points]
    missing = [e for e in graded_exercises if e not in graded.cheats]
    assert not missing, f"grading/demo_cheats/{graded.assignment}.py has no cheat for {missing}"


def test_hard_coded_answers_pass_visible_tests_but_lose_hidden_points(graded):
    for exercise, test_id in graded.test_for.items():
        student = f"cheat-{exercise}"
        probes = graded.probe_errors(student)
        assert test_id in graded.points, f"cheat {exercise!r} names unknown test cell {test_id!r}"
        assert probes.get(test_id, "missing") is None, (
            f"{graded.assignment}: the cheat for {exercise} should pass the visible tests of {test_id} "
            f"(else it proves nothing); it got {probes.get(test_id)}")
        assert graded.scores[student][test_id] == 0, (
            f"{graded.assignment}: hard-coded {exercise} earned {graded.scores[student][test_id]} "
            f"points in {test_id}; its hidden tests must catch it")


def test_solution_executes_without_errors(graded):
    """nbgrader carries on past errors, so full marks alone would not notice a broken demo cell."""
    errors = [(index, f"{o['ename']}: {o['evalue']}")
              for index, cell in enumerate(graded.outputs["solution"]["cells"]) if cell["cell_type"] == "code"
              for o in cell.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors, f"{graded.assignment}: cells raised errors in the solution: {errors}"
