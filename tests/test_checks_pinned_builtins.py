"""nnlib.checks keeps comparing honestly when a student's cell rebinds the builtins it uses.

A test cell reloads nnlib.checks, which re-runs the module in its existing namespace: a global
planted there (``nnlib.checks.range = lambda *a: ()``) survived the reload before the builtins
were pinned, and emptied every comparison loop.  Added by the grading helper (see grading/README.md).
"""
import builtins
import importlib

import pytest

import nnlib.checks

PLANTED = {
    "range": lambda *a: (),
    "len": lambda x: 0,
    "float": lambda x=0: 0.0,
    "type": lambda x: float,
    "isinstance": lambda *a: True,
    "tuple": lambda x=(): (),
}


@pytest.mark.parametrize("name", sorted(PLANTED))
def test_a_name_planted_in_the_module_does_not_survive_the_reload(name):
    setattr(nnlib.checks, name, PLANTED[name])
    try:
        checks = importlib.reload(nnlib.checks)
        with pytest.raises(AssertionError):
            checks.expect_close([1.0, 5.0], [2.0, 7.0])
        assert checks.expect_close([1.0, 5.0], [1.0, 5.0])
    finally:
        importlib.reload(nnlib.checks)


@pytest.mark.parametrize("name", ["range", "len", "abs"])
def test_rebinding_a_builtin_does_not_change_a_comparison(name):
    original = getattr(builtins, name)
    setattr(builtins, name, PLANTED.get(name, lambda *a: 0))
    passed = False
    try:  # rebinding len breaks importlib itself: any exception means the test cell fails, as it must
        checks = importlib.reload(nnlib.checks)
        checks.expect_close([1.0, 5.0], [2.0, 7.0])
        passed = True
    except Exception:
        pass
    finally:
        setattr(builtins, name, original)
        importlib.reload(nnlib.checks)
    assert not passed


def test_the_pinned_helpers_behave_like_the_builtins():
    import numpy as np

    checks = importlib.reload(nnlib.checks)
    assert checks.range(4) == [0, 1, 2, 3] and checks.range(0) == []
    assert checks.len([1, 2, 3]) == 3 and checks.len(np.zeros((4, 2))) == 4 and checks.len(()) == 0
    assert checks.isinstance(np.float64(1.0), np.generic) and not checks.isinstance(1.0, np.generic)
    assert checks.isinstance(True, int)
