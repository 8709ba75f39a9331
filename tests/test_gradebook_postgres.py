"""The gradebook on a real PostgreSQL server, written by two parallel workers.

A private, throw-away PostgreSQL server (tests/pg_cluster.py) is started for this
module and always stopped afterwards.  Part of the synthetic class (grading/demo.py:
a full, an untouched and a partly right student on two assignments, an invalid
notebook, a missing one, a kernel that calls os._exit, and a notebook so slow that its
worker process is killed mid-notebook) is autograded with
``--db postgresql+psycopg://...`` and ``--workers 2``, twice, and once more into the
default SQLite gradebook; the two databases must agree cell by cell.

Without PostgreSQL's server programs the module is skipped, unless CI=true, where
that is a failure (``python3 course.py test`` installs them).
"""
from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from grading.course import Course, course_config
from pg_cluster import PostgresCluster, PostgresUnavailable
from test_grading import FIRST, ROOT, SECOND, autograde_cli, read_csv

STUDENTS = ("s01_full", "s02_untouched", "s03_partly", "s05_invalid_json", "s06_missing", "s10_os_exit",
            "s20_slow")
# s20_slow sleeps 72 s: its worker is killed mid-notebook after 12 s (the last --notebook-timeout given wins);
# an honest notebook takes 2-5 s here.
KILL_AFTER = ("--notebook-timeout", 12)
COURSE_ID = course_config().CourseDirectory.course_id
# Any wait for a lock longer than 100 ms goes into the server's log ("... still waiting for ...").
SERVER_SETTINGS = {"log_lock_waits": "on", "deadlock_timeout": "100ms"}

pytestmark = pytest.mark.slow


def unavailable(reason: str):
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true, but the PostgreSQL gradebook test cannot run: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def postgres():
    try:
        import psycopg  # noqa: F401  (pinned in requirements.txt)
    except ImportError as error:
        unavailable(f"no PostgreSQL driver: {error}")
    try:
        cluster = PostgresCluster.start(settings=SERVER_SETTINGS)
    except PostgresUnavailable as error:
        unavailable(str(error))
    try:
        yield cluster
    finally:
        cluster.stop()


def dump_database(url: str) -> dict:
    """Every row of every table, sorted: equal dumps mean an unchanged database (any SQLAlchemy URL)."""
    engine = sa.create_engine(url)
    try:
        tables = sa.MetaData()
        tables.reflect(engine)
        with engine.connect() as connection:
            return {name: sorted(map(repr, connection.execute(table.select()).all()))
                    for name, table in tables.tables.items()}
    finally:
        engine.dispose()


def cell_scores(url: str) -> dict:
    """{(student, assignment, notebook, grade cell): (auto score, max score)} from an nbgrader gradebook."""
    from nbgrader.api import Gradebook

    with Gradebook(url, COURSE_ID) as gradebook:
        return {(student.id, submission.assignment.name, notebook.name, grade.name):
                (grade.auto_score, grade.max_score)
                for student in gradebook.students for submission in student.submissions
                for notebook in submission.notebooks for grade in notebook.grades}


@pytest.fixture(scope="module")
def graded(postgres, tmp_path_factory):
    """The small class graded into PostgreSQL twice, and into SQLite once."""
    from grading.demo import build_demo

    base = tmp_path_factory.mktemp("postgres-class")
    course = base / "course"  # a private copy: others editing solutions/ must not look like a change
    for name in (FIRST, SECOND):
        for part in ("solutions", "notebooks"):
            shutil.copytree(ROOT / part / name, course / part / name)
    demo = build_demo(base / "demo", Course(course))
    for student in STUDENTS:
        shutil.copytree(demo.root / student, base / "class" / student)
    expected = {key: score for key, score in demo.scores.items() if key[0] in STUDENTS}

    url = postgres.create_database("gradebook")
    runs = {}
    for run in ("first", "second"):
        result = autograde_cli(course, base / "class", base / "postgres", *KILL_AFTER, "--db", url)
        assert result.returncode == 0, result.stdout + result.stderr[-3000:]
        runs[run] = (result, read_csv(base / "postgres" / "grades.csv"), dump_database(url))
    result = autograde_cli(course, base / "class", base / "sqlite", *KILL_AFTER)
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    sqlite_url = f"sqlite:///{base / 'sqlite' / 'gradebook.db'}"
    return {"url": url, "sqlite_url": sqlite_url, "runs": runs, "expected": expected,
            "sqlite_rows": read_csv(base / "sqlite" / "grades.csv"), "out": base / "postgres",
            "course": course, "class": base / "class"}


def test_postgres_and_sqlite_gradebooks_give_the_same_scores(graded):
    _, rows, _ = graded["runs"]["first"]
    assert {(r["student"], r["assignment"]): float(r["score"]) for r in rows} == graded["expected"]
    assert "per-notebook limit (12 s)" in next(r["reason"] for r in rows if r["student"] == "s20_slow")
    assert rows == graded["sqlite_rows"]  # scores, statuses, reasons and flags alike
    postgres, sqlite = cell_scores(graded["url"]), cell_scores(graded["sqlite_url"])
    assert postgres == sqlite
    assert len(postgres) > 10 and {key[0] for key in postgres} >= {"s01_full", "s10_os_exit"}


def test_every_student_and_submission_is_in_the_postgres_gradebook(graded):
    from nbgrader.api import Gradebook

    _, rows, _ = graded["runs"]["first"]
    assert {r["student"] for r in rows} == set(STUDENTS)
    with Gradebook(graded["url"], COURSE_ID) as gradebook:
        assert {student.id for student in gradebook.students} == set(STUDENTS)
        for row in rows:
            if row["status"] != "missing":  # graded and failed ones both have nbgrader's submission, scored
                submission = gradebook.find_submission(row["assignment"], row["student"])
                assert submission.score == float(row["score"]), row
                assert submission.max_score == float(row["max_score"]), row


def test_a_second_run_changes_nothing_in_postgres(graded):
    first, second = graded["runs"]["first"], graded["runs"]["second"]
    assert "autograded 0 submission(s)" in second[0].stdout
    assert second[1] == first[1]
    assert second[2] == first[2]
    assert sum(map(len, second[2].values())) > 50  # the dump does see the gradebook's rows


def test_a_new_empty_database_gets_everything_graded_again(graded, postgres, tmp_path):
    """The work folder registered the assignments in the first gradebook; a new --db must get them too."""
    shutil.copytree(graded["out"], tmp_path / "work")
    shutil.copytree(graded["class"] / "s01_full", tmp_path / "class" / "s01_full")
    url = postgres.create_database("moved")
    result = autograde_cli(graded["course"], tmp_path / "class", tmp_path / "work", "--db", url)
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    assert "autograded 2 submission(s)" in result.stdout
    full = {key: value for key, value in cell_scores(graded["url"]).items() if key[0] == "s01_full"}
    assert cell_scores(url) == full and full


def test_parallel_workers_met_no_errors_deadlocks_or_lock_waits(graded, postgres):
    log = postgres.server_log()
    assert "ready to accept connections" in log  # the log is the server's, and readable
    for trouble in ("ERROR:", "FATAL:", "deadlock", "still waiting for"):
        assert trouble not in log, log
    logs = "".join(p.read_text(errors="replace") for p in (graded["out"] / "logs").glob("*.log"))
    for trouble in ("OperationalError", "IntegrityError", "deadlock", "psycopg"):
        assert trouble not in logs
    engine = sa.create_engine(graded["url"])
    try:
        with engine.connect() as connection:
            deadlocks = connection.execute(sa.text("select deadlocks from pg_stat_database "
                                                   "where datname = current_database()")).scalar_one()
            left_open = connection.execute(sa.text("select count(*) from pg_stat_activity where datname = "
                                                   "current_database() and pid <> pg_backend_pid()")).scalar_one()
            lock_waits_logged = connection.execute(sa.text("show log_lock_waits")).scalar_one()
    finally:
        engine.dispose()
    assert lock_waits_logged == "on"
    assert deadlocks == 0
    assert left_open == 0  # every worker closed its connections, the killed one's too


def test_the_server_is_stopped_and_its_folder_deleted_even_after_an_error(postgres):
    with pytest.raises(RuntimeError, match="inside the block"):
        with PostgresCluster.start() as cluster:
            folder = cluster.folder
            pid = int((cluster.data / "postmaster.pid").read_text().split()[0])
            assert Path(f"/proc/{pid}").exists()
            raise RuntimeError("inside the block")
    assert not folder.exists()
    for _ in range(50):  # pg_ctl waited for the server to exit; init may take a moment to reap it
        if not Path(f"/proc/{pid}").exists():
            break
        time.sleep(0.1)
    assert not Path(f"/proc/{pid}").exists()


def test_missing_server_programs_skip_the_tests_but_fail_in_ci(monkeypatch):
    import pg_cluster

    monkeypatch.setattr(pg_cluster, "find_bin_dir", lambda: None)
    with pytest.raises(PostgresUnavailable, match="postgresql"):
        PostgresCluster.start()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true"):
        unavailable("no server")
    monkeypatch.setenv("CI", "")
    with pytest.raises(pytest.skip.Exception, match="no server"):
        unavailable("no server")
