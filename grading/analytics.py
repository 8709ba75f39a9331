"""Class analytics: what did my class not understand?

``autograde`` writes, per assignment, beside grades.csv:

    analytics/<assignment>.html   plots (matplotlib) and tables, one self-contained page
    analytics/<assignment>.csv    the same numbers, one row per item

* the score distribution of every submission that was handed in (graded, or failed and scored 0);
* per exercise (test cell): the mean score, the share of the class with full marks and the share
  that attempted it (changed the exercise's answer cell, ``<exercise>`` for test cell
  ``<exercise>-tests``);
* per check, visible or hidden, by its name (the ``name=`` of the ``nnlib.checks`` call whose
  ``AssertionError: <name>: <message>`` ended the cell; other errors by their type): the share of
  the class whose cell it failed, and its most common messages with the values masked (shapes
  and indices kept), so that "expected 4.4, got 2.2" and "expected 4.4, got 8.8" count as one;
* the slowest cells: the median and the longest time each cell took (recorded by ``LimitedExecute``).

Scores come from the gradebook only; checks, attempts and times from the autograded notebooks.
"""
from __future__ import annotations

import base64
import csv
import html
import io
import json
import re
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from .limits import TIMES_FILE
from .proof import is_test_cell
_NUMBER = re.compile(r"[-+]?(\d*\.\d+|\d+\.)([eE][-+]?\d+)?|[-+]?\d+[eE][-+]?\d+|\bnan\b|[-+]?\binf\b")


@dataclass
class AssignmentStats:
    assignment: str
    max_score: float
    scores: list = field(default_factory=list)                 # one per submission handed in
    exercises: dict = field(default_factory=dict)              # test cell -> {"scores", "max", "attempted"}
    checks: dict = field(default_factory=lambda: defaultdict(Counter))  # (cell, check) -> Counter of messages
    seconds: dict = field(default_factory=lambda: defaultdict(list))    # cell -> seconds, one per submission

    @property
    def students(self) -> int:
        return len(self.scores)


def check_of(output) -> tuple[str, str]:
    """(check name, message with numbers masked) of a test cell's error output."""
    text = str(output.get("evalue", "")).strip().splitlines()
    first = text[0] if text else ""
    if output.get("ename") == "AssertionError" and ": " in first:
        name, message = first.split(": ", 1)
        return name, _NUMBER.sub("#", message)
    return output.get("ename", "error"), _NUMBER.sub("#", first)


def collect(out: Path, assignment: str, notebook_names: list, records: list, gradebook) -> AssignmentStats:
    """Gather one assignment's numbers from the work folder ``out`` (nbgrader's release and
    autograded notebooks, the cell times) and the gradebook; ``records``: its grades.csv rows."""
    import nbformat
    from nbgrader.api import MissingEntry

    out = Path(out)
    stats = AssignmentStats(assignment, max((float(r["max_score"]) for r in records), default=0.0))
    stubs = {}
    for name in notebook_names:
        release = nbformat.read(out / "release" / assignment / f"{name}.ipynb", as_version=4)
        stubs.update({c.metadata.nbgrader["grade_id"]: c.source.strip() for c in release.cells
                      if c.get("metadata", {}).get("nbgrader", {}).get("solution")})
    for record in records:
        if record["status"] == "missing":
            continue
        stats.scores.append(float(record["score"]))
        folder = out / "autograded" / record["student"] / assignment
        for cells in read_times(folder).values():
            for cell, seconds in cells.items():
                stats.seconds[cell].append(seconds)
        for name in notebook_names:
            try:
                grades = gradebook.find_submission_notebook(name, assignment, record["student"]).grades
                graded = nbformat.read(folder / f"{name}.ipynb", as_version=4) if record["status"] == "graded" \
                    else None
            except (MissingEntry, OSError, ValueError):
                grades, graded = [], None
            cells = graded.cells if graded else []
            answers = {c.metadata.nbgrader["grade_id"]: c.source.strip() for c in cells
                       if c.get("metadata", {}).get("nbgrader", {}).get("solution")}
            for grade in grades:
                exercise = stats.exercises.setdefault(grade.name, {"scores": [], "max": float(grade.max_score),
                                                                   "attempted": []})
                exercise["scores"].append(float(grade.score or 0.0))
                answer = grade.name[:-len("-tests")] if grade.name.endswith("-tests") else None
                if answer in stubs:
                    exercise["attempted"].append(answers.get(answer, stubs[answer]) != stubs[answer])
            for cell in cells:
                error = next((o for o in cell.outputs if o.output_type == "error"), None) \
                    if is_test_cell(cell) else None
                if error is not None:
                    check, message = check_of(error)
                    stats.checks[(cell.metadata.nbgrader["grade_id"], check)][message] += 1
    return stats


def _rows(stats: AssignmentStats) -> list[dict]:
    n = stats.students or 1
    rows = [{"kind": "score", "name": f"{score:g}", "students": count, "share": round(count / n, 4)}
            for score, count in sorted(Counter(stats.scores).items())]
    for cell, exercise in stats.exercises.items():
        scores, attempted = exercise["scores"], exercise["attempted"]
        rows.append({"kind": "exercise", "name": cell, "students": len(scores),
                     "mean": round(statistics.fmean(scores), 4) if scores else "",
                     "max": exercise["max"],
                     "full_marks_share": round(sum(s >= exercise["max"] for s in scores) / n, 4),
                     "attempted_share": round(sum(attempted) / n, 4) if attempted else ""})
    for (cell, check), messages in sorted(stats.checks.items(), key=lambda kv: -sum(kv[1].values())):
        failed = sum(messages.values())
        rows.append({"kind": "check", "name": f"{cell}: {check}", "students": failed,
                     "share": round(failed / n, 4),
                     "messages": " | ".join(f"{m} ({c})" for m, c in messages.most_common(3))})
    for cell, seconds in sorted(stats.seconds.items(), key=lambda kv: -max(kv[1]))[:10]:
        rows.append({"kind": "cell", "name": cell, "students": len(seconds),
                     "median_seconds": round(statistics.median(seconds), 3), "max_seconds": round(max(seconds), 3)})
    return rows


COLUMNS = ["kind", "name", "students", "share", "mean", "max", "full_marks_share", "attempted_share", "messages",
           "median_seconds", "max_seconds"]


def _plot(draw) -> str:
    """A figure drawn by ``draw(axes)``, as an <img> with the PNG inline (the page works offline)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(7, 3.2), layout="constrained")
    draw(axes)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90)
    plt.close(figure)
    return f'<img alt="" src="data:image/png;base64,{base64.b64encode(buffer.getvalue()).decode()}">'


def _page(stats: AssignmentStats, rows: list[dict]) -> str:
    exercises = [r for r in rows if r["kind"] == "exercise"]
    checks = [r for r in rows if r["kind"] == "check"][:15]
    cells = [r for r in rows if r["kind"] == "cell"]
    parts = [f"<h1>{html.escape(stats.assignment)}: what the class did not understand</h1>",
             f"<p>{stats.students} submissions handed in; maximum {stats.max_score:g} points.</p>",
             "<h2>Score distribution</h2>",
             _plot(lambda ax: (ax.hist(stats.scores, bins=min(20, max(1, int(stats.max_score) + 1))),
                               ax.set_xlabel("score"), ax.set_ylabel("students")))]
    if exercises:
        parts += ["<h2>Per exercise</h2>", _plot(lambda ax: (
            ax.barh([r["name"] for r in exercises], [r["full_marks_share"] for r in exercises], label="full marks"),
            ax.barh([r["name"] for r in exercises], [r["attempted_share"] or 0 for r in exercises], fill=False,
                    label="attempted"),
            ax.set_xlim(0, 1), ax.set_xlabel("share of the class"), ax.invert_yaxis(), ax.legend()))]
    parts += [_table(exercises, ["name", "mean", "max", "full_marks_share", "attempted_share"]),
              "<h2>Failing checks, most failed first</h2>"]
    if checks:
        parts.append(_plot(lambda ax: (ax.barh([r["name"] for r in checks], [r["share"] for r in checks]),
                                       ax.set_xlabel("share of the class failing it"), ax.invert_yaxis())))
    parts += [_table(checks, ["name", "students", "share", "messages"]), "<h2>Slowest cells</h2>",
              _table(cells, ["name", "median_seconds", "max_seconds"])]
    return ("<!DOCTYPE html><html><head><meta charset='utf-8'><title>" + html.escape(stats.assignment) +
            " analytics</title><style>body{font-family:sans-serif;max-width:60em;margin:auto}"
            "td,th{border-bottom:1px solid #ccc;padding:2px 8px;text-align:left}</style></head><body>" +
            "\n".join(parts) + "</body></html>\n")


def _table(rows, columns) -> str:
    if not rows:
        return "<p>None.</p>"
    head = "".join(f"<th>{html.escape(c.replace('_', ' '))}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(r.get(c, '')))}</td>" for c in columns) + "</tr>"
                   for r in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def write(out: Path, stats: AssignmentStats) -> Path:
    """Write analytics/<assignment>.csv and .html; return the page."""
    folder = Path(out) / "analytics"
    folder.mkdir(exist_ok=True)
    rows = _rows(stats)
    with open(folder / f"{stats.assignment}.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    page = folder / f"{stats.assignment}.html"
    page.write_text(_page(stats, rows), encoding="utf-8")
    return page


def read_times(folder: Path) -> dict:
    """{cell: seconds} that LimitedExecute recorded for one autograded notebook folder."""
    try:
        return json.loads((Path(folder) / TIMES_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
