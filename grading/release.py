"""Release: regenerate the student notebooks (notebooks/) from the solutions (solutions/).

nbgrader's ``generate_assignment`` does the work.  It runs in a temporary copy
of the course with a throw-away gradebook, so neither the instructor's real
gradebook nor the shared tree is touched until the result is copied into
``notebooks/``.  ``check`` generates the same way and compares notebook JSON
(ignoring fields that change from run to run) with what is committed.
"""
from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

from .cells import meta
from .course import Course, ensure_tools_on_path, nbgrader_config, quiet_nbgrader_logs

# Notebook fields that may differ between two generations of the same source.
_VOLATILE_METADATA = ("execution", "ExecuteTime", "collapsed", "scrolled", "trusted")


class ReleaseError(RuntimeError):
    """nbgrader could not generate an assignment; the message carries its log."""


def generate(course: Course, assignments: list[str], out_root: Path) -> Path:
    """Generate ``assignments`` with nbgrader into ``out_root/release/<assignment>``; return that release dir.

    ``out_root`` becomes a small nbgrader course: ``source/`` (copied solutions),
    ``release/`` (generated) and ``gradebook.db`` (throw-away).
    """
    ensure_tools_on_path()
    quiet_nbgrader_logs()
    from nbgrader.apps import NbGraderAPI

    out_root = Path(out_root)
    for name in assignments:
        target = out_root / "source" / name
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(course.source_dir / name, target,
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    config = nbgrader_config(out_root, db_url=f"sqlite:///{out_root / 'gradebook.db'}")
    api = NbGraderAPI(config=config)
    for name in assignments:
        result = api.generate_assignment(name, force=True)
        if not result["success"]:
            raise ReleaseError(f"nbgrader generate_assignment {name} failed:\n{result.get('error') or result.get('log')}")
    return out_root / "release"


def release(course: Course, assignments: list[str]) -> list[str]:
    """Regenerate ``notebooks/<assignment>/`` for each assignment; return the assignments written."""
    with tempfile.TemporaryDirectory(prefix="grading-release-") as tmp:
        generated = generate(course, assignments, Path(tmp))
        for name in assignments:
            target = course.release_dir / name
            if target.exists():
                shutil.rmtree(target)
            shutil.copytree(generated / name, target)
    return assignments


def check(course: Course, assignments: list[str]) -> list[str]:
    """Return one line per difference between ``notebooks/`` and a fresh generation (empty: in sync)."""
    problems = []
    with tempfile.TemporaryDirectory(prefix="grading-check-") as tmp:
        generated = generate(course, assignments, Path(tmp))
        for name in assignments:
            problems += compare_folders(generated / name, course.release_dir / name)
    return problems


def compare_folders(expected: Path, actual: Path) -> list[str]:
    """Differences between a freshly generated release folder and the committed one."""
    if not actual.is_dir():
        return [f"{actual}: missing (run `python -m grading release {expected.name}`)"]
    want = {p.relative_to(expected).as_posix() for p in expected.rglob("*") if p.is_file()}
    have = {p.relative_to(actual).as_posix() for p in actual.rglob("*")
            if p.is_file() and ".ipynb_checkpoints" not in p.parts and "__pycache__" not in p.parts}
    problems = [f"{actual / name}: missing" for name in sorted(want - have)]
    problems += [f"{actual / name}: not generated from solutions/ (remove it, or add it to solutions/)"
                 for name in sorted(have - want)]
    for name in sorted(want & have):
        a, b = expected / name, actual / name
        if name.endswith(".ipynb"):
            difference = notebook_difference(a, b)
            if difference:
                problems.append(f"{b}: differs from what nbgrader generates ({difference})")
        elif a.read_bytes() != b.read_bytes():
            problems.append(f"{b}: differs from solutions/")
    return problems


def normalized_notebook(path: Path) -> dict:
    """Notebook JSON without the fields that change between two generations."""
    notebook = json.loads(Path(path).read_text(encoding="utf-8"))
    for cell in notebook.get("cells", []):
        for key in _VOLATILE_METADATA:
            cell.get("metadata", {}).pop(key, None)
        if isinstance(cell.get("source"), list):
            cell["source"] = "".join(cell["source"])
    return notebook


def notebook_difference(expected: Path, actual: Path) -> str:
    """'' when the notebooks agree; otherwise a short description of the first difference."""
    try:
        want, have = normalized_notebook(expected), normalized_notebook(actual)
    except ValueError as error:
        return f"not valid JSON: {error}"
    if want == have:
        return ""
    want_cells, have_cells = want.get("cells", []), have.get("cells", [])
    if len(want_cells) != len(have_cells):
        return f"{len(have_cells)} cells instead of {len(want_cells)}"
    for index, (w, h) in enumerate(zip(want_cells, have_cells)):
        if w != h:
            grade_id = meta(w).get("grade_id")
            label = f"cell {index}" + (f" ({grade_id})" if grade_id else "")
            fields = sorted(k for k in set(w) | set(h) if w.get(k) != h.get(k))
            return f"{label}: {', '.join(fields)}"
    fields = sorted(k for k in set(want) | set(have) if k != "cells" and want.get(k) != have.get(k))
    return f"notebook {', '.join(fields)}"
