"""Hand the feedback of ``python -m grading autograde`` to nbgrader's exchange (run by an instructor
in the course folder; course_hub.py copies this file there).

    python publish_feedback.py ASSIGNMENT [--graded grading-output]

``autograde`` writes ``GRADED/feedback/STUDENT/ASSIGNMENT/*.html``; nbgrader's ``release_feedback``
(the formgrader's "Release feedback") reads ``feedback/STUDENT/ASSIGNMENT/`` of the course with
the submission's ``timestamp.txt`` and ``submission_secret.txt`` (the secret that only the student's
own server can match to the released file).  This copies the pages there, with both files from
``submitted/STUDENT/ASSIGNMENT/`` (nbgrader's collect put them there).  Students whose submission
has no secret (not collected through the exchange) are skipped and named.
"""
from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path


def publish(course: Path, graded: Path, assignment: str) -> tuple[list[str], list[str]]:
    """Copy each student's feedback pages into ``course/feedback``; return (published, skipped)."""
    published, skipped = [], []
    for pages in sorted((graded / "feedback").glob(f"*/{assignment}")):
        student = pages.parent.name
        submitted = course / "submitted" / student / assignment
        needed = [submitted / "timestamp.txt", submitted / "submission_secret.txt"]
        if not all(path.is_file() for path in needed):
            skipped.append(student)
            continue
        target = course / "feedback" / student / assignment
        target.mkdir(parents=True, exist_ok=True)
        for page in pages.glob("*.html"):
            shutil.copyfile(page, target / page.name)
        for path in needed:
            shutil.copyfile(path, target / path.name)
        published.append(student)
    return published, skipped


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("assignment")
    parser.add_argument("--graded", type=Path, default=Path("grading-output"), help="autograde's --out folder")
    parser.add_argument("--course", type=Path, default=Path("."), help="the course folder (default: here)")
    args = parser.parse_args(argv)
    published, skipped = publish(args.course, args.graded, args.assignment)
    print(f"feedback ready for release: {len(published)} student(s)" +
          (f"; no exchange submission for {', '.join(skipped)}" if skipped else ""))
    return 0 if published else 1


if __name__ == "__main__":
    sys.exit(main())
