"""Reading a notebook's cells: nbformat nodes, classified by nbgrader's own tests.

``nbgrader.utils`` decides what a cell is (``is_grade``: a test cell with points; ``is_solution``:
an answer cell; ``is_locked``: a cell nbgrader restores from the instructor's version, test cells
included) and whether a restored cell was edited (``edited``: its checksum, as nbgrader's
Validator and ``nbgrader autograde`` compute it).  ``meta`` and ``source_of`` read a cell of a
notebook kept as plain JSON (the demo class and the tests build notebooks that way).
"""
from __future__ import annotations

import json
from pathlib import Path

from nbgrader.utils import compute_checksum, is_grade, is_locked, is_solution

__all__ = ["as_notebook", "edited", "grade_id", "is_grade", "is_locked", "is_solution", "meta", "source_of"]


def source_of(cell) -> str:
    """The cell's source as one string (nbformat allows a list of lines or a string)."""
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def meta(cell) -> dict:
    """The cell's nbgrader metadata (grade_id, grade, solution, locked, points...); {} if none."""
    return (cell.get("metadata") or {}).get("nbgrader") or {}


def grade_id(cell) -> str | None:
    """The cell's nbgrader ``grade_id``, or None for a cell nbgrader does not track."""
    return meta(cell).get("grade_id") or None


def as_notebook(notebook):
    """An nbformat (v4) notebook from a path, a JSON dict or a notebook node (returned as is)."""
    import nbformat

    if isinstance(notebook, (str, Path)):
        return nbformat.read(notebook, as_version=4)
    if isinstance(notebook, nbformat.NotebookNode):
        return notebook
    return nbformat.reads(json.dumps(notebook), as_version=4)  # as from a file: a list of lines becomes one source


def edited(cell, original=None) -> bool:
    """Whether a locked cell (a test cell or a locked one) was edited, as nbgrader tells it: its
    checksum differs from the instructor's (``original``'s) or, without one, from the checksum
    nbgrader stored in the cell when it released the notebook."""
    if not is_locked(cell):
        return False
    if original is not None:
        want = meta(original).get("checksum") or compute_checksum(original)
    else:
        want = meta(cell).get("checksum")
    try:
        return want is not None and compute_checksum(cell) != want
    except (KeyError, TypeError, ValueError):  # its nbgrader metadata was mangled
        return True
