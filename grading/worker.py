"""Worker processes: each one autogrades submissions with nbgrader's Python API, one at a time.

The parent keeps ``workers`` of these alive and hands each one (student,
assignment) at a time.  A worker imports nbgrader once and reuses its
``NbGraderAPI`` for every task, so the per-submission cost is nbgrader's own
work plus one kernel start.  A worker that overruns the per-notebook time limit
is killed together with everything it started (its kernel included) and
replaced; the parent records the submission as timed out.

Workers write to the gradebook through nbgrader itself.  Safe concurrent use of
one SQLite file rests on three facts (see grading/README.md, "Databases"):
the parent creates the assignments and students before any worker starts, so
workers only ever write rows of their own submission; each nbgrader write is a
short transaction taken after the notebook has run; and the SQLite URL carries
``?timeout=`` so a writer waits for the lock instead of failing after 5 s.
"""
from __future__ import annotations

import os
import time
import traceback

# Phrases in nbgrader's log, and what they mean for the student.
_FAILURES = (
    ("CellTimeoutError", "timeout: a cell did not stop when interrupted after the per-cell time limit "
                         "({cell_timeout} s); the loop probably ignores KeyboardInterrupt"),
    ("Timeout waiting for IOPub", "timeout: a cell did not stop when interrupted after the per-cell time "
                                  "limit ({cell_timeout} s)"),
    ("UnresponsiveKernelError", "timeout: the kernel became unresponsive"),
    ("DeadKernelError", "kernel died: {kernel_died}"),
    ("Kernel died", "kernel died: {kernel_died}"),
    ("NotJSONError", "not a valid notebook: the file is not notebook JSON"),
    ("MemoryError", "out of memory in nbgrader itself (the notebook's outputs are too large)"),
)


def explain_failure(text: str, settings: dict) -> str:
    """A one-line reason, for the grades CSV, from nbgrader's log and traceback of a failed autograde."""
    from .limits import kernel_died

    for phrase, reason in _FAILURES:
        if phrase in text:
            return reason.format(kernel_died=kernel_died(settings["memory_limit_mb"]), **settings)
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("[ERROR]") and "Please see" not in line]
    last = errors[-1] if errors else (lines[-1] if lines else "no details")
    return f"nbgrader could not autograde it: {last[:300]}"


def make_api(settings: dict):
    """An NbGraderAPI for the work folder, with this run's limits."""
    from .course import ensure_tools_on_path, nbgrader_config, quiet_nbgrader_logs

    from .sandbox import Limits

    ensure_tools_on_path()
    quiet_nbgrader_logs()
    from nbgrader.apps import NbGraderAPI

    config = nbgrader_config(settings["work_root"], db_url=settings["db_url"], course_id=settings["course_id"])
    config.Execute.timeout = settings["cell_timeout"]
    config.LimitedKernelManager.memory_limit_mb = settings["memory_limit_mb"]
    config.LimitedKernelManager.hidden_paths = settings.get("hidden_paths", [])
    limits = Limits(**settings.get("limits", {}))
    config.LimitedKernelManager.process_limit = limits.processes
    config.LimitedKernelManager.file_size_limit_mb = limits.file_size_mb
    config.LimitedKernelManager.disk_limit_mb = limits.disk_mb
    return NbGraderAPI(config=config)


def grade(api, task: dict, settings: dict) -> dict:
    """Autograde one (student, assignment) with nbgrader, then write its feedback with nbgrader; never
    raises.  The parent finishes the pages (grading/feedback.py's ``finish``) when the result arrives."""
    student, assignment = task["student"], task["assignment"]
    result = dict(task, success=False, reason="", seconds=0.0)
    start = time.perf_counter()
    try:
        outcome = api.autograde(assignment, student, force=True, create=True)
        result["seconds"] = time.perf_counter() - start
        if not outcome["success"]:
            result["reason"] = explain_failure((outcome.get("log") or "") + "\n" + (outcome.get("error") or ""),
                                               settings)
            return result
        feedback = api.generate_feedback(assignment, student, force=True)
        result["success"] = True
        if not feedback["success"]:
            result["reason"] = "graded, but nbgrader could not write the feedback: " + \
                explain_failure(feedback.get("log") or "", settings)
    except Exception:  # a bug of ours or nbgrader's must not stop the batch
        result["seconds"] = time.perf_counter() - start
        result["reason"] = "grading error: " + traceback.format_exc().strip().splitlines()[-1]
    return result


def worker_main(connection, settings: dict, log_path: str) -> None:
    """Entry point of a worker process: grade the tasks received on ``connection`` until None."""
    log = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(log, 1)  # nbgrader, the kernels and warnings write here, not to the instructor's terminal
    os.dup2(log, 2)
    os.environ.setdefault("MPLBACKEND", "Agg")
    api = make_api(settings)
    connection.send({"ready": os.getpid()})
    while True:
        try:
            task = connection.recv()
        except EOFError:
            break
        if task is None:
            break
        connection.send(grade(api, task, settings))
