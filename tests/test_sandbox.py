"""The grading sandbox (grading/sandbox.py) from inside a real grading kernel: it writes nothing
outside its private folders, sees and signals only its own processes, reaches no server on the
machine's localhost, stops at each resource limit, and leaves nothing behind.

Every submission here stops by itself a little past the limit it probes (its own loops are
bounded), so a broken sandbox fails the test, not the machine.  Signals: signal 0 to probe, and
SIGTERM only to a process the test starts for that purpose, never kill(-1).  Every write that a
broken sandbox would let through is undone afterwards (the test restores the bytes it saved).
"""
from __future__ import annotations

import asyncio
import glob
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import pytest

from grading import integrity, sandbox
from grading.limits import LimitedKernelManager

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent
FIRST = "01_linear_regression"


def full_sandbox_or_skip():
    mode, why = sandbox.probe()
    if mode != "full":
        if os.environ.get("CI") == "true":
            pytest.fail(f"the full grading sandbox (bubblewrap) does not work on this machine: {why}")
        pytest.skip(f"no full sandbox here (install Debian's bubblewrap): {why}")


FORK_BOMB = """
children, refused = [], None
for _ in range(%d):
    try:
        pid = os.fork()
    except OSError as error:
        refused = error.errno
        break
    if pid == 0:
        time.sleep(2)
        os._exit(0)
    children.append(pid)
for pid in children:
    os.waitpid(pid, 0)
"""  # a bounded one: it stops after that many children, each of which ends by itself


def in_kernel(code: str, cwd=None, **manager_options) -> str:
    """What ``code`` prints (and the error it ends with) in a sandboxed kernel started the way the
    grader starts them; the manager is shut down and cleaned up before this returns."""
    async def run():
        manager = LimitedKernelManager(kernel_name="python3", sandbox=True, **manager_options)
        await manager.start_kernel(**({"cwd": str(cwd)} if cwd else {}))
        client = manager.client()
        client.start_channels()
        printed = []

        def hook(message):
            content = message["content"]
            printed.append(content.get("text") or
                           (f"{content['ename']}: {content['evalue']}" if "ename" in content else ""))
        try:
            await client.wait_for_ready(timeout=60)
            await client.execute_interactive(textwrap.dedent(code), timeout=60, output_hook=hook)
            return "".join(printed).strip()
        finally:
            client.stop_channels()
            await manager.shutdown_kernel(now=True)
    return asyncio.run(run())


# ---------------------------------------------------------------------------------------------
# Resource limits: each submission goes a little past the limit, in a loop of its own that ends


def test_a_fork_bomb_and_a_thread_bomb_stop_at_the_process_limit(tmp_path):
    full_sandbox_or_skip()
    # The limit is 40 processes and threads, the kernel's own included; the bombs stop at 60.
    said = in_kernel("import os, threading, time\n" + FORK_BOMB % 60 + textwrap.dedent("""
        stop, threads, thread_error = threading.Event(), [], None
        for _ in range(60):
            thread = threading.Thread(target=stop.wait)
            try:
                thread.start()
            except RuntimeError as error:
                thread_error = str(error)
                break
            threads.append(thread)
        stop.set()
        print(len(children), refused, len(threads), thread_error)
        """), cwd=tmp_path, process_limit=40)
    forks, refused, threads, thread_error = said.split(" ", 3)
    assert 0 < int(forks) < 40 and refused == "11", said  # EAGAIN
    assert 0 < int(threads) < 40 and "thread" in thread_error, said


def test_a_file_past_the_size_limit_fails_at_the_limit(tmp_path):
    full_sandbox_or_skip()
    said = in_kernel("""
        written, error = 0, None
        with open("big.bin", "wb") as handle:
            try:
                for _ in range(32):                   # 2 MiB in 64 KiB pieces; the limit is 1 MiB
                    handle.write(b"x" * 65536)
                    handle.flush()
                    written += 65536
            except OSError as caught:
                error = caught.errno
        print(written, error)
        """, cwd=tmp_path, file_size_limit_mb=1)
    assert said == f"{2**20} 27", said  # EFBIG ("File too large") exactly at 1 MiB


@pytest.mark.parametrize("folder", ["/tmp", ".", "/dev/shm"])
def test_writing_past_the_disk_limit_fails_and_costs_only_the_kernel(tmp_path, folder):
    full_sandbox_or_skip()
    said = in_kernel(f"""
        import os
        written, error = 0, None
        try:
            for i in range(16):                       # 8 MiB in 512 KiB files; the limit is 4 MiB
                with open(os.path.join({folder!r}, f"fill-{{i}}"), "wb") as handle:
                    handle.write(b"x" * 524288)
                written += 524288
        except OSError as caught:
            error = caught.errno
        print("filled", written, error)
        """, cwd=tmp_path, disk_limit_mb=4)
    # IPython's own history database lives in the same full /tmp and may complain on stderr too
    found = re.search(r"^filled (\d+) (\S+)$", said, re.MULTILINE)
    assert found, said
    written, error = found.groups()
    assert int(written) <= 4 * 2**20 and error == "28", said  # ENOSPC
    assert not list(tmp_path.iterdir())  # the kernel's folder on the machine got nothing


# ---------------------------------------------------------------------------------------------
# Processes and network


def probe_pid(pid, sig=0):
    return f"""
        try:
            os.kill({pid}, {int(sig)})
            print("reached", end=" ")
        except ProcessLookupError:
            print("absent", end=" ")
        except PermissionError:
            print("refused", end=" ")
        """


def test_the_kernel_sees_and_signals_only_its_own_processes(tmp_path):
    """Signal 0 to the grader (this test's process, the kernel's manager) and a SIGTERM to a
    sacrificial process this test started; PID 1 inside is bubblewrap's, not the machine's."""
    full_sandbox_or_skip()
    sacrifice = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    try:
        said = in_kernel("import os\n" + textwrap.dedent(probe_pid(os.getpid())) +
                         textwrap.dedent(probe_pid(sacrifice.pid, signal.SIGTERM)) + textwrap.dedent("""
            pids = sorted(int(p) for p in os.listdir("/proc") if p.isdigit())
            print(len(pids), os.path.basename(open("/proc/1/cmdline").read().split(chr(0))[0]), os.getppid())
            """), cwd=tmp_path)
        grader, victim, count, first, parent = said.split()
        assert (grader, victim) == ("absent", "absent"), said
        assert int(count) <= 5 and first == "bwrap" and parent == "1", said
        assert sacrifice.poll() is None  # it did not get the SIGTERM
    finally:
        sacrifice.terminate()
        sacrifice.wait(10)


def test_the_kernel_reaches_no_server_on_the_machines_localhost(tmp_path):
    full_sandbox_or_skip()
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        server.setblocking(False)
        port = server.getsockname()[1]
        with socket.create_connection(("127.0.0.1", port), timeout=5):  # control: it is reachable here
            server.accept()[0].close()
        said = in_kernel(f"""
            import socket
            try:
                socket.create_connection(("127.0.0.1", {port}), timeout=5).close()
                print("connected", end=" ")
            except OSError as error:
                print(type(error).__name__, end=" ")
            print([name for _, name in socket.if_nameindex()])
            """, cwd=tmp_path)
        assert said == "ConnectionRefusedError ['lo']", said
        with pytest.raises(BlockingIOError):
            server.accept()  # nobody knocked


def test_nothing_the_kernel_starts_outlives_it(tmp_path):
    """A process the kernel detaches (new session, double fork) dies with the kernel; the box's
    folder (its sockets) and cgroup are gone."""
    full_sandbox_or_skip()
    import psutil

    token = uuid.uuid4().hex

    def boxes():  # the boxes' folders and (as root) their pids cgroups
        return {p for pattern in ("/tmp/grading-kernel-*", "/sys/fs/cgroup/grading-kernel-*",
                                  "/sys/fs/cgroup/pids/grading-kernel-*") for p in glob.glob(pattern)}
    before = boxes()
    said = in_kernel(f"""
        import subprocess, sys
        subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)", "{token}"], start_new_session=True)
        print("started")
        """, cwd=tmp_path)
    assert said == "started"
    for _ in range(50):
        left = [p for p in psutil.process_iter(["cmdline"]) if token in " ".join(p.info["cmdline"] or [])]
        if not left:
            break
        __import__("time").sleep(0.1)
    assert not left
    assert boxes() <= before


# ---------------------------------------------------------------------------------------------
# Writes: a student tries each of them, graded before an honest student and a wrong one


def write_targets(course: Path, submissions: Path, out: Path, token: str) -> dict:
    """{path on the machine: (mode, what a malicious student would write there)}."""
    import site

    import nnlib

    library = Path(nnlib.__file__).parent
    startup = Path(os.environ.get("IPYTHONDIR") or Path.home() / ".ipython") / "profile_default" / "startup"
    return {
        str(library / "checks.py"): ("a", "\ndef expect_close(*args, **kwargs):\n    return None\n"),
        str(library / f"sneaky_{token}.py"): ("w", "PWNED = True\n"),
        str(Path(site.getsitepackages()[0]) / f"sneaky_{token}.pth"): ("w", "import os\n"),
        str(startup / f"00-sneaky-{token}.py"): ("w", "print('every kernel runs this')\n"),
        str(Path.home() / f"sneaky-{token}.txt"): ("w", "home\n"),
        str(Path("/var/tmp") / f"sneaky-{token}.txt"): ("w", "shared\n"),
        str(submissions / "b_full" / FIRST / f"{FIRST}.ipynb"): ("w", "{}"),
        str(out / "gradebook.db"): ("a", "garbage"),
        str(out / "feedback" / f"sneaky-{token}.html"): ("w", "<p>hi</p>"),
    }


ATTACK = """import json, os
tried = {}
for path, (mode, text) in json.loads(%r).items():
    try:
        with open(path, mode) as handle:
            handle.write(text)
        tried[path] = "WROTE"
    except OSError as error:
        tried[path] = type(error).__name__ + " " + str(error.errno)
        print(error)  # [Errno 30] Read-only file system: ...
for path in ("/tmp/private.txt", os.path.expanduser("~/private.txt"), "private.txt"):
    with open(path, "w") as handle:
        handle.write("mine")
    tried[path] = open(path).read()
print(json.dumps(tried))
"""


def snapshot(paths):
    return {p: hashlib.sha256(Path(p).read_bytes()).hexdigest() if Path(p).is_file() else None for p in paths}


@pytest.fixture()
def small_course(tmp_path) -> Path:
    course = tmp_path / "course"
    for part in ("solutions", "notebooks"):
        shutil.copytree(ROOT / part / FIRST, course / part / FIRST)
    return course


def autograde(course, submissions, out, *extra):
    from grading.demo import DEMO_LIMITS

    return subprocess.run([sys.executable, "-m", "grading", "--course", str(course), "autograde", str(submissions),
                           "--out", str(out), "--workers", "1", "--cell-timeout", "30", "--notebook-timeout", "300",
                           "--memory-limit", str(DEMO_LIMITS["memory_limit_mb"]), "--no-progress", *extra],
                          cwd=ROOT, capture_output=True, text=True, timeout=900)


def scores_of(out):
    import csv

    with open(out / "grades.csv", newline="", encoding="utf-8") as handle:
        return {r["student"]: (float(r["score"]), r["status"], r["reason"]) for r in csv.DictReader(handle)}


def test_every_write_fails_or_stays_private_and_later_students_get_their_own_scores(small_course, tmp_path):
    full_sandbox_or_skip()
    from grading.course import Course
    from grading.demo import Assignment, write_notebook

    a = Assignment(Course(small_course), FIRST)
    submissions, out, token = tmp_path / "submissions", tmp_path / "graded", uuid.uuid4().hex[:8]
    half = a.graded_exercises[: len(a.graded_exercises) // 2]
    write_notebook(a.student(), submissions / "b_full" / FIRST / f"{FIRST}.ipynb")
    write_notebook(a.student(filled=half), submissions / "c_wrong" / FIRST / f"{FIRST}.ipynb")
    targets = write_targets(small_course, submissions, out, token)
    attacker = a.insert_after(a.student(), a.exercises[0],
                              ATTACK % json.dumps({p: list(v) for p, v in targets.items()}))
    write_notebook(attacker, submissions / "a_attacker" / FIRST / f"{FIRST}.ipynb")

    environment = sandbox.environment_fingerprint(ROOT)
    outside = [p for p in targets if not p.startswith(str(out))]
    saved = {p: Path(p).read_bytes() for p in outside if Path(p).is_file()}
    try:
        result = autograde(small_course, submissions, out)  # one worker: the attacker goes first
        assert result.returncode == 0, result.stdout + result.stderr[-3000:]
        after = {p: Path(p).read_bytes() if Path(p).is_file() else None for p in outside}
    finally:  # undo whatever a broken sandbox let through
        for path in outside:
            if path in saved:
                Path(path).write_bytes(saved[path])
            elif Path(path).is_file():
                Path(path).unlink()

    assert after == {p: saved.get(p) for p in outside}, "a write reached the machine"
    assert sandbox.environment_fingerprint(ROOT) == environment
    full, partly = a.total, a.points_of(half)
    assert scores_of(out) == {"a_attacker": (full, "graded", ""), "b_full": (full, "graded", ""),
                              "c_wrong": (partly, "graded", "")}
    graded = json.loads((out / "autograded" / "a_attacker" / FIRST / f"{FIRST}.ipynb").read_text())
    printed = next(text for c in graded["cells"] for o in c.get("outputs", [])
                   if "private.txt" in (text := "".join(o.get("text", ""))))
    tried = json.loads(printed.strip().splitlines()[-1])
    for path in targets:  # read-only file system; or, under a hidden folder's empty cover, no such folder
        assert tried[path] in ("OSError 30", "FileNotFoundError 2"), (path, tried[path])
    assert [tried[p] for p in ("/tmp/private.txt", "private.txt")] == ["mine", "mine"]  # private, and gone
    assert tried[next(p for p in tried if p.endswith("/private.txt") and p.startswith("/tmp/home"))] == "mine"

    report = json.loads((out / "report.json").read_text())
    attack = next(s for s in report["submissions"] if s["student"] == "a_attacker")
    assert any(f["category"] == "writes" and f["cell"] and f["line"] == 5 for f in attack["flags"]), attack["flags"]
    assert any("sandbox refused a write" in n["message"] for n in attack["notes"]), attack["notes"]
    assert not [s for s in report["submissions"] if s["student"] != "a_attacker" and s["flags"]]
    header = (out / "report.md").read_text().split("## ")[0]
    for option in ("--process-limit", "--file-size-limit", "--disk-limit"):
        assert option in header
    assert "Sandbox: on (bubblewrap)" in header and "no network" in header


def test_a_changed_environment_is_reported_and_what_was_graded_after_it_is_graded_again(small_course, tmp_path):
    """Without the sandbox (--no-sandbox) a submission can change the course's library: here a
    copy's (the course of this test), so nothing real is touched.  The run names the submission,
    and it and everything graded after it are graded again on the next run."""
    from grading.course import Course
    from grading.demo import Assignment, write_notebook

    library = small_course / "nnlib"
    library.mkdir()
    (library / "checks.py").write_text("def expect_close(a, b):\n    return abs(a - b) < 1e-9\n")
    a = Assignment(Course(small_course), FIRST)
    submissions, out = tmp_path / "submissions", tmp_path / "graded"
    tamper = f"with open({str(library / 'checks.py')!r}, 'a') as handle:\n    handle.write('# changed')"
    write_notebook(a.insert_after(a.student(), a.exercises[0], tamper),
                   submissions / "a_tamper" / FIRST / f"{FIRST}.ipynb")
    write_notebook(a.student(), submissions / "b_full" / FIRST / f"{FIRST}.ipynb")

    first = autograde(small_course, submissions, out, "--no-sandbox")
    assert first.returncode == 0, first.stdout + first.stderr[-3000:]
    assert "CHANGED while a_tamper/01_linear_regression was graded" in first.stderr
    assert f"changed {library / 'checks.py'}" in first.stderr
    rows = scores_of(out)
    assert "graded after the environment changed (noticed after a_tamper" in rows["a_tamper"][2]
    assert "graded after the environment changed" in rows["b_full"][2]
    report = (out / "report.md").read_text()
    assert "WARNING: a kernel changed the course" in report and "**a_tamper/01_linear_regression**" in report

    (library / "checks.py").write_text("def expect_close(a, b):\n    return abs(a - b) < 1e-9\n")  # restored
    b_only = submissions / "a_tamper"
    shutil.rmtree(b_only)  # the tamperer is gone; b alone is graded again
    again = autograde(small_course, submissions, out, "--no-sandbox")
    assert "autograded 1 submission(s)" in again.stdout, again.stdout + again.stderr[-2000:]
    assert scores_of(out)["b_full"] == (a.total, "graded", "")


# ---------------------------------------------------------------------------------------------
# As an ordinary user


DRIVER = """import asyncio, os, socket, subprocess, sys, time
sys.path.insert(0, os.path.dirname(sys.argv[1]))
import sandbox
box = sandbox.KernelBox([sys.argv[2]], sandbox.Limits(processes=30, file_size_mb=1, disk_mb=4))
try:
    command = box.command([sys.executable, "-c", sys.argv[3], sys.argv[2], *sys.argv[4:]])
    result = subprocess.run(command, capture_output=True, text=True, preexec_fn=box.preexec, timeout=120)
    print(result.stdout + result.stderr)
    # The way the kernel is reached: a Unix socket it binds in its private /tmp, through /proc/<pid>/root.
    echo = "import socket; s = socket.socket(socket.AF_UNIX); s.bind('%s/echo'); s.listen(); c = s.accept()[0]; "
    echo = (echo + "c.sendall(c.recv(5))") % sandbox.IPC
    server = subprocess.Popen(box.command([sys.executable, "-c", echo]), preexec_fn=box.preexec)
    asyncio.run(box.started(server.pid))
    for _ in range(200):
        try:
            client = socket.socket(socket.AF_UNIX)
            client.connect(box.base + "/ipc/echo")
            break
        except OSError:
            time.sleep(0.05)
    client.sendall(b"hello")
    print("echo", client.recv(5).decode())
    server.wait(30)
finally:
    box.close()
"""

INSIDE = """import os, socket, sys, time
hidden, writable, grader, server = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
said = [str(os.listdir(hidden))]
try:
    open(os.path.join(writable, "x"), "w").close()
    said.append("wrote")
except OSError as error:
    said.append(str(error.errno))
""" + FORK_BOMB % 45 + """
said.append(str(len(children)))
try:
    with open("/tmp/big", "wb") as handle:
        handle.write(b"x" * 2**21)
except OSError as error:
    said.append(str(error.errno))
try:
    os.kill(grader, 0)
    said.append("reached")
except ProcessLookupError:
    said.append("absent")
try:
    socket.create_connection(("127.0.0.1", server), timeout=5)
    said.append("connected")
except OSError as error:
    said.append(type(error).__name__)
print(" ".join(said))
"""


def test_the_sandbox_holds_for_an_ordinary_user(tmp_path):
    """The other tests run as whoever runs pytest (root on the development machines, an ordinary
    user in CI).  As root, this one also runs the sandbox as the ordinary user ``nobody`` (no
    account is created): the Debian system Python runs this file's sandbox.py directly (the
    course's venv may lie where nobody cannot read, e.g. under /root).  It checks the limits, the
    read-only file system, the hidden folder, signals, the network, and the way the grader reaches
    a kernel (a Unix socket in the sandbox's private /tmp, through /proc/<pid>/root)."""
    if os.geteuid() != 0:
        pytest.skip("not root: every other test of this file already runs as this ordinary user")
    full_sandbox_or_skip()
    python, setpriv = "/usr/bin/python3", shutil.which("setpriv")
    if not (Path(python).exists() and setpriv):
        pytest.skip("needs /usr/bin/python3 and setpriv (util-linux) to run as the user nobody")
    folder = Path("/var/tmp") / f"grading-sandbox-test-{uuid.uuid4().hex[:8]}"
    (folder / "hidden").mkdir(parents=True)
    (folder / "hidden" / "answer.txt").write_text("42")
    (folder / "writable").mkdir()
    os.chown(folder / "writable", 65534, 65534)  # nobody may write here, outside the sandbox
    (folder / "driver.py").write_text(DRIVER)
    folder.chmod(0o755)
    try:
        with socket.socket() as server:
            server.bind(("127.0.0.1", 0))
            server.listen()
            result = subprocess.run(
                [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", python, str(folder / "driver.py"),
                 str(ROOT / "grading" / "sandbox.py"), str(folder / "hidden"), INSIDE, str(folder / "writable"),
                 str(os.getpid()), str(server.getsockname()[1])],
                capture_output=True, text=True, timeout=180, cwd="/")
        said = (result.stdout + result.stderr).strip()
        assert len(said.split()) == 8, said
        hidden, write, forks, big, grader, network, echo, hello = said.split()
        assert (echo, hello) == ("echo", "hello"), said
        assert (hidden, write, big, grader, network) == ("[]", "30", "27", "absent", "ConnectionRefusedError"), said
        assert 0 < int(forks) < 30, said
        assert not list((folder / "writable").iterdir())
    finally:
        shutil.rmtree(folder)


# ---------------------------------------------------------------------------------------------
# The integrity report


@pytest.mark.parametrize("code, flagged", [
    ("open('/work/course/nnlib/checks.py', 'w').write('x')", True),
    ("import pathlib\npathlib.Path.home().joinpath('.ipython/x.py').write_text('x')", True),
    ("import os\nos.remove('../../source/a.ipynb')", True),
    ("import shutil\nshutil.copy('evil.pth', site_packages)", True),
    ("import numpy as np\nnp.save('/tmp/x.npy', [1])", True),
    ("open(name, mode)", True),
    ("import os\nfd = os.open('/etc/x', os.O_WRONLY | os.O_CREAT)", True),
    ("from pathlib import Path\nPath('~/x').unlink()", True),
    ("open('results.txt', 'w').write('x')", False),
    ("import matplotlib.pyplot as plt\nplt.savefig('figure.png')", False),
    ("from pathlib import Path\nPath('data/x.csv').write_text('1,2')", False),
    ("text = open('/etc/hostname').read()", False),  # a read: the `files` flag's business
])
def test_the_integrity_report_flags_writes_outside_the_kernels_folder(code, flagged):
    from grading.integrity import _Scanner, flag_file_writes, known_module_names, to_python

    import ast

    scanner = _Scanner("n.ipynb", known_module_names(), set())
    tree = ast.parse(to_python(code))
    scanner.learn_imports(tree)
    flag_file_writes(scanner, "cell 3", code.splitlines(), tree)
    writes = [f for f in scanner.scan.flags if f.category == "writes"]
    assert bool(writes) == flagged, scanner.scan.flags
    if flagged:
        assert writes[0].line == len(code.splitlines()) and writes[0].code == code.splitlines()[-1].strip()


def test_sandbox_notes_name_each_refused_write_and_limit_by_cell(tmp_path):
    def error(name, value):
        return {"output_type": "error", "ename": name, "evalue": value, "traceback": []}
    notebook = {"cells": [
        {"cell_type": "code", "metadata": {}, "source": "", "outputs": [
            error("OSError", "[Errno 30] Read-only file system: '/course/nnlib/checks.py'")]},
        {"cell_type": "code", "metadata": {"nbgrader": {"grade_id": "fill"}}, "source": "", "outputs": [
            {"output_type": "stream", "name": "stdout", "text": "[Errno 28] No space left on device\n"},
            error("OSError", "[Errno 27] File too large")]},
        {"cell_type": "code", "metadata": {}, "source": "", "outputs": [
            error("BlockingIOError", "[Errno 11] Resource temporarily unavailable")]},
        {"cell_type": "code", "metadata": {}, "source": "", "outputs": [error("ValueError", "fine")]},
    ], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    path = tmp_path / "n.ipynb"
    path.write_text(json.dumps(notebook))
    notes = [(n.cell, n.message) for n in integrity.sandbox_notes(path)]
    assert notes == [("cell 1", "the sandbox refused a write (read-only file system)"),
                     ("fill", "hit the disk limit (its private /tmp or /dev/shm is full)"),
                     ("fill", "hit the file-size limit"),
                     ("cell 3", "hit the process limit (fork or thread refused)")]
