"""Whole-course execution time: every solution notebook run top to bottom with nbclient.

    .venv/bin/python bench/bench_course.py [ASSIGNMENT ...]

Prints, per assignment, the seconds to execute the solution (kernel start
included), the number of graded exercises and the points, then the totals.
The course asks for under 20 s per notebook on this machine; this script
reports, it does not assert.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

REPO = Path(__file__).resolve().parent.parent
SOLUTIONS = REPO / "solutions"


def graded_summary(notebook) -> tuple[int, float]:
    """(number of solution cells, total points of the autograded test cells)."""
    meta = [cell.metadata.get("nbgrader", {}) for cell in notebook.cells]
    return sum(bool(m.get("solution")) for m in meta), sum(float(m.get("points", 0)) for m in meta if m.get("grade"))


def execute(path: Path) -> tuple[float, list[str]]:
    """Execute one notebook in its own folder; return (seconds, error names of failing cells)."""
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=300, kernel_name="python3", allow_errors=True,
                            extra_arguments=["--IPKernelApp.log_level=ERROR"],  # no start-up warning per notebook
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - start
    errors = [o.ename for cell in notebook.cells if cell.cell_type == "code"
              for o in cell.get("outputs", []) if o.output_type == "error"]
    return seconds, errors


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("assignments", nargs="*", help="default: every folder in solutions/")
    args = parser.parse_args(argv)
    os.environ.setdefault("MPLBACKEND", "Agg")
    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    names = args.assignments or sorted(d.name for d in SOLUTIONS.iterdir() if (d / f"{d.name}.ipynb").exists())
    print(f"{'assignment':<28}{'seconds':>9}{'exercises':>11}{'points':>8}  errors")
    total_seconds = total_points = 0.0
    for name in names:
        path = SOLUTIONS / name / f"{name}.ipynb"
        exercises, points = graded_summary(nbformat.read(path, as_version=4))
        seconds, errors = execute(path)
        total_seconds += seconds
        total_points += points
        print(f"{name:<28}{seconds:>9.1f}{exercises:>11}{points:>8g}  {', '.join(errors) or '-'}", flush=True)
    print(f"{'whole course':<28}{total_seconds:>9.1f}{'':>11}{total_points:>8g}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
