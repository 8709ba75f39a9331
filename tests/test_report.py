"""grading/report.py: a class of 200 reads summary first, most serious first, details grouped."""
from __future__ import annotations

import json

from grading.report import write_report


def flag(category, cell, line=1, message="m"):
    return {"notebook": "a.ipynb", "cell": cell, "line": line, "category": category, "message": message,
            "code": "x = 1" if line else ""}


def test_a_class_of_200_gets_one_summary_line_per_flagged_student_most_serious_first(tmp_path):
    records = []
    for number in range(200):
        student = f"s{number:03d}"
        flags = []
        if number == 7:    # the always-equal cheat: many lines of one kind
            flags = [flag("hard-coded", f"ex{i}") for i in range(9)]
        if number == 42:   # no proof in two test cells, plus the hook that caused it
            flags = [flag("no-proof", "ex1-tests", 0), flag("no-proof", "ex2-tests", 0), flag("machinery", "ex1")]
        if number == 99:
            flags = [flag("rebinding", "cell 3"), flag("hard-coded", "ex1")]
        records.append({"student": student, "assignment": "a", "status": "graded", "reason": "",
                        "score": 1.0, "max_score": 2.0, "flags": flags, "notes": []})
    write_report(tmp_path, records, [], {"cell_timeout": 60, "memory_limit_mb": 4096, "sandbox": "on"})
    text = (tmp_path / "report.md").read_text()
    summary = text[text.index("## Students to look at"):text.index("## Scores that need attention")]
    lines = [line for line in summary.splitlines() if line.startswith("- ")]
    assert lines == ["- **s042**: no-proof 2, machinery 1 (a)", "- **s099**: rebinding 1, hard-coded 1 (a)",
                     "- **s007**: hard-coded 9 (a)"]
    details = text[text.index("### s007 / a"):]
    assert details.count("**hard-coded** (9)") == 1 and details.count("  - `a.ipynb`, cell `ex") == 9
    assert json.loads((tmp_path / "report.json").read_text())["summary"]["flagged"] == 3
