"""Grade on a Dask distributed cluster: ``run_cluster`` is ``run_pool`` with the workers elsewhere.

``python -m grading autograde SUBMISSIONS --cluster tcp://HOST:8786`` sends each submission to
the workers of a running Dask cluster (https://distributed.dask.org) instead of the local pool.
A worker needs the course environment only (this Python with nbgrader, nnlib and this
package); it shares no folder and no database with the instructor's machine:

    parent (run_cluster)                           Dask worker (GradingPlugin)
    the task: student, assignment,        ---->    a private nbgrader course in a temporary
      submitted/<student>/<assignment>/*,          folder, with its own SQLite gradebook; a
      source/<assignment>/* (its digest)           grader process (``_child_main``) registers
                                                   the assignment once (generate_assignment)
                                                   and autogrades with grading/worker.py's
                                                   make_api and grade, as the local pool does
    writes autograded/ and feedback/,     <----    the result, the autograded and feedback
      and the scores into THE gradebook            folders, the scores and comments of every
                                                   cell, the grader's log of this task

Gradebook: the workers grade into their private gradebooks and the parent alone writes the
class gradebook (``record_scores``), exactly the columns nbgrader's autograde writes
(SaveAutoGrades, AssignLatePenalties, the submission's timestamp).  So the gradebook may be
SQLite or PostgreSQL, the workers need no route to it, and a submission graded twice (its
worker died after grading it, Dask ran it again elsewhere) is written once: the parent takes
one result per task, and writing the same result again overwrites the same rows.

The guarantees of the local pool hold on a worker: each Dask worker thread grades in a grader
process of its own, which the thread kills, with the kernel it started, when a notebook
overruns ``notebook_timeout`` (the result says timeout; a new grader takes the next task); the
memory limit and the sandbox come from ``settings`` through make_api, as locally, with the
private folder (and the parent's hidden paths, and this machine's solutions) hidden from the
kernel; a failed submission fails its task only.  A Dask worker that dies mid-run (its grader
and kernel die with it) has its tasks run again on another worker by the scheduler, up to
``distributed.scheduler.allowed-failures`` times (default 3); a task that kills that many
workers becomes a failed result, and the run goes on.
"""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

REGISTER_TIMEOUT = 300.0  # seconds for a grader to start and register an assignment (nbgrader's generate)
LOG_TAIL = 200_000        # characters of a grader's log sent back with each task


# ---------------------------------------------------------------------------------------------
# Folders as bytes: what travels with a task


def pack(folder: Path) -> dict:
    """{relative posix path: bytes} of every file under ``folder`` ({} when it does not exist)."""
    folder = Path(folder)
    if not folder.is_dir():
        return {}
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def unpack(files: dict, folder: Path) -> None:
    """Make ``folder`` hold exactly ``files`` (as ``pack`` returned them)."""
    folder = Path(folder)
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    for name, data in files.items():
        target = (folder / name).resolve()
        if folder.resolve() not in target.parents:
            raise ValueError(f"refusing to write {name!r} outside {folder}")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def digest(files: dict) -> str:
    """A sha256 over a packed folder's names and bytes."""
    total = hashlib.sha256()
    for name in sorted(files):
        total.update(name.encode() + b"\0" + hashlib.sha256(files[name]).digest())
    return total.hexdigest()


# ---------------------------------------------------------------------------------------------
# The gradebook, written by the parent only


def read_scores(gradebook, assignment: str, student: str) -> dict:
    """What nbgrader's autograde wrote for one submission: its timestamp, and per notebook its late
    penalty, the auto score of each graded cell and the auto comment of each solution/task cell."""
    submission = gradebook.find_submission(assignment, student)
    return {"timestamp": submission.timestamp,
            "notebooks": {nb.name: {"late_submission_penalty": nb.late_submission_penalty,
                                    "grades": {g.name: g.auto_score for g in nb.grades},
                                    "comments": {c.name: c.auto_comment for c in nb.comments}}
                          for nb in submission.notebooks}}


def record_scores(db_url: str, course_id: str, student: str, assignment: str, scores: dict) -> None:
    """Write ``read_scores``'s record into the class gradebook as nbgrader's SaveAutoGrades would have:
    an instructor's manual score stays, and marks the cell for review, as does a missing auto score.
    Writing the same record twice leaves the same rows."""
    import warnings

    from nbgrader.api import Gradebook

    with Gradebook(db_url, course_id) as gb, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # nbgrader's add_submission trips an SQLAlchemy autoflush warning
        gb.update_or_create_student(student)
        extra = {"timestamp": scores["timestamp"]} if scores["timestamp"] is not None else {}
        submission = gb.update_or_create_submission(assignment, student, **extra)
        for notebook in submission.notebooks:
            mine = scores["notebooks"].get(notebook.name)
            if mine is None:
                raise ValueError(f"the worker graded no notebook {notebook.name} of {assignment} for {student}; "
                                 f"it graded {sorted(scores['notebooks'])} (is its course the same?)")
            notebook.late_submission_penalty = mine["late_submission_penalty"]
            for grade in notebook.grades:
                grade.auto_score = mine["grades"][grade.name]
                grade.needs_manual_grade = grade.manual_score is not None or grade.auto_score is None
            for comment in notebook.comments:
                comment.auto_comment = mine["comments"][comment.name]
        gb.db.commit()


# ---------------------------------------------------------------------------------------------
# The grader process on a worker


def _die_with_parent() -> None:
    """Linux: be killed when the Dask worker that started us dies (our kernel dies with us)."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _child_main(connection, log_path: str) -> None:
    """The grader: receives its settings, then registers assignments and grades submissions until None."""
    from .worker import grade, make_api

    log = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.environ.setdefault("MPLBACKEND", "Agg")
    settings = connection.recv()
    api = make_api(settings)
    root = Path(settings["work_root"])
    connection.send({"ready": os.getpid()})
    while (job := connection.recv()) is not None:
        if "register" in job:
            name = job["register"]
            unpack(job["files"], root / "source" / name)
            outcome = api.generate_assignment(name, force=True)
            connection.send({"registered": outcome["success"], "error": outcome.get("error") or ""})
            continue
        task = job["task"]
        student, assignment = task["student"], task["assignment"]
        for part in ("submitted", "autograded", "feedback"):
            shutil.rmtree(root / part / student / assignment, ignore_errors=True)
        unpack(job["submission"], root / "submitted" / student / assignment)
        result = grade(api, task, settings)
        scores = None
        if result["success"]:
            from nbgrader.api import Gradebook

            with Gradebook(settings["db_url"], settings["course_id"]) as gb:
                scores = read_scores(gb, assignment, student)
        connection.send({"result": result, "scores": scores,
                         "autograded": pack(root / "autograded" / student / assignment),
                         "feedback": pack(root / "feedback" / student / assignment)})


class _Overran(Exception):
    pass


class _Died(Exception):
    pass


class _Grader:
    """One grader process, started with ``python -m grading.cluster``, and the pipe to it."""

    def __init__(self, settings: dict, log_path: Path):
        import socket
        from multiprocessing.connection import Connection

        mine, theirs = socket.socketpair()
        package_parent = str(Path(__file__).resolve().parent.parent)
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [package_parent,
                                                                          os.environ.get("PYTHONPATH")])))
        self.process = subprocess.Popen([sys.executable, "-m", "grading.cluster", str(theirs.fileno()),
                                         str(log_path)], pass_fds=[theirs.fileno()], stdin=subprocess.DEVNULL,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        theirs.close()
        self.connection = Connection(mine.detach())
        self.log_path = Path(log_path)
        self.assignments = {}  # assignment -> digest of the source it registered
        self.connection.send(settings)
        self.call(None, REGISTER_TIMEOUT)

    def call(self, message, timeout: float):
        """Send ``message`` (None: only wait) and return the reply, or raise _Overran / _Died."""
        try:
            if message is not None:
                self.connection.send(message)
            if not self.connection.poll(timeout):
                raise _Overran()
            return self.connection.recv()
        except (EOFError, OSError) as error:
            raise _Died() from error

    def log_size(self) -> int:
        return self.log_path.stat().st_size if self.log_path.exists() else 0

    def log_since(self, offset: int) -> str:
        with open(self.log_path, "rb") as handle:
            handle.seek(offset)
            return handle.read()[-LOG_TAIL:].decode("utf-8", "replace")

    def kill(self) -> None:
        """Kill the grader and everything it started (kernels live in sessions of their own)."""
        import psutil

        try:
            family = psutil.Process(self.process.pid).children(recursive=True)
        except psutil.Error:
            family = []
        for process in [self.process] + family:
            try:
                process.kill()
            except (psutil.Error, OSError):
                pass
        self.process.wait(10)
        self.connection.close()

    def stop(self) -> None:
        try:
            self.connection.send(None)
            self.process.wait(10)
        except (OSError, subprocess.TimeoutExpired):
            self.kill()


def _kernel_hidden(settings: dict, folder: Path) -> list:
    """What a kernel on this worker must not see, when the parent's run hides anything: the private
    course folder, the parent's hidden paths that exist here, this machine's solutions and git."""
    if not settings.get("hidden_paths"):
        return []
    paths = [str(folder)] + [p for p in settings["hidden_paths"] if os.path.exists(p)]
    try:
        from .course import Course

        course = Course()
        paths += [str(p) for p in (course.source_dir, course.root / ".git") if p.exists()]
    except FileNotFoundError:
        pass  # a worker with the package installed and no course checkout
    return list(dict.fromkeys(paths))


try:
    from distributed import WorkerPlugin
except ImportError:  # the local pool needs no Dask
    WorkerPlugin = object


class GradingPlugin(WorkerPlugin):
    """Registered on every worker of the cluster for one run: the grader processes of that worker
    (one per busy thread, kept between tasks) and their private course folders."""

    def __init__(self, settings: dict, notebook_timeout: float):
        self.settings = settings
        self.notebook_timeout = notebook_timeout

    def setup(self, worker):
        import queue
        import threading

        from .sandbox import probe

        self.name = str(getattr(worker, "name", "worker"))
        self.sandbox = probe() if self.settings.get("hidden_paths") else ("off", "")
        self.folder = Path(tempfile.mkdtemp(prefix="grading-dask-"))
        self.idle = queue.SimpleQueue()
        self.lock = threading.Lock()
        self.started = 0

    def teardown(self, worker):
        while not self.idle.empty():
            self.idle.get().stop()
        shutil.rmtree(self.folder, ignore_errors=True)

    def _grader(self) -> _Grader:
        if not self.idle.empty():
            return self.idle.get()
        with self.lock:
            self.started += 1
            folder = self.folder / f"grader-{self.started}"
        folder.mkdir()
        db_url = f"sqlite:///{folder / 'gradebook.db'}?timeout=60"
        settings = dict(self.settings, work_root=str(folder), db_url=db_url,
                        hidden_paths=_kernel_hidden(self.settings, folder))
        return _Grader(settings, self.folder / f"grader-{self.started}.log")

    def grade(self, job: dict) -> dict:
        """Grade one job (see run_cluster) with an idle grader; never raises for the submission's sake."""
        task = job["task"]
        reply = {"result": None, "scores": None, "autograded": {}, "feedback": {}, "log": "", "worker": self.name,
                 "sandbox": self.sandbox, "setup_seconds": 0.0}  # setup: starting a grader, registering
        started = time.monotonic()
        grader = self._grader()
        offset = grader.log_size()
        broken = False  # a grader that overran or died is replaced
        try:
            name = task["assignment"]
            if grader.assignments.get(name) != job["source_digest"]:
                answer = grader.call({"register": name, "files": job["source"]}, REGISTER_TIMEOUT)
                if not answer["registered"]:
                    raise RuntimeError(f"nbgrader could not register {name} on worker {self.name}: "
                                       f"{answer['error'][-500:]}")
                grader.assignments[name] = job["source_digest"]
            reply["setup_seconds"] = time.monotonic() - started
            started = time.monotonic()
            reply.update(grader.call({"task": task, "submission": job["submission"]}, self.notebook_timeout))
        except _Overran:
            broken = True
            reply["result"] = dict(task, success=False, seconds=time.monotonic() - started,
                                   reason=f"timeout: grading took longer than the per-notebook limit "
                                          f"({self.notebook_timeout:g} s); stopped")
        except _Died:
            broken = True
            reply["result"] = dict(task, success=False, seconds=time.monotonic() - started,
                                   reason="the grading process died (the submission crashed it)")
        finally:
            if broken:
                grader.kill()
            else:
                self.idle.put(grader)
            reply["log"] = grader.log_since(offset) if grader.log_path.exists() else ""
        return reply


def grade_on_worker(job: dict, plugin_name: str) -> dict:
    """The Dask task: grade ``job`` with this worker's GradingPlugin of this run."""
    from distributed import get_worker

    return get_worker().plugins[plugin_name].grade(job)


# ---------------------------------------------------------------------------------------------
# The parent


def run_cluster(tasks, settings, address, notebook_timeout, log_dir, progress=True):
    """Grade ``tasks`` on the Dask cluster at ``address``; yield one result dict per task, in completion
    order, as run_pool does; write each one's autograded and feedback folders and scores first."""
    from distributed import Client, KilledWorker, as_completed
    from .pool import Progress

    root, log_dir = Path(settings["work_root"]), Path(log_dir)
    sources = {a: pack(root / "source" / a) for a in sorted({t["assignment"] for t in tasks})}
    digests = {a: digest(files) for a, files in sources.items()}
    run_id = uuid.uuid4().hex[:10]
    plugin_name = f"grading-{run_id}"
    try:
        client = Client(address, set_as_default=False, timeout="30s")
    except OSError as error:
        raise ConnectionError(f"no Dask scheduler answered at {address!r} (expected e.g. tcp://host:8786, "
                              f"where `dask scheduler` runs): {error}") from error
    futures = {}
    weaker = _WeakerSandbox(settings)
    bar = Progress(len(tasks), progress)
    try:
        client.register_plugin(GradingPlugin(settings, notebook_timeout), name=plugin_name)
        for task in tasks:
            student, assignment = task["student"], task["assignment"]
            job = {"task": dict(task), "source": sources[assignment], "source_digest": digests[assignment],
                   "submission": pack(root / "submitted" / student / assignment)}
            future = client.submit(grade_on_worker, job, plugin_name, pure=False,
                                   key=f"grade-{student}-{assignment}-{run_id}")
            futures[future] = task
        for future in as_completed(futures, loop=client.loop):
            task = futures[future]
            try:
                reply = future.result()
                weaker.check(reply)
                result = _receive(reply, settings, log_dir)
            except KilledWorker:
                result = dict(task, success=False, seconds=0.0,
                              reason="the Dask workers grading it died, again and again "
                                     "(distributed.scheduler.allowed-failures); stopped")
            except Exception as error:  # a bug of ours on a worker must not stop the batch
                result = dict(task, success=False, seconds=0.0,
                              reason=f"grading error on the cluster: {type(error).__name__}: {error}"[:400])
            future.release()
            yield bar.done(result)
    finally:
        bar.close()
        client.cancel(list(futures))
        try:
            client.unregister_worker_plugin(plugin_name)
        except Exception:  # a worker already gone; its plugin went with it
            pass
        client.close()


class _WeakerSandbox:
    """Warns once per worker whose kernels are less sandboxed than this machine's would be
    (grading/sandbox.py's probe on each side: a worker without bubblewrap only hides files)."""

    RANK = {"off": 0, "hide-only": 1, "full": 2}

    def __init__(self, settings: dict):
        from .sandbox import probe

        self.here = probe()[0] if settings.get("hidden_paths") else "off"
        self.warned = set()

    def check(self, reply: dict) -> None:
        mode, why = reply["sandbox"]
        if self.RANK[mode] < self.RANK[self.here] and reply["worker"] not in self.warned:
            self.warned.add(reply["worker"])
            print(f"warning: worker {reply['worker']} grades with the sandbox {mode} ({why}), this machine "
                  f"would use {self.here}; the report's Sandbox line describes this machine", file=sys.stderr)


def _receive(reply: dict, settings: dict, log_dir: Path) -> dict:
    """Write a worker's reply into the work folder and the gradebook; return its result."""
    result = reply["result"]
    root = Path(settings["work_root"])
    student, assignment = result["student"], result["assignment"]
    log_dir.mkdir(parents=True, exist_ok=True)
    worker = re.sub(r"[^\w.-]+", "_", reply["worker"])
    with open(log_dir / f"cluster-{worker}.log", "a", encoding="utf-8") as log:
        log.write(f"--- {student} / {assignment}\n{reply['log']}\n")
    for part in ("autograded", "feedback"):
        shutil.rmtree(root / part / student / assignment, ignore_errors=True)
        if reply[part]:
            unpack(reply[part], root / part / student / assignment)
    if reply["scores"] is not None:
        record_scores(settings["db_url"], settings["course_id"], student, assignment, reply["scores"])
    return result


if __name__ == "__main__":  # a grader process, started by _Grader
    from multiprocessing.connection import Connection

    _die_with_parent()
    _child_main(Connection(int(sys.argv[1])), sys.argv[2])
