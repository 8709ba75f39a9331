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
  folders and scores into the one gradebook); for every engine, run()'s serial steps (collect,
  integrity scan, analytics, report) divided by the submissions, and what does not grow with
  the class (registering the assignments, ...).

The projection for ``--class-size`` submissions on 8, 32 and 128 workers uses the cluster's
figures: T(W) = setup + max(ceil(N / W) x c, N x p) + N x q + fixed, with c the cost of one
submission on one worker (own cost + overhead, without the worker's setup), p the parent's
receiving cost per result, q run()'s serial steps per submission (collect, integrity scan,
analytics, report: timed by bench_autograde.py's Instruments), setup a worker's grader start
and assignment registrations (once per worker, in parallel) and fixed the rest of run.  Its
assumptions are printed with it.  Timings on a shared machine
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
from bench_autograde import Instruments, build_honest_class  # noqa: E402
from grading.course import Course  # noqa: E402


PER_SUBMISSION = ("collect", "zero failures", "integrity scan", "analytics", "report")  # grow with the class


def machine() -> str:
    model = next((line.split(":", 1)[1].strip() for line in subprocess.run(
        ["lscpu"], capture_output=True, text=True).stdout.splitlines() if line.startswith("Model name")), "?")
    return f"{model}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}"


def grade(submissions: Path, work: Path, workers: int, address: str | None = None) -> dict:
    """Grade the class with ``workers`` local workers, or on the cluster at ``address``; the figures."""
    phase = {"results": [], "receive": 0.0, "setup": 0.0}
    pool = autograde.run_pool
    receive = cluster_engine._receive

    def timed_receive(reply, *args):
        started = time.perf_counter()
        try:
            return receive(reply, *args)
        finally:
            phase["receive"] += time.perf_counter() - started
            phase["setup"] += reply["setup_seconds"]

    def engine(tasks, settings, count, notebook_timeout, log_dir, progress=True):
        phase["start"] = time.perf_counter()
        results = (cluster_engine.run_cluster(tasks, settings, address, notebook_timeout, log_dir, progress)
                   if address else pool(tasks, settings, count, notebook_timeout, log_dir, progress))
        for result in results:
            phase["results"].append(result)
            yield result
        phase["end"] = time.perf_counter()

    autograde.run_pool, cluster_engine._receive = engine, timed_receive
    work.mkdir(parents=True)
    steps = Instruments(work)
    try:
        started = time.perf_counter()
        summary = autograde.run(autograde.Options(submissions=submissions, course=Course(ROOT), out=work,
                                                  workers=workers, progress=False))
        total = time.perf_counter() - started
    finally:
        autograde.run_pool, cluster_engine._receive = pool, receive
        steps.close()
    assert all(r["status"] == "graded" for r in summary.rows), [r for r in summary.rows if r["status"] != "graded"]
    count = len(phase["results"])
    wall = phase["end"] - phase["start"]
    own = statistics.mean(r["seconds"] for r in phase["results"])
    per_submission = sum(steps.phases.get(name, 0.0) for name in PER_SUBMISSION)
    return {"count": count, "wall": wall, "per_minute": 60 * count / wall, "own": own,
            "overhead": wall * workers / count - own, "setup": phase["setup"] / workers,
            "task_overhead": (wall * workers - phase["setup"]) / count - own, "receive": phase["receive"] / count,
            "rest": per_submission / count, "fixed": total - wall - per_submission, "load": os.getloadavg()[0]}


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
        print(f"class: {count} submissions (full solutions)", flush=True)
        for label, workers in (("local pool, 1 worker", 1), ("local pool, 2 workers", 2)):
            figures[label] = grade(tmp / "class", tmp / label.replace(" ", "-").replace(",", ""), workers)
            print(f"  {label}: {figures[label]}", flush=True)
        started = time.perf_counter()
        with LocalCluster(tmp / "dask", workers=2) as cluster:
            ready = time.perf_counter() - started
            figures["Dask cluster, 2 workers"] = grade(tmp / "class", tmp / "on-dask", 2, cluster.address)
        print(f"the Dask cluster started in {ready:.1f} s\n")
        print(f"{'engine':<24} {'per min':>7} {'own s':>6} {'overhead s':>10} {'of which setup':>14} "
              f"{'parent s':>8} {'rest s':>6} {'fixed s':>7} {'load':>5}")
        for label, f in figures.items():
            dask = label.startswith("Dask")
            setup = f"{f['setup']:.1f}/worker" if dask else "-"
            parent = f"{f['receive']:.2f}" if dask else "-"
            print(f"{label:<24} {f['per_minute']:>7.1f} {f['own']:>6.2f} {f['overhead']:>10.2f} {setup:>14} "
                  f"{parent:>8} {f['rest']:>6.2f} {f['fixed']:>7.1f} {f['load']:>5.1f}")
        print("  own: nbgrader's autograde + feedback of one submission in its worker (kernel start and cells);\n"
              "  overhead: per submission beyond it, from the grading phase's wall time x workers; of which setup:\n"
              "  each Dask worker's grader start and assignment registrations (once per worker and run);\n"
              "  parent: receiving one result (files and gradebook); rest: run()'s serial steps per submission\n"
              "  (collect, integrity scan, analytics, report); fixed: run()'s steps that do not grow with the class")

    dask = figures["Dask cluster, 2 workers"]
    c, p, q = dask["own"] + max(dask["task_overhead"], 0.0), dask["receive"], dask["rest"]
    setup, fixed, n = dask["setup"], dask["fixed"], args.class_size
    print(f"\nProjection for a class of {n} submissions on a Dask cluster (from the cluster's figures above):")
    print(f"  T(W) = setup + max(ceil(N / W) x c, N x p) + N x q + fixed, with c = {c:.1f} s per submission on one "
          f"worker,\n  p = {p:.2f} s per result in the parent, q = {q:.2f} s per submission for run()'s serial "
          f"steps, setup = {setup:.1f} s, fixed = {fixed:.1f} s")
    for workers in (8, 32, 128):
        grading = max(math.ceil(n / workers) * c, n * p)
        total = setup + grading + n * q + fixed
        bound = "the parent's writing" if n * p > math.ceil(n / workers) * c else "the workers"
        print(f"  {workers:>3} workers: {total / 60:6.1f} min  (grading {grading / 60:.1f} min, bound by {bound}; "
              f"run()'s serial steps {(n * q + fixed) / 60:.1f} min)")
    print("  Assumptions: each worker thread has a core of its own as fast as this machine's under this load; every\n"
          "  submission costs what this class's did (full solutions; a class with time-outs costs up to the\n"
          "  per-notebook limit each); the scheduler's own cost per task (about a millisecond) and the transfer of\n"
          "  ~100 KB per task are negligible (a worker's other tasks' overhead is in c); the parent writes results\n"
          "  one at a time into one gradebook, and run()'s other steps stay serial in the parent, as measured here.")


if __name__ == "__main__":
    main()
