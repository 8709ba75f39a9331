"""Run a notebook's exercises with known wrong answers, in one real kernel, and record what each test cell said.

A catalogue module ``tests/mistakes/m<NN>_<topic>.py`` lists, per exercise
(its solution cell's ``grade_id``), the wrong implementations students really
write, each with a pattern its visible test must print::

    MISTAKES = [
        Mistake("mse_gradient", "no 1/n", '''
    def mse_gradient(X, y, w, b):
        ...
    ''', expect="average over the batch"),
    ]

Two passes, each in a fresh kernel started in the notebook's folder of ``notebooks/``:

* **caught**: the notebook runs top to bottom with the instructor's solutions;
  at each exercise, every mistake for it is defined, one at a time on top of
  the solution cell (so a mistake that redefines one of several functions of
  the cell is judged alone), and the exercise's *visible* test cell (as
  released to students) is run: it must fail, and its error must match
  ``expect``.  Then the solution is put back.
* **contained**: for each exercise, the first mistake stays in place and the
  rest of the notebook runs with the instructor's test cells (hidden tests
  included): every later test cell must pass, so one mistake costs one exercise.
"""
from __future__ import annotations

import copy
import json
import queue
import re
from dataclasses import dataclass, field
from pathlib import Path

from jupyter_client.manager import start_new_kernel

from grading.cells import meta, source_of

REPO = Path(__file__).resolve().parents[2]
TIMEOUT = 120  # seconds for one cell


@dataclass(frozen=True)
class Mistake:
    exercise: str  # grade_id of the solution cell
    name: str  # what the student got wrong, in a few words
    source: str  # the wrong implementation (a whole cell)
    expect: str  # a regular expression the visible test's error must match (the misconception named)

    @property
    def id(self) -> str:
        return f"{self.exercise}: {self.name}"


@dataclass
class Outcome:
    error: str | None  # "Ename: evalue" (and traceback text) of the visible test cell, None if it passed


@dataclass
class Kernel:
    """A kernel in ``folder``; ``run(code)`` returns None or the error text."""
    folder: Path
    manager: object = field(init=False)
    client: object = field(init=False)

    def __post_init__(self):
        self.manager, self.client = start_new_kernel(kernel_name="python3", cwd=str(self.folder))

    def run(self, code: str) -> str | None:
        errors = []

        def hook(message):
            if message["msg_type"] == "error":
                content = message["content"]
                errors.append(f"{content['ename']}: {content['evalue']}\n" + "\n".join(content["traceback"]))

        reply = self.client.execute_interactive(code, timeout=TIMEOUT, output_hook=hook, store_history=False)
        if reply["content"]["status"] == "error" and not errors:
            content = reply["content"]
            errors.append(f"{content.get('ename')}: {content.get('evalue')}")
        return re.sub(r"\x1b\[[0-9;]*m", "", errors[0]) if errors else None

    def close(self):
        self.client.stop_channels()
        self.manager.shutdown_kernel(now=True)


class Notebook:
    """The instructor's and the student's versions of one assignment, cell by cell."""

    def __init__(self, assignment: str):
        self.assignment = assignment
        self.source = json.loads((REPO / "solutions" / assignment / f"{assignment}.ipynb").read_text("utf-8"))
        self.release = json.loads((REPO / "notebooks" / assignment / f"{assignment}.ipynb").read_text("utf-8"))
        self.folder = REPO / "notebooks" / assignment
        self.by_id = {meta(c)["grade_id"]: c for c in self.source["cells"] if meta(c).get("grade_id")}
        self.visible = {meta(c)["grade_id"]: source_of(c) for c in self.release["cells"] if meta(c).get("grade")}

    def code_cells(self):
        """(grade_id or None, cell) of every code cell of the instructor's notebook, in order."""
        return [(meta(c).get("grade_id"), c) for c in self.source["cells"] if c["cell_type"] == "code"]

    def test_after(self, exercise: str) -> str:
        """grade_id of the first test cell after the exercise's solution cell."""
        cells = self.code_cells()
        start = next(i for i, (g, _) in enumerate(cells) if g == exercise)
        return next(g for g, c in cells[start + 1:] if meta(c).get("grade"))


def run_caught(notebook: Notebook, mistakes: list[Mistake]) -> dict[str, Outcome]:
    """Mistake id -> what the exercise's visible test cell said with that mistake in place."""
    outcomes: dict[str, Outcome] = {}
    kernel = Kernel(notebook.folder)
    try:
        for grade_id, cell in notebook.code_cells():
            error = kernel.run(source_of(cell))
            if error is not None:
                raise RuntimeError(f"{notebook.assignment}: the solution failed in cell {grade_id or '(no id)'}:\n{error}")
            own = [m for m in mistakes if m.exercise == grade_id]
            if not own:
                continue
            test_id = notebook.test_after(grade_id)
            for mistake in own:
                restored = kernel.run(source_of(cell))  # each mistake alone, on top of the solution
                assert restored is None, restored
                defined = kernel.run(mistake.source)
                if defined is not None:
                    outcomes[mistake.id] = Outcome(f"(the mistake's own code failed to run) {defined}")
                    continue
                outcomes[mistake.id] = Outcome(kernel.run(notebook.visible[test_id]))
            restored = kernel.run(source_of(cell))
            assert restored is None, restored
    finally:
        kernel.close()
    return outcomes


def run_contained(notebook: Notebook, mistake: Mistake) -> list[str]:
    """Test cells after the mistake's own test cell that failed while the mistake stayed in place."""
    kernel = Kernel(notebook.folder)
    failures = []
    try:
        reached = False
        own_test = notebook.test_after(mistake.exercise)
        for grade_id, cell in notebook.code_cells():
            if grade_id == mistake.exercise:
                reached = True
                kernel.run(mistake.source)
                continue
            error = kernel.run(source_of(cell))
            if reached and meta(cell).get("grade") and grade_id != own_test and error is not None:
                failures.append(f"{grade_id}: {error.splitlines()[0]}")
    finally:
        kernel.close()
    return failures


def solution_source(assignment: str, exercise: str) -> str:
    """The instructor's solution cell of ``exercise`` (a grade_id), without nbgrader's solution markers."""
    cell = Notebook(assignment).by_id[exercise]
    return "".join(line for line in source_of(cell).splitlines(keepends=True)
                   if line.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION"))


def variant(assignment: str, exercise: str, *edits: tuple[str, str]) -> str:
    """The solution cell of ``exercise`` with each ``(old, new)`` edit made: a catalogued mistake written as
    the small change it is.  Each ``old`` must occur exactly once, so a changed solution fails loudly here."""
    source = solution_source(assignment, exercise)
    for old, new in edits:
        count = source.count(old)
        if count != 1:
            raise ValueError(f"{assignment}/{exercise}: expected {old!r} once in the solution, found it {count} times")
        source = source.replace(old, new)
    return source


def load_catalogue(module) -> tuple[str, list[Mistake]]:
    return module.ASSIGNMENT, list(module.MISTAKES)
