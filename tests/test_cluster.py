"""Grading on a real Dask cluster on loopback: a ``dask scheduler`` and two ``dask worker``
processes (grading/cluster.py's run_cluster) grade part of the demo class exactly as the local
pool does, and still grade every submission exactly once when a worker is killed mid-run.

The part of the class (to keep CI quick, about four minutes on two cores): assignment 01 of
s01_full (full marks), s03_partly (half), s10_os_exit (its kernel dies), s19_reads_solutions
(looks for the instructor's notebook above its folder: on a worker, the private course's
source/ is hidden from it as the work folder is locally) and s20_slow (overruns the
per-notebook limit: killed on the worker).  run() prepares the tasks as it does for the
local pool; the test swaps run_pool for run_cluster (the ``--cluster`` option of the command
line does the same once wired, and ``test_the_command_line_grades_on_the_cluster`` runs it).
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

if os.environ.get("CI") != "true":
    pytest.importorskip("distributed")

from grading import autograde  # noqa: E402
from grading.course import Course  # noqa: E402

from dask_cluster import LocalCluster  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
FIRST, SECOND = "01_linear_regression", "03_computational_graphs"
STUDENTS = ("s01_full", "s03_partly", "s10_os_exit", "s19_reads_solutions", "s20_slow")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    running = LocalCluster(tmp_path_factory.mktemp("cluster"), allowed_failures=2)
    try:
        yield running
    finally:
        running.close()


@pytest.fixture(scope="module")
def small_class(tmp_path_factory):
    """Five students of the demo class (its assignment 01), in a private copy of the course."""
    from grading.demo import build_demo

    base = tmp_path_factory.mktemp("class")
    course = base / "course"
    for name in (FIRST, SECOND):  # the demo class is built from two assignments
        for part in ("solutions", "notebooks"):
            shutil.copytree(ROOT / part / name, course / part / name)
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
    return re.sub(r"[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}", "ID", page)  # elements, widgets


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


@pytest.mark.slow
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
        assert without_ids(pages[0]) == without_ids(pages[1])  # equal but for random element ids


@pytest.mark.slow
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


@pytest.mark.slow
def test_the_command_line_grades_on_the_cluster(small_class, cluster, tmp_path):
    """``python -m grading autograde --cluster ADDRESS``, as an instructor types it: both of the
    student's assignments are graded on the cluster's workers and score what the demo says."""
    demo, course, submissions = small_class
    from grading.demo import DEMO_LIMITS

    one = tmp_path / "submissions"
    shutil.copytree(submissions / "s01_full", one / "s01_full")
    out = tmp_path / "graded"
    done = subprocess.run([sys.executable, "-m", "grading", "--course", course.root, "autograde", one, "--out", out,
                           "--cluster", cluster.address, "--cell-timeout", str(DEMO_LIMITS["cell_timeout"]),
                           "--notebook-timeout", str(DEMO_LIMITS["notebook_timeout"])],
                          capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    scores = {(r["student"], r["assignment"]): float(r["score"]) for r in read_csv(out / "grades.csv")}
    assert scores == {("s01_full", a): demo.scores[("s01_full", a)] for a in (FIRST, SECOND)}
    assert list((out / "logs").glob("cluster-*.log")), "graded by the local pool, not on the cluster"


def test_a_packed_folder_cannot_write_outside_its_folder(tmp_path):
    from grading.cluster import digest, pack, unpack

    (tmp_path / "a" / "sub").mkdir(parents=True)
    (tmp_path / "a" / "sub" / "x.ipynb").write_bytes(b"{}")
    files = pack(tmp_path / "a")
    assert files == {"sub/x.ipynb": b"{}"} and digest(files) != digest({"sub/x.ipynb": b"{ }"})
    unpack(files, tmp_path / "b")
    assert pack(tmp_path / "b") == files
    with pytest.raises(ValueError, match="outside"):
        unpack({"../escaped.txt": b"no"}, tmp_path / "c")
    assert not (tmp_path / "escaped.txt").exists()
