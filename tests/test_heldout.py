"""grading/heldout.py: a saved model is scored on the held-out split in the grader's process.

The unit tests call the preprocessor on small notebooks; the end-to-end test runs real
nbgrader (generate_assignment, autograde) on notebook 10 with three submissions: a good
model passes the final-model cell, a model below the bar and a missing file fail it with a
reason, and neither the held-out data nor a saved model is ever released.
"""
import json
import shutil

import nbformat
import numpy as np
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output

from grading.heldout import HeldOutScore, heldout_accuracy
from nnlib import checkpoint, layers

ASSIGNMENT = "10_training_project"
CELL = "final_model-tests"


def _data(n=60, d=4, rng=0):
    """A problem a 4-10 linear model solves exactly: the class is the argmax of X @ A."""
    generator = np.random.default_rng(rng)
    A = generator.normal(size=(d, 3))
    X = generator.normal(size=(n, d)) * 3 + 5
    return X, np.argmax((X - 5) / 3 @ A, axis=1), A


def _perfect_model(A):
    model = layers.Sequential(layers.Linear(A.shape[0], 3))
    model.params["0.W"][...] = A.T
    return model


@pytest.fixture
def course(tmp_path):
    """A source folder with heldout/ as the course ships it, and a folder where a notebook ran."""
    X, y, A = _data()
    source = tmp_path / "source"
    (source / "heldout").mkdir(parents=True)
    np.savez(source / "heldout" / "data.npz", X=X, y=y)
    (source / "heldout" / "heldout.json").write_text(json.dumps(
        {"cell": CELL, "model_file": "final_model.npz", "data": "data.npz", "min_accuracy": 0.9, "standardize": True}))
    work = tmp_path / "work"
    work.mkdir()
    return source, work, A


def _notebook(error=False):
    cell = new_code_cell("print('visible checks passed')", metadata={"nbgrader": {"grade": True, "grade_id": CELL,
                                                                                  "points": 4, "solution": False}})
    cell.outputs = [new_output("error", ename="AssertionError", evalue="the kernel's own failure", traceback=[])] \
        if error else [new_output("stream", name="stdout", text="visible checks passed\n")]
    return new_notebook(cells=[new_code_cell("x = 1"), cell])


def _judge(source, work, notebook):
    resources = {"nbgrader": {"assignment": ASSIGNMENT}, "metadata": {"path": str(work)}}
    HeldOutScore(source_folder=str(source))(notebook, resources)    # called as nbconvert's exporter calls it
    return notebook.cells[1].outputs


def _errors(outputs):
    return [o["evalue"] for o in outputs if o["output_type"] == "error"]


def test_a_good_model_passes_and_the_verdict_is_printed(course):
    source, work, A = course
    checkpoint.save(_perfect_model(A), work / "final_model.npz", extras={"mean": np.full(4, 5.0), "std": np.full(4, 3.0)})
    outputs = _judge(source, work, _notebook())
    assert _errors(outputs) == []
    assert "Held-out accuracy (scored by the grader): 1.0000 (60 of 60 images) >= 0.9" in outputs[-1]["text"]


@pytest.mark.parametrize("case, reason", [
    ("missing", "final_model.npz was not found beside the notebook"),
    ("wrong standardization", "the bar is 0.9"),
    ("no extras", "has no input standardization"),
    ("not a zip", "is not a model saved with nnlib.checkpoint.save"),
    ("pickled", "is not a model saved with nnlib.checkpoint.save"),
    ("huge", "describes a model of over"),
    ("wrong width", "cannot take the 4 input features"),
])
def test_a_bad_or_missing_file_fails_the_cell_with_a_reason(course, case, reason):
    source, work, A = course
    path = work / "final_model.npz"
    extras = {"mean": np.full(4, 5.0), "std": np.full(4, 3.0)}
    if case == "wrong standardization":
        checkpoint.save(_perfect_model(A), path, extras={"mean": np.zeros(4), "std": np.full(4, 0.1)})
    elif case == "no extras":
        checkpoint.save(_perfect_model(A), path)
    elif case == "not a zip":
        path.write_text("my model, trust me")
    elif case == "pickled":
        np.savez(path, architecture=np.array([{"layer": "Linear"}], dtype=object))
    elif case == "huge":
        np.savez(path, architecture=np.array(json.dumps([{"layer": "Linear", "n_in": 4, "n_out": 10 ** 8}])))
    elif case == "wrong width":
        checkpoint.save(layers.Sequential(layers.Linear(5, 3)), path, extras=extras)
    outputs = _judge(source, work, _notebook())
    errors = _errors(outputs)
    assert len(errors) == 1 and reason in errors[0], errors


def test_a_cell_the_kernel_failed_keeps_its_own_reason_and_other_assignments_are_untouched(course, tmp_path):
    source, work, A = course
    outputs = _judge(source, work, _notebook(error=True))
    assert _errors(outputs) == ["the kernel's own failure"]
    plain = tmp_path / "plain"
    plain.mkdir()
    outputs = _judge(plain, work, _notebook())
    assert [o["output_type"] for o in outputs] == ["stream"]


def test_heldout_accuracy_counts_argmax_hits(course):
    source, work, A = course
    X, y, _ = _data()
    model = _perfect_model(A)
    model.params["0.W"][0] *= -1     # class 0 now loses wherever it should win
    checkpoint.save(model, work / "m.npz", extras={"mean": np.full(4, 5.0), "std": np.full(4, 3.0)})
    expected = np.mean(np.argmax((X - 5) / 3 @ model.params["0.W"].T, axis=1) == y)
    assert heldout_accuracy(work / "m.npz", X, y, standardize=True) == pytest.approx(expected)
    assert expected < 1.0


# --- end to end, through nbgrader ------------------------------------------------------

@pytest.mark.slow
def test_nbgrader_scores_the_saved_model_on_the_heldout_split(tmp_path):
    from grading.course import Course, ensure_tools_on_path, nbgrader_config, quiet_nbgrader_logs
    from grading.demo import Assignment

    ensure_tools_on_path()
    quiet_nbgrader_logs()
    from nbgrader.api import Gradebook
    from nbgrader.apps import NbGraderAPI

    course = Course()
    shutil.copytree(course.source_dir / ASSIGNMENT, tmp_path / "source" / ASSIGNMENT,
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    assert (tmp_path / "source" / ASSIGNMENT / "heldout" / "digits_heldout.npz").is_file()
    db_url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    api = NbGraderAPI(config=nbgrader_config(tmp_path, db_url=db_url))
    assert api.generate_assignment(ASSIGNMENT, force=True)["success"]
    released = {p.name for p in (tmp_path / "release" / ASSIGNMENT).rglob("*")}
    assert "digits_project.npz" in released and not released & {"heldout", "digits_heldout.npz", "final_model.npz"}
    assert not (course.release_dir / ASSIGNMENT / "heldout").exists()

    assignment = Assignment(course, ASSIGNMENT)
    good = assignment.student()
    bad = assignment.replace(assignment.student(), "final_model", assignment.cheats["final_model"])
    missing = assignment.replace(assignment.student(), "final_model", assignment.solution_source("final_model").replace(
        'checkpoint.save(final_model, "final_model.npz"', 'checkpoint.save(final_model, "elsewhere.npz"'))
    for student, notebook in {"good": good, "bad": bad, "missing": missing}.items():
        folder = tmp_path / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        (folder / f"{ASSIGNMENT}.ipynb").write_text(json.dumps(notebook))
        assert api.autograde(ASSIGNMENT, student, force=True, create=True)["success"]
        autograded = tmp_path / "autograded" / student / ASSIGNMENT
        assert not (autograded / "heldout").exists() and not (autograded / "digits_heldout.npz").exists()

    def verdict(student):
        notebook = nbformat.read(tmp_path / "autograded" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
        cell = next(c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") == CELL)
        return cell.outputs

    with Gradebook(db_url) as gradebook:
        scores = {s: {g.name: g.score for g in gradebook.find_submission_notebook(ASSIGNMENT, ASSIGNMENT, s).grades}
                  for s in ("good", "bad", "missing")}
    assert scores["good"][CELL] == 4, verdict("good")
    assert "Held-out accuracy (scored by the grader)" in verdict("good")[-1]["text"]
    assert scores["bad"][CELL] == 0 and scores["missing"][CELL] == 0
    bad_errors = _errors(verdict("bad"))
    assert len(bad_errors) == 1 and "accuracy on the held-out images is" in bad_errors[0] and "the bar is 0.975" in bad_errors[0]
    missing_errors = _errors(verdict("missing"))
    assert len(missing_errors) == 1 and "final_model.npz was not found" in missing_errors[0]
    # a single exercise is lost each time: every other cell scores as in the good submission
    for student in ("bad", "missing"):
        assert {k: v for k, v in scores[student].items() if k != CELL} == {k: v for k, v in scores["good"].items()
                                                                           if k != CELL}
