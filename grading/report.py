"""The integrity report: report.md for a person, report.json for a program.

It lists, per student and assignment: submissions that could not be graded and
why; flags (code to review, see grading/integrity.py) with notebook, cell and
line; and notes (what nbgrader repaired or ignored).
"""
from __future__ import annotations

import json
from pathlib import Path

from .integrity import FLAG_CATEGORIES
from .sandbox import Limits, environment_warning


def _md(text) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _severity(category: str) -> int:
    return FLAG_CATEGORIES.index(category) if category in FLAG_CATEGORIES else len(FLAG_CATEGORIES)


def _by_category(flags: list) -> list:
    """[(category, its flags)], most serious category first."""
    categories = sorted({f["category"] for f in flags}, key=_severity)
    return [(c, [f for f in flags if f["category"] == c]) for c in categories]


def _ranked(records: list) -> dict:
    """{flagged student: {"flags", "assignments"}}, most serious first: by the most serious kind of
    flag, then by the number of flags."""
    students = {}
    for record in records:
        for flag in record.get("flags") or []:
            students.setdefault(record["student"], {"flags": [], "assignments": set()})
            students[record["student"]]["flags"].append(flag)
            students[record["student"]]["assignments"].add(record["assignment"])

    def rank(item):
        return min(_severity(f["category"]) for f in item[1]["flags"]), -len(item[1]["flags"]), item[0]
    return dict(sorted(students.items(), key=rank))


def _summary(records: list) -> list[str]:
    """One line per flagged student, most serious first: each kind of flag with its count."""
    students = _ranked(records)
    if not students:
        return ["## Students to look at", "", "None: no flag.", ""]
    lines = ["## Students to look at", "",
             f"{len(students)} students, most serious first (kinds in order: {', '.join(FLAG_CATEGORIES)}); "
             "details under *Flags for review*.", ""]
    for student, found in students.items():
        kinds = ", ".join(f"{c} {len(f)}" for c, f in _by_category(found["flags"]))
        lines.append(f"- **{student}**: {kinds} ({', '.join(sorted(found['assignments']))})")
    return lines + [""]


def write_report(out: Path, records: list, skipped_folders: list, settings: dict, analytics: list = ()) -> None:
    """``records``: one dict per submission (grading/records.py's ``Submission.as_dict``);
    ``analytics``: the class analytics pages (grading/analytics.py), relative to ``out``."""
    records = sorted(records, key=lambda r: (r["student"], r["assignment"]))
    counts = {status: sum(r["status"] == status for r in records) for status in ("graded", "failed", "missing")}
    flagged = [r for r in records if r.get("flags")]
    summary = dict(counts, submissions=len(records), students=len({r["student"] for r in records}),
                   flagged=len(flagged), cell_timeout=settings["cell_timeout"],
                   memory_limit_mb=settings["memory_limit_mb"], sandbox=settings.get("sandbox", "off"),
                   limits=settings.get("limits"), environment_changes=settings.get("environment_changes", []))
    data = {
        "summary": summary,
        "submissions": [{k: r.get(k) for k in ("student", "assignment", "status", "reason", "score", "max_score",
                                                "flags", "notes")} for r in records],
        "skipped_folders": [{"folder": name, "reason": why} for name, why in skipped_folders],
    }
    (out / "report.json").write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")

    lines = ["# Autograding report", "",
             f"{summary['students']} students, {summary['submissions']} (student, assignment) pairs: "
             f"{counts['graded']} graded, {counts['failed']} could not be graded, {counts['missing']} missing; "
             f"{len(flagged)} flagged for review.",
             f"Limits: {settings['cell_timeout']} s per cell, {settings['memory_limit_mb']} MiB per kernel"
             + (f", {Limits(**settings['limits']).describe()}." if settings.get("limits") else "."),
             f"Sandbox: {settings.get('sandbox', 'off')}."]
    if analytics:
        lines.append("Class analytics (what the class did not understand): " +
                     ", ".join(f"[{Path(page).stem}]({page})" for page in analytics) + ".")
    lines.append("")
    lines += environment_warning(settings.get("environment_changes"))
    lines += _summary(records)
    absent = [r for r in records if r["status"] == "missing" and r.get("reason", "").startswith("nothing submitted")]
    problems = [r for r in records if (r["status"] != "graded" or r.get("reason")) and r not in absent]
    lines += ["## Scores that need attention", ""]
    if problems:
        lines += ["| student | assignment | status | score | reason |", "| --- | --- | --- | --- | --- |"]
        lines += [f"| {_md(r['student'])} | {_md(r['assignment'])} | {r['status']} | "
                  f"{r.get('score', 0):g} / {r.get('max_score', 0):g} | {_md(r.get('reason', ''))} |" for r in problems]
    else:
        lines.append("None: every submission was graded.")
    if absent:
        lines += ["", "Nothing handed in (scored 0):", ""]
        for assignment in sorted({r["assignment"] for r in absent}):
            students = [r["student"] for r in absent if r["assignment"] == assignment]
            lines.append(f"- {assignment} ({len(students)}): {', '.join(students)}")
    lines += ["", "## Flags for review", "",
              "Code a person should look at: a flag is a question, not a verdict. The test cells are built so "
              "that rebinding helpers or hard-coding the visible answers earns nothing (hidden tests score it 0), "
              + ("and the sandbox hid the instructor's files from the kernels; a `files` flag is still an attempt "
                 "worth a look." if settings.get("hidden_paths") else
                 "but without the sandbox, code that reads the instructor's files can copy a solution: look at "
                 "every `files` flag."), ""]
    if not flagged:
        lines.append("None.")
    order = {student: rank for rank, student in enumerate(_ranked(records))}
    for record in sorted(flagged, key=lambda r: (order[r["student"]], r["assignment"])):  # by student and kind
        lines.append(f"### {record['student']} / {record['assignment']}")
        for category, flags in _by_category(record["flags"]):
            lines.append(f"- **{category}** ({len(flags)}):")
            for flag in flags:
                where = f"`{flag['notebook']}`" + (f", cell `{flag['cell']}`" if flag["cell"] else "") + \
                    (f", line {flag['line']}" if flag["line"] else "")
                code = f": `{flag['code']}`" if flag.get("code") else ""
                lines.append(f"  - {where}: {flag['message']}{code}")
        lines.append("")
    noted = [r for r in records if r.get("notes")]
    lines += ["", "## Notes", "", "What nbgrader repaired or ignored; nothing to do unless it surprises you.", ""]
    if not noted:
        lines.append("None.")
    for record in noted:
        items = "; ".join(f"{(n['cell'] + ': ') if n['cell'] else ''}{n['message']}" for n in record["notes"])
        lines.append(f"- {record['student']} / {record['assignment']}: {items}")
    if skipped_folders:
        lines += ["", "## Folders and files skipped", ""] + [f"- `{name}`: {why}" for name, why in skipped_folders]
    (out / "report.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
