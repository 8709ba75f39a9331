"""Catalogue entries that change one function of a multi-function exercise.

``run_caught`` tries an exercise's mistakes one after another without putting the
solution back in between, so a mistake that redefines only ``mae`` would otherwise be
tested with the previous mistake's wrong ``mbe`` still in place.  ``variant`` makes the
mistake a whole cell: the instructor's solution of the exercise, then the wrong function.
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
