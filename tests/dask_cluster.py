"""A Dask cluster on loopback for the cluster test and benchmark: the real ``dask scheduler`` and
``dask worker`` programs of this environment, as processes of their own.

    with LocalCluster(folder, workers=2) as cluster:
        ... run_cluster(tasks, settings, cluster.address, ...) ...

Each worker has one thread (one submission at a time) and its own session, so ``kill`` can
take it down as a machine dies: nanny, worker, grader processes and kernels at once.  The
scheduler's ``allowed-failures`` (how many worker deaths a task survives) is set through
Dask's environment configuration.  Logs go to ``folder/<name>.log``.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

DASK = Path(sys.executable).parent / "dask"


class LocalCluster:
    """A scheduler and ``workers`` workers (one thread each), each a process of its own, on 127.0.0.1."""

    def __init__(self, folder: Path, workers: int = 2, allowed_failures: int = 3):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.env = dict(os.environ, DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES=str(allowed_failures))
        self.logs, self.client = [], None
        scheduler_file = self.folder / "scheduler.json"
        self.scheduler = self._start("scheduler", [DASK, "scheduler", "--host", "127.0.0.1", "--port", "0",
                                                   "--no-dashboard", "--scheduler-file", scheduler_file])
        self.workers = {}
        for number in range(workers):
            self.start_worker(f"w{number + 1}")
        from distributed import Client

        try:
            deadline = time.monotonic() + 120
            while not scheduler_file.exists() and time.monotonic() < deadline:
                time.sleep(0.2)
            self.client = Client(scheduler_file=str(scheduler_file), timeout="60s", set_as_default=False)
            self.client.wait_for_workers(workers, timeout=120)
        except Exception:
            self.close()
            raise
        self.address = self.client.scheduler.address

    def _start(self, name, command):
        log = open(self.folder / f"{name}.log", "w")
        self.logs.append(log)
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
        try:
            if self.client is not None:
                self.client.close()
            for name in list(self.workers):
                self.kill(name)
        finally:
            self.scheduler.terminate()
            self.scheduler.wait(30)
            for log in self.logs:
                log.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
