"""Grading on a real Dask cluster on loopback: a ``dask scheduler`` and two ``dask worker``
processes (grading/cluster.py's run_cluster) grade part of the demo class exactly as the local
pool does, and still grade every submission exactly once when a worker is killed mid-run.

The part of the class (to keep CI quick, about three minutes on two cores): assignment 01 of
s01_full (full marks), s03_partly (half), s10_os_exit (its kernel dies) and s20_slow (overruns
the per-notebook limit: killed on the worker).  run() prepares the tasks as it does for the
local pool; the test swaps run_pool for run_cluster (the ``--cluster`` option of the command
line does the same once wired, and ``test_the_command_line_grades_on_the_cluster`` runs it).
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

if os.environ.get("CI") != "true":
    pytest.importorskip("distributed")

from grading import autograde  # noqa: E402
from grading.course import Course  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
FIRST, SECOND = "01_linear_regression", "03_computational_graphs"
STUDENTS = ("s01_full", "s03_partly", "s10_os_exit", "s20_slow")
DASK = Path(sys.executable).parent / "dask"


class LocalCluster:
    """A scheduler and two workers, each a process of its own, on 127.0.0.1."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.env = dict(os.environ, DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES="2")
        scheduler_file = folder / "scheduler.json"
        self.scheduler = self._start("scheduler", [DASK, "scheduler", "--host", "127.0.0.1", "--port", "0",
                                                   "--no-dashboard", "--scheduler-file", scheduler_file])
        self.workers = {}
        for name in ("w1", "w2"):
            self.start_worker(name)
        from distributed import Client

        deadline = time.monotonic() + 120
        while not scheduler_file.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        self.client = Client(scheduler_file=str(scheduler_file), timeout="60s", set_as_default=False)
        self.client.wait_for_workers(2, timeout=120)
        self.address = self.client.scheduler.address

    def _start(self, name, command):
        log = open(self.folder / f"{name}.log", "w")
        return subprocess.Popen([str(c) for c in command], stdout=log, stderr=subprocess.STDOUT, env=self.env,
                                cwd=self.folder, start_new_session=True)

    def start_worker(self, name: str) -> None:
        self.workers[name] = self._start(name, [DASK, "worker", "--scheduler-file", self.folder / "scheduler.json",
                                                "--name", name, "--nthreads", "1", "--memory-limit", "2GiB",
                                                "--no-dashboard", "--host", "127.0.0.1",
                                                "--local-directory", self.folder / name])

    def busy_worker(self) -> str:
        """The name of a worker grading a submission right now."""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            names = {a: w["name"] for a, w in self.client.scheduler_info()["workers"].items()}
            busy = [names[a] for a, keys in self.client.processing().items() if keys and a in names]
            if busy:
                return busy[0]
            time.sleep(0.2)
        raise AssertionError("no worker was grading anything")

    def kill(self, name: str) -> None:
        """Kill a worker as a machine dies: its nanny, its worker process, its graders and kernels."""
        import psutil

        process = self.workers[name]
        if process.poll() is not None:
            return
        family = psutil.Process(process.pid).children(recursive=True)
        for member in [process] + family:
            try:
                member.kill()
            except psutil.NoSuchProcess:
                pass
        process.wait(30)

    def close(self) -> None:
        self.client.close()
        for name in list(self.workers):
            self.kill(name)
        self.scheduler.terminate()
        self.scheduler.wait(30)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    running = LocalCluster(tmp_path_factory.mktemp("cluster"))
    try:
        yield running
    finally:
        running.close()


@pytest.fixture(scope="module")
def small_class(tmp_path_factory):
    """Four students of the demo class (its assignment 01), in a private copy of the course."""
    from grading.demo import build_demo

    base = tmp_path_factory.mktemp("class")
    course = base / "course"
    (course / "tests" / "cheats").mkdir(parents=True)
    for name in (FIRST, SECOND):  # the demo class is built from two assignments
        for part in ("solutions", "notebooks"):
            shutil.copytree(ROOT / part / name, course / part / name)
        shutil.copy(ROOT / "tests" / "cheats" / f"{name}.py", course / "tests" / "cheats")
    demo = build_demo(base / "everyone", Course(course))
    for student in STUDENTS:
        shutil.copytree(demo.root / student, base / "submissions" / student)
    return demo, Course(course), base / "submissions"


def options(course, submissions, out):
    from grading.demo import DEMO_LIMITS

    return autograde.Options(submissions=submissions, course=course, out=out, workers=2, progress=False,
                             assignments=[FIRST], cell_timeout=DEMO_LIMITS["cell_timeout"],
                             notebook_timeout=DEMO_LIMITS["notebook_timeout"],
                             memory_limit_mb=DEMO_LIMITS["memory_limit_mb"])


def gradebook_rows(out: Path) -> dict:
    """Each graded cell and each comment of each submission in the gradebook, and the number of submissions."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{out / 'gradebook.db'}", "nn-from-scratch") as gb:
        submissions = gb.assignment_submissions(FIRST)
        return {"submissions": len(submissions),
                "grades": sorted((s.student.id, nb.name, g.name, g.auto_score, g.needs_manual_grade)
                                 for s in submissions for nb in s.notebooks for g in nb.grades),
                "comments": sorted((s.student.id, nb.name, c.name, str(c.auto_comment))
                                   for s in submissions for nb in s.notebooks for c in nb.comments)}


def without_ids(page: str) -> str:
    return re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "ID", page)


def read_csv(path: Path) -> list[dict]:
    import csv

    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def local_run(small_class, tmp_path_factory):
    demo, course, submissions = small_class
    out = tmp_path_factory.mktemp("local")
    autograde.run(options(course, submissions, out))
    return out


@pytest.fixture(scope="module")
def cluster_run(small_class, cluster, tmp_path_factory):
    """The same class on the cluster; a worker busy grading is killed as soon as the first result is in,
    and a new one joins."""
    from grading.cluster import run_cluster

    demo, course, submissions = small_class
    out = tmp_path_factory.mktemp("on-cluster")
    seen = {"results": [], "killed": None}

    def on_the_cluster(tasks, settings, workers, notebook_timeout, log_dir, progress=True):
        for result in run_cluster(tasks, settings, cluster.address, notebook_timeout, log_dir, progress):
            seen["results"].append(result)
            if seen["killed"] is None:
                seen["killed"] = cluster.busy_worker()
                cluster.kill(seen["killed"])
                cluster.start_worker("w3")  # as a batch system replaces a lost node
            yield result

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(autograde, "run_pool", on_the_cluster)
        summary = autograde.run(options(course, submissions, out))
    return out, summary, seen


def test_the_cluster_grades_like_the_local_pool_even_when_a_worker_dies(small_class, local_run, cluster_run):
    demo, _, _ = small_class
    out, summary, seen = cluster_run
    assert seen["killed"] in ("w1", "w2")
    graded_by = {p.stem.split("-", 1)[1] for p in (out / "logs").glob("cluster-*.log")}
    assert "w3" in graded_by, graded_by  # the newcomer got this run's plugin and graded
    # Every submission came back exactly once, although one worker died while grading one.
    assert sorted((r["student"], r["assignment"]) for r in seen["results"]) == [(s, FIRST) for s in STUDENTS]
    assert summary.graded == len(STUDENTS)
    rows = read_csv(out / "grades.csv")
    assert sorted(r["student"] for r in rows) == list(STUDENTS)
    # The same grades, reasons and integrity flags as the local pool; the demo's expected scores.
    assert rows == read_csv(local_run / "grades.csv")
    assert {(r["student"], r["assignment"]): float(r["score"]) for r in rows} == \
        {(s, FIRST): demo.scores[(s, FIRST)] for s in STUDENTS}
    reasons = {r["student"]: r["reason"] for r in rows}
    assert "per-notebook limit" in reasons["s20_slow"]  # killed on its worker after the time limit
    # Cell by cell, the one gradebook holds what the local pool wrote, once per submission.
    on_cluster, local = gradebook_rows(out), gradebook_rows(local_run)
    assert on_cluster == local
    assert on_cluster["submissions"] == len(STUDENTS)
    # The graded notebook and the feedback came back from the workers.
    for student in ("s01_full", "s03_partly"):
        assert (out / "autograded" / student / FIRST / f"{FIRST}.ipynb").is_file()
        pages = [(run / "feedback" / student / FIRST / f"{FIRST}.html").read_text(encoding="utf-8")
                 for run in (out, local_run)]
        assert pages[0] != pages[1] and len(set(map(without_ids, pages))) == 1  # equal but for random element ids


def test_a_result_written_twice_is_counted_once(cluster_run):
    """A worker that dies after grading has its task run again; writing its result again changes nothing."""
    from nbgrader.api import Gradebook

    from grading.cluster import read_scores, record_scores

    out, summary, seen = cluster_run
    db_url = f"sqlite:///{out / 'gradebook.db'}"
    before = gradebook_rows(out)
    with Gradebook(db_url, "nn-from-scratch") as gb:
        scores = read_scores(gb, FIRST, "s03_partly")
    record_scores(db_url, "nn-from-scratch", "s03_partly", FIRST, scores)
    record_scores(db_url, "nn-from-scratch", "s03_partly", FIRST, scores)
    assert gradebook_rows(out) == before
