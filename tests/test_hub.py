"""The course hub, end to end: a whole term through the real JupyterHub on 127.0.0.1.

deploy/hub/course_hub.py prepares the machine (one instructor and three students as Unix users,
nbgrader's exchange, a copy of the course) with the gradebook on a throw-away PostgreSQL server
(tests/pg_cluster.py), and the hub (deploy/hub/jupyterhub_config.py) starts with its proxy on
free ports.  Everything then goes over HTTP with each user's own token, as their browsers would:

1. the instructor generates and releases 01_linear_regression with the formgrader's API;
2. each student fetches it (nbgrader's Assignments handlers), runs it in a kernel of their own
   server (over the kernel's websocket): one with the instructor's solutions, one with the first
   three exercises solved, one untouched; saves it (contents API) and submits;
3. the hub is stopped and started again;
4. the instructor collects, autogrades with ``python -m grading autograde --db <PostgreSQL>`` in a
   kernel of their server, publishes the feedback and releases it; each student fetches theirs.

The assertions: the scores in PostgreSQL, the feedback each student got, what a student cannot
reach (another's server through the hub; another's home, or submission in the exchange even by
its exact name; the instructor's course; the gradebook), and that the restart lost no
submission, server, kernel or token.

It needs root (the users' servers run as their own Unix users), the course environment and
configurable-http-proxy that ``python3 course.py test`` installs, and PostgreSQL's server
programs.  Without them it is skipped, or under CI=true fails.  It takes about 2 to 2.5 minutes
on 2 cores (starting four JupyterLab servers and autograding are most of it).
"""
from __future__ import annotations

import csv
import grp
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "deploy" / "hub"))
import course_hub  # noqa: E402
from grading.course import course_config  # noqa: E402  (deploy/hub is not a package: it is copied onto servers as files)
from hub_client import HubClient  # noqa: E402
from pg_cluster import PostgresCluster, PostgresUnavailable  # noqa: E402

ASSIGNMENT = "01_linear_regression"
NOTEBOOK = f"{ASSIGNMENT}/{ASSIGNMENT}.ipynb"
SOLUTION = course_hub.ROOT / "solutions" / NOTEBOOK
PREFIX = f"nnhub{os.getpid() % 10000}"  # fresh names: never touch a user that was there before
INSTRUCTOR = f"{PREFIX}_teach"
STUDENTS = {"full": f"{PREFIX}_ada", "partial": f"{PREFIX}_bob", "empty": f"{PREFIX}_cy"}
PARTIAL = ("predict", "mse", "mse_gradient")  # the exercises the partial student solves
ENV = Path(os.environ.get("NN_HUB_ENV", "/opt/nn-course/env"))

pytestmark = pytest.mark.slow


def unavailable(reason: str):
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true, but the hub test cannot run: {reason}")
    pytest.skip(reason)


def free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


class Hub:
    """The hub's process: started, stopped and started again on the same folder."""

    def __init__(self, state: Path, url: str):
        self.state, self.url, self.process = state, url, None
        self.log = state / "hub.log"

    def start(self, timeout: float = 90) -> None:
        command, env, folder = course_hub.hub_command(self.state)
        with open(self.log, "a") as log:
            self.process = subprocess.Popen(command, env=env, cwd=folder, stdout=log, stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"the hub exited ({self.process.returncode}):\n{self.tail()}")
            try:
                if requests.get(f"{self.url}/hub/api/", timeout=2).status_code == 200:
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.3)
        raise AssertionError(f"the hub did not answer within {timeout} s:\n{self.tail()}")

    def stop(self) -> None:
        """SIGTERM, as a service manager stops it; the hub stops its proxy, not the users' servers."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-4000:] if self.log.exists() else ""


@pytest.fixture(scope="module")
def postgres():
    if os.name != "posix" or os.geteuid() != 0:
        unavailable("the hub starts each user's server as that Unix user: it needs root")
    missing = [str(p) for p in (course_hub.PROXY, ENV / "bin" / "jupyterhub-singleuser") if not p.exists()]
    if missing:
        unavailable(f"missing {', '.join(missing)}: `python3 course.py test` installs them (as root)")
    try:
        cluster = PostgresCluster.start()
    except PostgresUnavailable as error:
        unavailable(str(error))
    with cluster:  # stopped and deleted on leaving, whatever happened
        yield cluster


@pytest.fixture(scope="module")
def hub(postgres):
    """A prepared machine and a running hub; every server, user and folder is removed afterwards."""
    names = [INSTRUCTOR, *STUDENTS.values()]
    taken = [name for name in names if course_hub.user_exists(name)]
    assert not taken, f"Unix users {taken} exist (left by an interrupted run?): remove them with userdel -r"
    state = Path(tempfile.mkdtemp(prefix="nn-hub-"))
    hub_port, proxy_api_port, port = free_ports(3)
    hub = Hub(state, f"http://127.0.0.1:{port}")
    admin = None
    try:
        # The gradebook's socket folder: the instructor's group may reach it, the students may not.
        gradebook = postgres.create_database("gradebook")
        roster = {"instructor": [INSTRUCTOR], "student": list(STUDENTS.values())}
        settings = course_hub.prepare(state, roster, gradebook, course_config().CourseDirectory.course_id, ENV,
                                      ip="127.0.0.1", port=port, hub_port=hub_port, proxy_api_port=proxy_api_port)
        shutil.chown(postgres.folder, group=grp.getgrnam(INSTRUCTOR).gr_gid)
        os.chmod(postgres.folder, 0o710)
        admin = HubClient(hub.url, Path(settings["admin_token_file"]).read_text().strip())
        hub.start()
        yield hub, admin, settings
    finally:
        try:
            if admin and hub.process and hub.process.poll() is None:
                with ThreadPoolExecutor(len(names)) as pool:
                    list(pool.map(admin.stop_server, names))
        finally:
            hub.stop()
            print(f"the hub's log ends:\n{hub.tail()}")  # shown when a test failed
            course_hub.remove_users(names)
            shutil.rmtree(state, ignore_errors=True)


def solved(notebook, solution, names):
    """``notebook`` with the solution cells ``names`` (nbgrader grade ids) taken from ``solution``."""
    answers = {c.metadata.nbgrader["grade_id"]: c.source for c in solution.cells
               if c.metadata.get("nbgrader", {}).get("solution")}
    for cell in notebook.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in names:
            cell.source = answers[grade_id]
    return notebook


@pytest.fixture(scope="module")
def term(hub):
    """The whole term (see the module docstring); returns what the assertions need."""
    hub_process, admin, settings = hub
    course_id = settings["course_id"]
    started = time.monotonic()
    step = lambda what: print(f"[hub test] {time.monotonic() - started:5.1f} s: {what}", flush=True)  # noqa: E731
    users = {name: HubClient(hub_process.url, admin.new_token(name), name) for name in [INSTRUCTOR, *STUDENTS.values()]}
    for name in users:
        admin.start_server(name)
    for name in users:
        admin.wait_ready(name)
    teacher = users[INSTRUCTOR]
    step("4 servers ready")

    # 1. Release.
    teacher.formgrader(f"{ASSIGNMENT}/assign")
    teacher.formgrader(f"{ASSIGNMENT}/release")
    step("released")

    # 2. Each student fetches, works in a kernel of their own server, saves and submits.
    solution = nbformat.read(SOLUTION, as_version=4)
    every_exercise = {c.metadata.nbgrader["grade_id"] for c in solution.cells
                      if c.metadata.get("nbgrader", {}).get("solution")}
    work = {"full": every_exercise, "partial": set(PARTIAL), "empty": set()}

    def work_and_submit(kind: str, name: str):
        student = users[name]
        listed = student.nbgrader("fetch", course_id, ASSIGNMENT)
        assert any(a["assignment_id"] == ASSIGNMENT and a["status"] == "fetched" for a in listed), listed
        notebook = solved(student.read_notebook(NOTEBOOK), solution, work[kind])
        kernel = student.kernel(NOTEBOOK)
        kernel.run_notebook(notebook)
        student.save_notebook(NOTEBOOK, notebook)
        listed = student.nbgrader("submit", course_id, ASSIGNMENT)
        assert any(a["status"] == "submitted" for a in listed), listed
        step(f"{kind} student submitted")
        return kernel, [o.ename for c in notebook.cells if c.cell_type == "code" for o in c.outputs
                        if o.output_type == "error"]

    with ThreadPoolExecutor(len(STUDENTS)) as pool:  # the three students work at the same time
        done = {kind: pool.submit(work_and_submit, kind, name) for kind, name in STUDENTS.items()}
    kernels = {STUDENTS[kind]: future.result()[0] for kind, future in done.items()}
    errors = {kind: future.result()[1] for kind, future in done.items()}
    kernels_before = {name: kernel.id for name, kernel in kernels.items()}
    for kernel in kernels.values():
        kernel.close()

    # 3. The hub goes down and comes back; the users' servers, kernels and tokens must survive.
    hub_process.stop()
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{hub_process.url}/hub/api/", timeout=5)
    hub_process.start()
    for name in users:
        admin.wait_ready(name, timeout=30)
    after_restart = {name: kernel_id in {k["id"] for k in users[name].server("GET", "/api/kernels").json()}
                     for name, kernel_id in kernels_before.items()}  # a server started anew has no kernel

    step("hub restarted")

    # 4. Collect, autograde with the grading command line, publish and release the feedback.
    teacher.formgrader(f"{ASSIGNMENT}/collect")
    graded = teacher.kernel("autograde.ipynb")
    course = settings["courses"][INSTRUCTOR]
    output = graded.execute(
        "import os, subprocess, sys\n"
        f"os.chdir({course!r})\n"
        "run = subprocess.run([sys.executable, '-m', 'grading', 'autograde', 'submitted', '--out', 'grading-output',\n"
        f"                     '--db', os.environ['NN_GRADEBOOK'], '-a', {ASSIGNMENT!r}, '--no-progress'],\n"
        "                    capture_output=True, text=True)\n"
        "print('autograde exit', run.returncode); print(run.stdout[-3000:]); print(run.stderr[-3000:])\n"
        f"run = subprocess.run([sys.executable, 'publish_feedback.py', {ASSIGNMENT!r}], capture_output=True,\n"
        "                     text=True)\n"
        "print('publish exit', run.returncode); print(run.stdout, run.stderr)\n", timeout=300)
    graded.close()
    log = "".join(getattr(o, "text", "") for o in output) + "".join(str(getattr(o, "evalue", "")) for o in output)
    step(f"collected and autograded:\n{log}")
    teacher.formgrader(f"{ASSIGNMENT}/release_feedback")
    feedback = {}
    for name in STUDENTS.values():
        listed = users[name].nbgrader("fetch_feedback", course_id, ASSIGNMENT)
        submissions = [a for a in listed if a["status"] == "submitted"]
        feedback[name] = submissions
    step("feedback fetched")
    return {"users": users, "admin": admin, "settings": settings, "errors": errors, "log": log,
            "after_restart": after_restart, "feedback": feedback, "course": Path(course), "solution": solution}


def test_students_ran_their_notebooks_in_their_own_kernels(term):
    assert term["errors"]["full"] == [], term["errors"]["full"]  # the solutions run in the course environment
    assert "NotImplementedError" in term["errors"]["partial"]
    assert term["errors"]["empty"] and set(term["errors"]["empty"]) <= {"NotImplementedError", "NameError",
                                                                          "AssertionError", "TypeError"}


def expected_scores(solution) -> tuple[dict[str, float], float]:
    """({student: score}, max score): the partial student earns the points of the exercises solved."""
    points = {c.metadata.nbgrader["grade_id"]: c.metadata.nbgrader["points"] for c in solution.cells
              if c.metadata.get("nbgrader", {}).get("grade")}
    total = float(sum(points.values()))
    return {STUDENTS["full"]: total, STUDENTS["partial"]: float(sum(points[f"{name}-tests"] for name in PARTIAL)),
            STUDENTS["empty"]: 0.0}, total


def test_grades_are_in_postgresql(term):
    from nbgrader.api import Gradebook

    assert "autograde exit 0" in term["log"] and "publish exit 0" in term["log"], term["log"]
    expected, _ = expected_scores(term["solution"])
    with Gradebook(term["settings"]["gradebook"], term["settings"]["course_id"]) as gradebook:
        scores = {name: gradebook.find_submission(ASSIGNMENT, name).score for name in STUDENTS.values()}
    assert scores == expected
    with open(term["course"] / "grading-output" / "grades.csv", newline="") as handle:
        rows = {row["student"]: float(row["score"]) for row in csv.DictReader(handle)}
    assert rows == expected


def test_each_student_fetched_their_own_feedback(term):
    expected, total = expected_scores(term["solution"])
    for name in STUDENTS.values():
        (assignment,) = term["feedback"][name]
        (submission,) = assignment["submissions"]
        assert submission["has_local_feedback"] and not submission["feedback_updated"], submission
        page = term["users"][name].server("GET", f"/api/contents/{submission['local_feedback_path']}/{ASSIGNMENT}.html",
                                          params={"content": 1}).json()["content"]
        assert f"(Score: {round(expected[name], 2)} / {round(total, 2)})" in page


def test_a_student_reaches_nothing_of_another_user(term):
    users, settings = term["users"], term["settings"]
    ada, bob = STUDENTS["full"], STUDENTS["partial"]
    # Through the hub: another user's server refuses the student's token.
    for other in (bob, INSTRUCTOR):
        users[ada].server("GET", "/api/contents", user=other, expect=403)
    # The student's own server has no formgrader.
    users[ada].server("GET", "/formgrader/api/assignments", expect=404)
    # From code the student runs: another student's home, that student's submission (though the
    # student is told its exact name), the exchange's lists, the instructor's course and the
    # gradebook's socket are closed by Unix permissions.
    exchange = Path(settings["exchange"]) / settings["course_id"]
    (bobs,) = [p for p in (exchange / "inbound").iterdir() if p.name.startswith(f"{bob}+")]
    targets = {"home": f"/home/{bob}", "submission": str(bobs / f"{ASSIGNMENT}.ipynb"),
               "submission folder": str(bobs), "inbound": str(exchange / "inbound"),
               "feedback": str(exchange / "feedback"), "course": str(term["course"] / "solutions"),
               "gradebook": settings["gradebook"].split("host=")[1].split("&")[0]}
    kernel = users[ada].kernel("probe.ipynb")
    try:
        outputs = kernel.execute(
            "import os\n"
            f"for what, path in {targets!r}.items():\n"
            "    try:\n"
            "        open(path).read() if path.endswith('.ipynb') else os.listdir(path)\n"
            "        print(what, 'readable')\n"
            "    except PermissionError:\n"
            "        print(what, 'refused')\n")
    finally:
        kernel.close()
    printed = "".join(o.text for o in outputs if o.output_type == "stream")
    assert printed.split("\n")[:-1] == [f"{what} refused" for what in targets], printed


def test_a_hub_restart_loses_nothing(term):
    assert all(term["after_restart"].values()), term["after_restart"]  # every server and kernel kept running
    collected = sorted(p.name for p in (term["course"] / "submitted").iterdir())
    assert collected == sorted(STUDENTS.values())  # every submission made before the restart was collected


def test_the_roster_names_unix_users_and_an_instructor(tmp_path):
    roster = tmp_path / "roster.csv"
    assert course_hub.read_roster(course_hub.HERE / "roster.example.csv") == {
        "student": ["ada", "bob", "cy"], "instructor": ["teacher"]}
    for bad, says in [("Ada Lovelace,student", "Unix user name"), ("ada,teacher", "a role in"),
                      ("ada+1,student", "Unix user name"), ("ada,student", "names no instructor")]:
        roster.write_text(f"username,role\n{bad}\n")
        with pytest.raises(ValueError, match=says):
            course_hub.read_roster(roster)


def test_users_log_in_with_their_unix_password(hub):
    """JupyterHub's PAM log-in with the first password prepare() gave each new user; a wrong one fails."""
    hub_process, _, settings = hub
    passwords = dict(line.split(",") for line in
                     (Path(settings["state"]) / "hub" / "new_passwords.csv").read_text().splitlines())
    name = STUDENTS["empty"]
    for password, status in [(passwords[name], 302), (passwords[name] + "x", 403)]:
        browser = requests.Session()
        browser.get(f"{hub_process.url}/hub/login", timeout=30)
        answer = browser.post(f"{hub_process.url}/hub/login", allow_redirects=False, timeout=30,
                              data={"username": name, "password": password, "_xsrf": browser.cookies["_xsrf"]})
        assert answer.status_code == status, answer.text[:500]
