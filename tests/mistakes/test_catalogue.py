"""The mistake catalogue: every wrong answer students really write fails the visible test of its own exercise.

Each ``m<NN>_<topic>.py`` beside this file lists wrong implementations (see
``harness.py``).  For each one this proves that the exercise's visible test
cell, exactly as released to students, fails and names the misconception; and,
for the first mistake of each exercise, that every later test cell of the
notebook still passes with it in place (one mistake costs one exercise).
"""
from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

from grading.cells import meta
from tests.mistakes.harness import Notebook, run_caught, run_contained

HERE = Path(__file__).resolve().parent
CATALOGUES = {}
for path in sorted(HERE.glob("m[0-9][0-9]_*.py")):
    module = importlib.import_module(f"tests.mistakes.{path.stem}")
    CATALOGUES[module.ASSIGNMENT] = list(module.MISTAKES)

# Notebooks 01-08 must have a catalogue (issue 11); later notebooks join when they have one.
REQUIRED = [f"{n:02d}" for n in range(1, 9)]
ALL_MISTAKES = [(assignment, m) for assignment, mistakes in CATALOGUES.items() for m in mistakes]
FIRST_OF_EACH = [(a, m) for a, mistakes in CATALOGUES.items()
                 for i, m in enumerate(mistakes) if all(other.exercise != m.exercise for other in mistakes[:i])]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def caught():
    """assignment -> {mistake id -> Outcome}, computed once per assignment on first use."""
    cache = {}

    def outcomes(assignment):
        if assignment not in cache:
            cache[assignment] = run_caught(Notebook(assignment), CATALOGUES[assignment])
        return cache[assignment]
    return outcomes


@pytest.mark.parametrize("number", REQUIRED)
def test_every_graded_exercise_has_at_least_three_mistakes(number):
    assignment = next((a for a in CATALOGUES if a.startswith(number)), None)
    assert assignment, f"no mistake catalogue tests/mistakes/m{number}_*.py"
    notebook = Notebook(assignment)
    graded = [g for g, c in notebook.code_cells() if meta(c).get("solution")
              and meta(notebook.by_id[notebook.test_after(g)]).get("grade")]
    counts = {g: sum(m.exercise == g for m in CATALOGUES[assignment]) for g in graded}
    few = {g: n for g, n in counts.items() if n < 3}
    assert not few, f"{assignment}: exercises with fewer than three catalogued mistakes: {few}"
    unknown = {m.exercise for m in CATALOGUES[assignment]} - set(graded)
    assert not unknown, f"{assignment}: mistakes for exercises that are not graded: {unknown}"


@pytest.mark.parametrize("assignment, mistake", ALL_MISTAKES, ids=[f"{a[:2]}-{m.id}" for a, m in ALL_MISTAKES])
def test_visible_test_catches_the_mistake_and_names_it(assignment, mistake, caught):
    outcome = caught(assignment)[mistake.id]
    assert outcome.error is not None, (
        f"{assignment}: the visible test of {mistake.exercise} passes the mistake {mistake.name!r}")
    assert "(the mistake's own code failed to run)" not in outcome.error, outcome.error
    assert re.search(mistake.expect, outcome.error, re.IGNORECASE | re.DOTALL), (
        f"{assignment}: {mistake.name!r} fails {mistake.exercise}'s visible test, but the message does not name "
        f"the misconception (expected /{mistake.expect}/):\n{outcome.error[:2000]}")


@pytest.mark.parametrize("assignment, mistake", FIRST_OF_EACH, ids=[f"{a[:2]}-{m.exercise}" for a, m in FIRST_OF_EACH])
def test_one_mistake_costs_one_exercise(assignment, mistake):
    failures = run_contained(Notebook(assignment), mistake)
    assert not failures, (f"{assignment}: with the mistake {mistake.name!r} in {mistake.exercise}, later test cells "
                          f"fail too: {failures}")
