"""Score a student's saved model on a held-out split that only the grader has.

An assignment opts in with a folder ``heldout/`` beside its source notebook
(``solutions/<assignment>/heldout/``), holding the data and ``heldout.json``::

    {"cell": "final_model-tests",       # the graded test cell that gets the verdict
     "model_file": "final_model.npz",    # written by the student's notebook, in its folder
     "data": "digits_heldout.npz",       # arrays X (n, d) and y (n,), in heldout/
     "min_accuracy": 0.975,              # the bar
     "standardize": true}                # inputs become (X - mean) / std with the file's extras

nbgrader never copies ``heldout/`` (it is in ``CourseDirectory.ignore``): not into the
released notebooks, not into the folder where a submission runs, so no kernel sees it.

``HeldOutScore`` runs in the grader's process, after the notebook was executed
(``c.Autograde.autograde_preprocessors``, right after ``LimitedExecute``).  For the named
cell, unless the kernel already failed it, it loads the student's file with
``np.load(allow_pickle=False)`` and ``nnlib.checkpoint`` (a JSON architecture of known
layers, plain arrays: nothing in the file can run code), refuses oversized models before
building them, predicts the held-out images in evaluation mode and compares the accuracy
with the bar.  Its verdict becomes an output of that cell: a line on stdout when the
model passes, an error output with the reason when the file is missing or invalid or the
accuracy is below the bar, so nbgrader's own grading of the cell scores it.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from nbformat.v4 import new_output
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Integer, Unicode

FOLDER = "heldout"
SPEC = "heldout.json"


class HeldOutError(Exception):
    """The saved model cannot be scored, or scores below the bar; the message says why."""


def _parameter_count(architecture) -> int:
    """Parameters the architecture would allocate (0 for unknown entries: build refuses them)."""
    total = 0
    for entry in architecture if isinstance(architecture, list) else []:
        if not isinstance(entry, dict):
            continue
        numbers = [v for v in entry.values() if isinstance(v, int) and not isinstance(v, bool)]
        if entry.get("layer") == "Linear" and len(numbers) == 2:
            total += (numbers[0] + 1) * numbers[1]
        elif entry.get("layer") == "BatchNorm1d" and numbers:
            total += 4 * numbers[0]
    return total


def load_model(path: Path, max_params: int, max_bytes: int):
    """(model in evaluation mode, extras) from a checkpoint written by nnlib.checkpoint.save."""
    from nnlib import checkpoint

    if not path.is_file() or path.is_symlink():
        raise HeldOutError(f"{path.name} was not found beside the notebook: run the cell that saves your final "
                           f"model (checkpoint.save(final_model, {path.name!r}, ...)) before submitting")
    if path.stat().st_size > max_bytes:
        raise HeldOutError(f"{path.name} is {path.stat().st_size} bytes; a model file may be at most {max_bytes}")
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
        architecture = json.loads(str(arrays["architecture"]))
    except Exception as error:  # not a zip, pickled objects, no architecture, bad JSON
        raise HeldOutError(f"{path.name} is not a model saved with nnlib.checkpoint.save ({type(error).__name__}: "
                           f"{error})") from None
    if _parameter_count(architecture) > max_params:
        raise HeldOutError(f"{path.name} describes a model of over {max_params} parameters")
    try:
        model = checkpoint.load(path)
        extras = checkpoint.load_extras(path)
    except (ValueError, TypeError) as error:
        raise HeldOutError(f"{path.name} could not be loaded: {error}") from None
    return model.eval(), extras


def heldout_accuracy(path: Path, X: np.ndarray, y: np.ndarray, standardize: bool,
                     max_params: int = 5_000_000, max_bytes: int = 50_000_000) -> float:
    """Accuracy of the model saved at ``path`` on (X, y) (predicted class: argmax of the outputs)."""
    model, extras = load_model(path, max_params, max_bytes)
    X = np.asarray(X, dtype=np.float64)
    if standardize:
        mean, std = extras.get("mean"), extras.get("std")
        if mean is None or std is None:
            raise HeldOutError(f"{path.name} has no input standardization: save it with "
                               "extras={'mean': train_mean, 'std': train_std}")
        mean, std = np.asarray(mean, dtype=np.float64), np.asarray(std, dtype=np.float64)
        if mean.shape != (X.shape[1],) or std.shape != (X.shape[1],) or not np.all(std > 0) \
                or not np.isfinite(mean).all() or not np.isfinite(std).all():
            raise HeldOutError(f"{path.name}: the extras mean and std must be {X.shape[1]} finite numbers each "
                               f"(std > 0), got shapes {mean.shape} and {std.shape}")
        X = (X - mean) / std
    try:
        with np.errstate(all="ignore"):
            out = model.forward(X)
    except (ValueError, TypeError) as error:
        raise HeldOutError(f"the saved model cannot take the {X.shape[1]} input features: {error}") from None
    if out.ndim != 2 or out.shape[0] != len(y) or not np.isfinite(out).all():
        raise HeldOutError(f"the saved model should give one finite row of class scores per image, got shape "
                           f"{out.shape}")
    return float(np.mean(np.argmax(out, axis=1) == y))


class HeldOutScore(NbGraderPreprocessor):
    """Give the held-out verdict to the cell named in ``heldout/heldout.json`` (see the module docstring).

    An NbGraderPreprocessor, so it is enabled (nbconvert's preprocessors are off by default)."""

    max_params = Integer(5_000_000, help="Largest model (in parameters) that is scored.").tag(config=True)
    max_bytes = Integer(50_000_000, help="Largest model file (in bytes) that is read.").tag(config=True)
    source_folder = Unicode("", help="The assignment's source folder (default: from CourseDirectory).").tag(
        config=True)

    def _source(self, assignment: str) -> Path:
        if self.source_folder:
            return Path(self.source_folder)
        from nbgrader.coursedir import CourseDirectory

        coursedir = CourseDirectory(config=self.config)
        return Path(coursedir.format_path(coursedir.source_directory, ".", assignment))

    def preprocess(self, nb, resources):
        assignment = resources.get("nbgrader", {}).get("assignment")
        if not assignment:
            return nb, resources
        folder = self._source(assignment) / FOLDER
        if not (folder / SPEC).is_file():
            return nb, resources
        spec = json.loads((folder / SPEC).read_text(encoding="utf-8"))
        for cell in nb.cells:
            if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == spec["cell"]:
                self._judge(cell, spec, folder, Path(resources.get("metadata", {}).get("path") or "."))
        return nb, resources

    def _judge(self, cell, spec, folder: Path, work: Path):
        if any(o.get("output_type") == "error" for o in cell.get("outputs", [])):
            return  # the kernel already failed this cell, with its own reason
        bar = float(spec["min_accuracy"])
        try:
            with np.load(folder / spec["data"], allow_pickle=False) as data:
                X, y = data["X"], data["y"]
            accuracy = heldout_accuracy(work / spec["model_file"], X, y, bool(spec.get("standardize")),
                                        self.max_params, self.max_bytes)
            if not accuracy >= bar:
                raise HeldOutError(f"accuracy on the held-out images is {accuracy:.4f} "
                                   f"({round(accuracy * len(y))} of {len(y)}); the bar is {bar}")
        except HeldOutError as error:
            self.log.info("held-out score of %s: %s", spec["model_file"], error)
            cell.setdefault("outputs", []).append(new_output(
                "error", ename="HeldOutScore", evalue=str(error), traceback=[f"HeldOutScore: {error}"]))
            return
        cell.setdefault("outputs", []).append(new_output(
            "stream", name="stdout", text=f"Held-out accuracy (scored by the grader): {accuracy:.4f} "
                                          f"({round(accuracy * len(y))} of {len(y)} images) >= {bar}\n"))
