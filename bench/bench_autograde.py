"""Autograding throughput: notebook submissions per minute with 1 and 2 workers, and where the time goes.

    .venv/bin/python bench/bench_autograde.py [--students 8]
    .venv/bin/python bench/bench_autograde.py --postgres        # SQLite against a throw-away PostgreSQL
    .venv/bin/python bench/bench_autograde.py --db URL          # SQLite against the (empty) database URL
    .venv/bin/python bench/bench_autograde.py --sandbox         # the grading sandbox's cost per submission

A class of honest students (full solutions of assignments 01 and 03, from
grading/demo.py) is autograded by ``grading.autograde.run`` from scratch, once
with one worker and once with two.  Then one submission is taken apart in this
process: kernel start-up alone, the notebook run by nbclient alone (kernel +
cells), nbgrader's autograde of it (nbclient plus nbgrader's own work), and the
feedback page.  Timings on a shared machine are noisy: compare figures from one
run, not across runs.

With ``--postgres`` or ``--db URL`` it compares gradebooks instead: the same class,
two workers, graded into SQLite and into the other database, alternately
(``--repeats`` times each, so that both see the same load), each from scratch into an
empty gradebook.  ``--postgres`` starts a private PostgreSQL server for the run
(tests/pg_cluster.py, which the tests use too) and a new database for every run;
a ``--db`` database is emptied before every run.

With ``--sandbox`` it measures what the grading sandbox (grading/sandbox.py, bubblewrap)
costs: a kernel's start-up until it answers, with and without the sandbox, alternately
(median of 5 each), and the class graded from scratch with one worker, sandboxed and with
``--no-sandbox``, alternately (``--repeats`` times each): seconds per submission.
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
sys.path.insert(0, str(ROOT / "tests"))  # pg_cluster: the throw-away PostgreSQL server of the tests

from grading.autograde import Options, run  # noqa: E402
from grading.course import Course  # noqa: E402
from grading.demo import Assignment, demo_assignments, write_notebook  # noqa: E402
from grading.limits import MEMORY_LIMIT_MB  # noqa: E402


def build_honest_class(folder: Path, students: int) -> int:
    course = Course(ROOT)
    count = 0
    for name in demo_assignments(course):
        assignment = Assignment(course, name)
        for i in range(students):
            write_notebook(assignment.student(), folder / f"student{i:02d}" / name / f"{name}.ipynb")
            count += 1
    return count


def engine_seconds(work: Path) -> list[float]:
    """The grading engine's seconds per submission, as the records of the run kept them (state.json)."""
    import json

    return [entry["seconds"] for entry in json.loads((work / "state.json").read_text())["submissions"].values()]


def grade_class(submissions: Path, work: Path, workers: int, db_url: str | None = None, sandbox: bool = True):
    started = time.perf_counter()
    summary = run(Options(submissions=submissions, course=Course(ROOT), out=work, workers=workers, db_url=db_url,
                          progress=False, sandbox=sandbox))
    seconds = time.perf_counter() - started
    assert all(r["status"] == "graded" for r in summary.rows), summary.rows
    return seconds, summary


class Instruments:
    """Where autograde's time goes, measured from outside the product: the pipeline's steps
    (grading/autograde.py) are wrapped with timers here, in the parent, before the workers are
    forked from it (so they inherit the wrapped nbgrader calls, whose times they append to a
    file, one JSON line per call)."""

    STEPS = {"collect": ("grading.autograde", "_collect"), "register": ("grading.autograde", "_register"),
             "check (read once, scan)": ("grading.autograde", "_check"),
             "  of which integrity scan": ("grading.integrity", "scan_notebook"),
             "finish (zeros, pages, notes)": ("grading.autograde", "_finish"),
             "write (scores, CSV, report, analytics, cache)": ("grading.autograde", "_write"),
             "  of which analytics' numbers": ("grading.analytics", "collect"),
             "  of which analytics' plots": ("grading.analytics", "write")}

    def __init__(self, folder: Path):
        import importlib
        import json

        from nbgrader.apps import NbGraderAPI

        self.phases, self.log = {}, folder / "nbgrader-calls.jsonl"
        self._undo = []
        for phase, (module_name, name) in self.STEPS.items():
            module = importlib.import_module(module_name)
            self._wrap(module, name, lambda seconds, phase=phase: self._add(phase, seconds))
        log = self.log

        def append(call):
            def record(seconds):
                with open(log, "a") as handle:
                    handle.write(json.dumps({"call": call, "seconds": seconds}) + "\n")
            return record
        for call in ("autograde", "generate_feedback"):
            self._wrap(NbGraderAPI, call, append(call))

    def _add(self, phase, seconds):
        self.phases[phase] = self.phases.get(phase, 0.0) + seconds

    def _wrap(self, owner, name, record):
        original = getattr(owner, name)

        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                record(time.perf_counter() - started)
        setattr(owner, name, timed)
        self._undo.append((owner, name, original))

    def calls(self, call: str) -> list[float]:
        import json

        lines = self.log.read_text().splitlines() if self.log.exists() else []
        return [entry["seconds"] for entry in map(json.loads, lines) if entry["call"] == call]

    def close(self):
        for owner, name, original in reversed(self._undo):
            setattr(owner, name, original)


def gradebook_health(work: Path) -> str:
    """SQLite's own integrity check, and how often a worker hit a locked gradebook."""
    import sqlite3

    with sqlite3.connect(work / "gradebook.db") as db:
        check = db.execute("pragma integrity_check").fetchone()[0]
    locked = sum(p.read_text(errors="replace").count("database is locked") for p in (work / "logs").glob("*.log"))
    return f"integrity_check {check}, 'database is locked' {locked} times"


def worker_log_trouble(work: Path) -> int:
    """How often the worker logs mention a database error or a lock."""
    logs = "".join(p.read_text(errors="replace") for p in (work / "logs").glob("*.log"))
    return sum(logs.count(word) for word in ("database is locked", "OperationalError", "IntegrityError", "deadlock"))


def postgres_health(url: str) -> str:
    """PostgreSQL's own count of deadlocks in the database, and connections left open."""
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            deadlocks, = connection.execute(sa.text("select deadlocks from pg_stat_database "
                                                    "where datname = current_database()")).one()
            left_open = connection.execute(sa.text("select count(*) from pg_stat_activity where datname = "
                                                   "current_database() and pid <> pg_backend_pid()")).scalar_one()
    finally:
        engine.dispose()
    return f"deadlocks {deadlocks}, connections left open {left_open}"


def empty_database(url: str) -> None:
    """Drop every table of ``url`` (a --db given by the user is reused between runs)."""
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    try:
        tables = sa.MetaData()
        tables.reflect(engine)
        tables.drop_all(engine)
    finally:
        engine.dispose()


def compare_databases(tmp: Path, count: int, repeats: int, db_url: str | None, stress: int) -> None:
    """2 workers into SQLite and into PostgreSQL (or ``db_url``), alternately; print the medians.
    Then ``stress`` workers into PostgreSQL, for its health under more concurrent writers."""
    from contextlib import ExitStack

    from pg_cluster import PostgresCluster

    with ExitStack() as stack:
        cluster = None if db_url else stack.enter_context(
            PostgresCluster.start(settings={"log_lock_waits": "on", "deadlock_timeout": "100ms"}))
        seconds = {"SQLite": [], "other": []}
        for repeat in range(repeats):
            for kind in ("SQLite", "other"):
                work = tmp / f"work-{kind}-{repeat}"
                url = None
                if kind == "other":
                    url = cluster.create_database(f"gradebook{repeat}") if cluster else db_url
                    if not cluster:
                        empty_database(url)
                elapsed, _ = grade_class(tmp / "class", work, 2, url)
                seconds[kind].append(elapsed)
                health = gradebook_health(work) if kind == "SQLite" else postgres_health(url)
                print(f"{kind if kind == 'SQLite' else 'PostgreSQL'}, 2 workers: {count} notebooks in "
                      f"{elapsed:.1f} s = {60 * count / elapsed:.1f} submissions/minute; {health}; "
                      f"worker logs: {worker_log_trouble(work)} database errors")
        url = cluster.create_database("stress") if cluster else db_url
        if not cluster:
            empty_database(url)
        elapsed, _ = grade_class(tmp / "class", tmp / "work-stress", stress, url)
        print(f"PostgreSQL, {stress} workers (stress, not a speed figure): {count} notebooks in {elapsed:.1f} s; "
              f"{postgres_health(url)}; worker logs: {worker_log_trouble(tmp / 'work-stress')} database errors")
        if cluster:
            server_errors = sum(cluster.server_log().count(word) for word in ("ERROR:", "FATAL:", "still waiting"))
            print(f"PostgreSQL server log: {server_errors} errors or lock waits over 100 ms")
    sqlite, other = statistics.median(seconds["SQLite"]), statistics.median(seconds["other"])
    print(f"median of {repeats}: SQLite {60 * count / sqlite:.1f}, PostgreSQL {60 * count / other:.1f} "
          f"submissions/minute (PostgreSQL/SQLite time {other / sqlite:.2f})")


def kernel_start(sandboxed: bool) -> float:
    """Seconds from asking for a grading kernel to its first answer (kernel_info)."""
    import asyncio

    from grading.limits import LimitedKernelManager

    async def once():
        manager = LimitedKernelManager(kernel_name="python3", sandbox=sandboxed)
        started = time.perf_counter()
        await manager.start_kernel()
        client = manager.client()
        client.start_channels()
        try:
            await client.wait_for_ready(timeout=120)
            return time.perf_counter() - started
        finally:
            client.stop_channels()
            await manager.shutdown_kernel(now=True)
    return asyncio.run(once())


def compare_sandbox(tmp: Path, count: int, repeats: int) -> None:
    from grading.sandbox import probe

    mode, why = probe()
    print(f"sandbox here: {mode}{' (' + why + ')' if why else ''}; load average {os.getloadavg()[0]:.1f}")
    starts = {False: [], True: []}
    for _ in range(5):
        for sandboxed in starts:
            starts[sandboxed].append(kernel_start(sandboxed))
    plain, boxed = statistics.median(starts[False]), statistics.median(starts[True])
    print(f"kernel start, median of 5: {plain:.2f} s without the sandbox, {boxed:.2f} s in it "
          f"(+{boxed - plain:.2f} s)")
    per = {False: [], True: []}
    for repeat in range(repeats):
        for sandboxed in per:
            seconds, _ = grade_class(tmp / "class", tmp / f"work-{sandboxed}-{repeat}", 1, sandbox=sandboxed)
            per[sandboxed].append(seconds / count)
            print(f"  {'sandboxed' if sandboxed else '--no-sandbox'}: {count} notebooks, 1 worker, "
                  f"{seconds / count:.2f} s per submission (load average {os.getloadavg()[0]:.1f})")
    plain, boxed = statistics.median(per[False]), statistics.median(per[True])
    print(f"median of {repeats}: {plain:.2f} s per submission without the sandbox, {boxed:.2f} s in it "
          f"({boxed - plain:+.2f} s, {100 * (boxed - plain) / plain:+.0f} %)")


def time_one_submission(work: Path, student: str, assignment: str, repeats: int = 3) -> dict:
    """Seconds for each layer of grading one notebook (median of ``repeats``)."""
    import nbformat
    from jupyter_client.manager import start_new_kernel
    from nbclient import NotebookClient

    from grading.worker import make_api

    settings = {"work_root": str(work), "db_url": f"sqlite:///{work / 'gradebook.db'}?timeout=60",
                "course_id": "nn-from-scratch", "cell_timeout": 60, "memory_limit_mb": MEMORY_LIMIT_MB}
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
    parser.add_argument("--postgres", action="store_true", help="compare SQLite with a throw-away PostgreSQL "
                                                                    "server (2 workers) instead")
    parser.add_argument("--db", metavar="URL", help="compare SQLite with this database (2 workers) instead; "
                                                    "its tables are DROPPED before each run")
    parser.add_argument("--repeats", type=int, default=2, help="runs of each database or sandbox setting "
                                                              "(default 2)")
    parser.add_argument("--sandbox", action="store_true", help="the grading sandbox's cost per submission instead")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-autograde-") as tmp:
        tmp = Path(tmp)
        count = build_honest_class(tmp / "class", args.students)
        if args.postgres or args.db:
            compare_databases(tmp, count, args.repeats, args.db, args.stress)
            return
        if args.sandbox:
            compare_sandbox(tmp, count, args.repeats)
            return
        figures = {}
        instruments = None
        for workers in (1, 2, args.stress):
            if workers == 1:
                instruments = Instruments(tmp)
            seconds, summary = grade_class(tmp / "class", tmp / f"work{workers}", workers)
            if workers == 1:
                instruments.close()
            figures[workers] = (seconds, summary)
            print(f"{workers} worker{'s' * (workers > 1)}: {count} notebooks in {seconds:.1f} s = "
                  f"{60 * count / seconds:.1f} submissions/minute; gradebook: {gradebook_health(tmp / f'work{workers}')}")
        speedup = figures[1][0] / figures[2][0]
        print(f"speed-up with 2 workers: {speedup:.2f}x  ({args.stress} workers on {os.cpu_count()} cores: "
              "a stress test of concurrent gradebook writes, not a speed figure)")

        seconds, summary = figures[1]
        grading = statistics.mean(instruments.calls("autograde"))
        feedback = statistics.mean(instruments.calls("generate_feedback"))
        engine = statistics.mean(engine_seconds(tmp / "work1"))
        print(f"\nOne worker, per notebook: autograde {grading:.2f} s + feedback {feedback:.2f} s "
              f"= {grading + feedback:.2f} s (the records' seconds: {engine:.2f} s); "
              f"wall time per notebook {seconds / count:.2f} s")
        print("Steps of the 1-worker run besides grading (wall seconds):")
        for name, value in instruments.phases.items():
            print(f"  {name:<28} {value:6.2f}")

        student, assignment = next((r["student"], r["assignment"]) for r in summary.rows)
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
