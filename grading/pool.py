"""The local grading engine: a pool of worker processes on this machine (grading/worker.py).

``run_pool(tasks, settings, workers, notebook_timeout, log_dir, progress)`` grades the tasks
(``{"student", "assignment"}`` dicts) and yields one result dict per task, in completion order:
the task's keys plus ``success``, ``reason`` and ``seconds``.  A worker that overruns the
per-notebook limit, or dies, is killed with everything it started and replaced; its task's result
says why.  grading/cluster.py's ``run_cluster`` keeps the same contract on a Dask cluster.
"""
from __future__ import annotations

import multiprocessing
import sys
import time
from collections import deque

from .worker import worker_main


class _Worker:
    def __init__(self, context, settings, log_path):
        self.connection, child = context.Pipe()
        self.process = context.Process(target=worker_main, args=(child, settings, str(log_path)), daemon=True)
        self.process.start()
        child.close()
        self.ready = False
        self.task = None
        self.started = 0.0

    def send(self, task):
        self.connection.send(task)
        self.task, self.started = task, time.monotonic()

    def kill(self):
        """Kill the worker and everything it started (kernels live in sessions of their own)."""
        try:
            import psutil

            family = psutil.Process(self.process.pid).children(recursive=True)
        except Exception:
            family = []
        for process in family:
            try:
                process.kill()
            except Exception:
                pass
        self.process.kill()
        self.process.join(5)

    def stop(self):
        try:
            self.connection.send(None)
        except (BrokenPipeError, OSError):
            pass
        self.process.join(10)
        if self.process.is_alive():
            self.kill()


def _process_context():
    """Workers are forked where that is safe (Linux): they inherit the imported nbgrader, nbconvert and
    nbclient and are ready in a fraction of a second instead of the ~3 s a fresh interpreter needs to
    import them.  Elsewhere (macOS, Windows) they are spawned."""
    if sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods():
        import nbconvert.exporters.html  # noqa: F401  (imported once here, shared by every fork)
        import nbgrader.apps  # noqa: F401
        import nbgrader.converters  # noqa: F401

        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


class Progress:
    """The progress bar of a grading run (tqdm): submissions done, and how many of them failed."""

    def __init__(self, total: int, enabled: bool = True):
        from tqdm import tqdm

        tqdm.monitor_interval = 0  # no monitor thread: replacement workers are forked from this process
        self.bar = tqdm(total=total, unit="notebook", desc="autograding", disable=not enabled, dynamic_ncols=True)
        self.failures = 0

    def done(self, result: dict) -> dict:
        """Count one finished submission; return its result unchanged."""
        self.failures += not result["success"]
        self.bar.update(1)
        self.bar.set_postfix(failed=self.failures, refresh=False)
        return result

    def close(self):
        self.bar.close()


def run_pool(tasks, settings, workers, notebook_timeout, log_dir, progress=True):
    """Grade ``tasks`` with ``workers`` processes; yield one result dict per task, in completion order."""
    from multiprocessing.connection import wait

    context = _process_context()
    pending = deque(tasks)
    pool = [_Worker(context, settings, log_dir / f"worker-{i + 1}.log") for i in range(min(workers, len(tasks)))]
    bar = Progress(len(tasks), progress)
    try:
        while pending or any(w.task for w in pool):
            for index, worker in enumerate(pool):
                if worker.ready and worker.task is None and pending:
                    worker.send(pending.popleft())
            waitables = [w.connection for w in pool] + [w.process.sentinel for w in pool]
            wait(waitables, timeout=0.5)
            now = time.monotonic()
            for index, worker in enumerate(pool):
                result = None
                replace = False
                try:
                    if worker.connection.poll():
                        message = worker.connection.recv()
                        if "ready" in message:
                            worker.ready = True
                            continue
                        result = message
                except (EOFError, OSError):
                    pass
                if result is None and worker.task is not None:
                    if not worker.process.is_alive():
                        result = dict(worker.task, success=False, seconds=now - worker.started,
                                      reason="the grading process died (the submission crashed it)")
                        replace = True
                    elif now - worker.started > notebook_timeout:
                        worker.kill()
                        result = dict(worker.task, success=False, seconds=now - worker.started,
                                      reason=f"timeout: grading took longer than the per-notebook limit "
                                             f"({notebook_timeout:g} s); stopped")
                        replace = True
                elif result is None and not worker.process.is_alive():
                    replace = True  # died while starting up
                if replace:
                    worker.kill()
                    pool[index] = _Worker(context, settings, log_dir / f"worker-{index + 1}.log")
                if result is not None:
                    worker.task = None
                    yield bar.done(result)
    finally:
        bar.close()
        for worker in pool:
            if worker.task is not None:
                worker.kill()
            else:
                worker.stop()
