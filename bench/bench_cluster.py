"""Grading throughput: the local pool with 1 and 2 workers against a 2-worker Dask cluster on this
machine, and what the measured costs project for a class of 1,000 on bigger clusters.

    .venv/bin/python bench/bench_cluster.py [--students 4] [--class-size 1000]

The class is bench_autograde.py's honest class (full solutions of the demo's two assignments,
``--students`` of each).  ``grading.autograde.run`` grades it from scratch three times: with the
local pool of 1 and of 2 workers, and on a Dask cluster started here on loopback (a scheduler
and two one-thread workers, tests/dask_cluster.py, the test's cluster) through
grading/cluster.py's run_cluster.  For each it prints

* submissions per minute of the grading phase (first task handed out to last result in);
* the notebook's own cost: the mean ``seconds`` of the results, i.e. nbgrader's autograde and
  feedback of one submission inside its worker (kernel start and the cells included);
* the overhead per submission beyond that: grading-phase wall x workers / submissions minus
  the notebook's own cost (handing out, starting graders, shipping files, writing results);
* the parent's serial cost per submission: on the cluster, receiving a result (writing its
  folders and scores into the one gradebook); for every engine, the rest of ``run`` (collect,
  integrity scan, analytics, report) divided by the submissions.

The projection for ``--class-size`` submissions on 8, 32 and 128 workers uses the cluster's
figures: T(W) = max(ceil(N / W) x c, N x p) + N x q, with c the cost of one submission on one
worker (own cost + overhead), p the parent's receiving cost per result and q the rest of run
per submission.  c carries each worker's start (its grader, the assignment's registration)
spread over this small class, so it over-states a big class's cost a little.  Its assumptions
are printed with it.  Timings on a shared machine
are noisy: the load average is printed with every figure.
"""
from __future__ import annotations

import argparse
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests"))  # dask_cluster: the loopback cluster of the tests

import grading.autograde as autograde  # noqa: E402
import grading.cluster as cluster_engine  # noqa: E402
from bench_autograde import build_honest_class  # noqa: E402
from grading.course import Course  # noqa: E402


def machine() -> str:
    model = next((line.split(":", 1)[1].strip() for line in subprocess.run(
        ["lscpu"], capture_output=True, text=True).stdout.splitlines() if line.startswith("Model name")), "?")
    return f"{model}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}"


def grade(submissions: Path, work: Path, workers: int, address: str | None = None) -> dict:
    """Grade the class with ``workers`` local workers, or on the cluster at ``address``; the figures."""
    phase = {"results": [], "receive": 0.0}
    pool = autograde.run_pool
    receive = cluster_engine._receive

    def timed_receive(*args):
        started = time.perf_counter()
        try:
            return receive(*args)
        finally:
            phase["receive"] += time.perf_counter() - started

    def engine(tasks, settings, count, notebook_timeout, log_dir, progress=True):
        phase["start"] = time.perf_counter()
        results = (cluster_engine.run_cluster(tasks, settings, address, notebook_timeout, log_dir, progress)
                   if address else pool(tasks, settings, count, notebook_timeout, log_dir, progress))
        for result in results:
            phase["results"].append(result)
            yield result
        phase["end"] = time.perf_counter()

    autograde.run_pool, cluster_engine._receive = engine, timed_receive
    try:
        started = time.perf_counter()
        summary = autograde.run(autograde.Options(submissions=submissions, course=Course(ROOT), out=work,
                                                  workers=workers, progress=False))
        total = time.perf_counter() - started
    finally:
        autograde.run_pool, cluster_engine._receive = pool, receive
    assert all(r["status"] == "graded" for r in summary.rows), [r for r in summary.rows if r["status"] != "graded"]
    count = len(phase["results"])
    wall = phase["end"] - phase["start"]
    own = statistics.mean(r["seconds"] for r in phase["results"])
    return {"count": count, "wall": wall, "per_minute": 60 * count / wall, "own": own,
            "overhead": wall * workers / count - own, "receive": phase["receive"] / count,
            "rest": (total - wall) / count, "load": os.getloadavg()[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=4, help="students per assignment (default 4)")
    parser.add_argument("--class-size", type=int, default=1000, help="submissions to project for (default 1000)")
    args = parser.parse_args()
    from dask_cluster import LocalCluster

    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory(prefix="bench-cluster-") as tmp:
        tmp = Path(tmp)
        count = build_honest_class(tmp / "class", args.students)
        figures = {}
        for label, workers in (("local pool, 1 worker", 1), ("local pool, 2 workers", 2)):
            figures[label] = grade(tmp / "class", tmp / label.replace(" ", "-").replace(",", ""), workers)
        started = time.perf_counter()
        with LocalCluster(tmp / "dask", workers=2) as cluster:
            ready = time.perf_counter() - started
            figures["Dask cluster, 2 workers"] = grade(tmp / "class", tmp / "on-dask", 2, cluster.address)
        print(f"class: {count} submissions (full solutions); the Dask cluster started in {ready:.1f} s\n")
        print(f"{'engine':<26} {'per minute':>10} {'own s':>7} {'overhead s':>10} {'parent s':>9} {'rest s':>7} "
              f"{'load':>5}")
        for label, f in figures.items():
            parent = f"{f['receive']:.2f}" if label.startswith("Dask") else "-"
            print(f"{label:<26} {f['per_minute']:>10.1f} {f['own']:>7.2f} {f['overhead']:>10.2f} {parent:>9} "
                  f"{f['rest']:>7.2f} {f['load']:>5.1f}")
        print("  own: nbgrader's autograde + feedback of one submission in its worker; overhead: per submission "
              "beyond it,\n  from the grading phase's wall time x workers; parent: receiving one result (files and "
              "gradebook);\n  rest: run()'s other steps (collect, integrity, analytics, report) per submission")

    dask = figures["Dask cluster, 2 workers"]
    c, p, q = dask["own"] + max(dask["overhead"], 0.0), dask["receive"], dask["rest"]
    n = args.class_size
    print(f"\nProjection for a class of {n} submissions on a Dask cluster (from the cluster's figures above):")
    print(f"  c = {c:.1f} s per submission on one worker, p = {p:.2f} s per result in the parent, "
          f"q = {q:.2f} s per submission for the rest of run()")
    for workers in (8, 32, 128):
        grading = max(math.ceil(n / workers) * c, n * p)
        total = grading + n * q
        bound = "the parent's writing" if n * p > math.ceil(n / workers) * c else "the workers"
        print(f"  {workers:>3} workers: {total / 60:6.1f} min  (grading {grading / 60:.1f} min, bound by {bound}; "
              f"the rest of run {n * q / 60:.1f} min)")
    print("  Assumptions: each worker thread has a core of its own as fast as this machine's under this load; "
          "every submission\n  costs what this class's did (full solutions; a class with time-outs costs up to "
          "the per-notebook limit each; c includes each worker's\n  start-up spread over this small class, which over-states it for a big one); the scheduler's own cost per task (about a millisecond) and the transfer "
          "of ~100 KB per task are negligible;\n  the parent writes results one at a time (one gradebook), and "
          "run()'s other steps stay serial in the parent.")


if __name__ == "__main__":
    main()
