"""Autograding throughput: notebook submissions per minute with 1 and 2 workers, and where the time goes.

    .venv/bin/python bench/bench_autograde.py [--students 8]

A class of honest students (full solutions of assignments 01 and 03, from
grading/demo.py) is autograded by ``grading.autograde.run`` from scratch, once
with one worker and once with two.  Then one submission is taken apart in this
process: kernel start-up alone, the notebook run by nbclient alone (kernel +
cells), nbgrader's autograde of it (nbclient plus nbgrader's own work), and the
feedback page.  Timings on a shared machine are noisy: compare figures from one
run, not across runs.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grading.autograde import Options, run  # noqa: E402
from grading.course import Course  # noqa: E402
from grading.demo import Assignment, demo_assignments, write_notebook  # noqa: E402


def build_honest_class(folder: Path, students: int) -> int:
    course = Course(ROOT)
    count = 0
    for name in demo_assignments(course):
        assignment = Assignment(course, name)
        for i in range(students):
            write_notebook(assignment.student(), folder / f"student{i:02d}" / name / f"{name}.ipynb")
            count += 1
    return count


def grade_class(submissions: Path, work: Path, workers: int):
    started = time.perf_counter()
    summary = run(Options(submissions=submissions, course=Course(ROOT), out=work, workers=workers, progress=False))
    seconds = time.perf_counter() - started
    assert all(r["status"] == "graded" for r in summary.rows), summary.rows
    return seconds, summary


def gradebook_health(work: Path) -> str:
    """SQLite's own integrity check, and how often a worker hit a locked gradebook."""
    import sqlite3

    with sqlite3.connect(work / "gradebook.db") as db:
        check = db.execute("pragma integrity_check").fetchone()[0]
    locked = sum(p.read_text(errors="replace").count("database is locked") for p in (work / "logs").glob("*.log"))
    return f"integrity_check {check}, 'database is locked' {locked} times"


def time_one_submission(work: Path, student: str, assignment: str, repeats: int = 3) -> dict:
    """Seconds for each layer of grading one notebook (median of ``repeats``)."""
    import nbformat
    from jupyter_client.manager import start_new_kernel
    from nbclient import NotebookClient

    from grading.worker import make_api

    settings = {"work_root": str(work), "db_url": f"sqlite:///{work / 'gradebook.db'}?timeout=60",
                "course_id": "nn-from-scratch", "cell_timeout": 60, "memory_limit_mb": 4096}
    api = make_api(settings)
    started = time.perf_counter()  # what a fresh interpreter pays before it can grade (spawned worker, CLI)
    subprocess.run([sys.executable, "-c", "import nbgrader.apps, nbgrader.converters, nbconvert.exporters.html"],
                   check=True)
    setup = time.perf_counter() - started
    notebook_file = work / "submitted" / student / assignment / f"{assignment}.ipynb"
    layers = {"kernel start": [], "nbclient run (kernel + cells)": [], "nbgrader autograde": [],
              "nbgrader feedback": []}
    for _ in range(repeats):
        t = time.perf_counter()
        manager, client = start_new_kernel(kernel_name="python3")
        layers["kernel start"].append(time.perf_counter() - t)
        client.stop_channels()
        manager.shutdown_kernel(now=True)

        notebook = nbformat.read(notebook_file, as_version=4)
        t = time.perf_counter()
        NotebookClient(notebook, timeout=60, allow_errors=True,
                       resources={"metadata": {"path": str(notebook_file.parent)}}).execute()
        layers["nbclient run (kernel + cells)"].append(time.perf_counter() - t)

        t = time.perf_counter()
        assert api.autograde(assignment, student, force=True, create=True)["success"]
        layers["nbgrader autograde"].append(time.perf_counter() - t)
        t = time.perf_counter()
        assert api.generate_feedback(assignment, student, force=True)["success"]
        layers["nbgrader feedback"].append(time.perf_counter() - t)
    result = {name: statistics.median(values) for name, values in layers.items()}
    result["fresh interpreter importing nbgrader (avoided by forking)"] = setup
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=8, help="students, each with two notebooks (default 8)")
    parser.add_argument("--stress", type=int, default=4, help="workers of the last run, which stresses the "
                                                              "gradebook with concurrent writers (default 4)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-autograde-") as tmp:
        tmp = Path(tmp)
        count = build_honest_class(tmp / "class", args.students)
        figures = {}
        for workers in (1, 2, args.stress):
            seconds, summary = grade_class(tmp / "class", tmp / f"work{workers}", workers)
            figures[workers] = (seconds, summary)
            print(f"{workers} worker{'s' * (workers > 1)}: {count} notebooks in {seconds:.1f} s = "
                  f"{60 * count / seconds:.1f} submissions/minute; gradebook: {gradebook_health(tmp / f'work{workers}')}")
        speedup = figures[1][0] / figures[2][0]
        print(f"speed-up with 2 workers: {speedup:.2f}x  ({args.stress} workers on {os.cpu_count()} cores: "
              "a stress test of concurrent gradebook writes, not a speed figure)")

        seconds, summary = figures[1]
        grading = statistics.mean(summary.task_seconds.values())
        feedback = statistics.mean(summary.feedback_seconds.values())
        print(f"\nOne worker, per notebook: autograde {grading:.2f} s + feedback {feedback:.2f} s "
              f"= {grading + feedback:.2f} s; wall time per notebook {seconds / count:.2f} s")
        print("Phases of the 1-worker run (wall seconds):")
        for name, value in summary.phases.items():
            print(f"  {name:<28} {value:6.2f}")

        student, assignment = next(iter(sorted(summary.task_seconds)))
        print(f"\nOne submission ({student}/{assignment}) taken apart, median of 3:")
        layers = time_one_submission(tmp / "work1", student, assignment)
        for name, value in layers.items():
            print(f"  {name:<50} {value:6.2f} s")
        kernel = layers["kernel start"]
        cells = layers["nbclient run (kernel + cells)"] - kernel
        overhead = layers["nbgrader autograde"] - layers["nbclient run (kernel + cells)"]
        own = f"{overhead:.2f} s" if overhead >= 0.05 else "under 0.05 s (within the noise)"
        print(f"  => kernel start {kernel:.2f} s, the notebook's own cells {cells:.2f} s, "
              f"nbgrader's own work {own}, feedback {layers['nbgrader feedback']:.2f} s")


if __name__ == "__main__":
    main()
