"""Shared pytest set-up for the whole suite."""
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Plots render off-screen; nbgrader runs `alembic` from the environment's bin/.
os.environ.setdefault("MPLBACKEND", "Agg")
_bin = str(Path(sys.executable).parent)
if _bin not in os.environ.get("PATH", "").split(os.pathsep):
    os.environ["PATH"] = _bin + os.pathsep + os.environ.get("PATH", "")

try:
    from hypothesis import settings

    settings.register_profile("course", deadline=None, max_examples=60, derandomize=True)
    settings.load_profile("course")
except ImportError:  # hypothesis is pinned in requirements.txt; this only guards odd set-ups
    pass


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT
