"""Catalogue entries that change one function of a multi-function exercise.

The harness runs a mistake's source in place of the exercise's solution cell (and, in the
"contained" pass, keeps it there for the rest of the notebook), so a mistake that redefines
only ``mae`` must still define the cell's other functions.  ``variant`` makes the mistake a
whole cell: the instructor's solution of the exercise, then the wrong function.
(``harness.variant`` does the same by editing the solution's text instead.)
"""
from functools import lru_cache

from grading.cells import source_of
from tests.mistakes.harness import Mistake, Notebook


@lru_cache(maxsize=None)
def _solutions(assignment):
    return {grade_id: source_of(cell) for grade_id, cell in Notebook(assignment).by_id.items()}


def variant(assignment, exercise, name, wrong, expect):
    """A Mistake whose cell is the solution of ``exercise`` followed by ``wrong`` (which redefines one function)."""
    return Mistake(exercise, name, _solutions(assignment)[exercise] + "\n" + wrong, expect=expect)
