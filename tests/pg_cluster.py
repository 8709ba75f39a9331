"""A private, throw-away PostgreSQL server for the gradebook tests and benchmarks.

    with PostgresCluster.start() as cluster:
        url = cluster.create_database("gradebook")   # postgresql+psycopg://postgres@/gradebook?host=...

``start`` runs ``initdb`` into a fresh folder under the system's temporary directory
and ``pg_ctl start`` with a server that listens only on a unix socket inside that
folder (no TCP port, so it cannot collide with another server on the machine) and
trusts its local connections.  Leaving the ``with`` block (or ``stop()``) stops the
server immediately and deletes the folder, whatever happened inside.

PostgreSQL refuses to run as root, so as root the server's programs run as the
``postgres`` user (``runuser``) and the folder is handed to that user.  Only the
standard library is used here.  ``find_bin_dir`` looks for the server's programs on
PATH, then in Debian's ``/usr/lib/postgresql/<version>/bin``; ``PostgresUnavailable``
says what is missing when they cannot be found or the server does not start.
"""
from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

DRIVER = "postgresql+psycopg"  # SQLAlchemy's dialect for psycopg 3, pinned in requirements.txt
SERVER_USER = "postgres"
PROGRAMS = ("initdb", "pg_ctl", "postgres", "createdb")


class PostgresUnavailable(RuntimeError):
    """The PostgreSQL server programs are missing, or the server could not be started."""


def find_bin_dir() -> Path | None:
    """The folder holding initdb, pg_ctl, postgres and createdb, or None when there is none."""
    on_path = shutil.which("initdb")
    candidates = [Path(on_path).resolve().parent] if on_path else []
    version = lambda folder: int(folder.parent.name) if folder.parent.name.isdigit() else 0  # noqa: E731
    candidates += sorted((Path(p) for p in glob.glob("/usr/lib/postgresql/*/bin")), key=version, reverse=True)
    for folder in candidates:
        if all((folder / program).is_file() for program in PROGRAMS):
            return folder
    return None


class PostgresCluster:
    """One running throw-away server; see the module docstring."""

    def __init__(self, bin_dir: Path, folder: Path, port: int):
        self.bin_dir, self.folder, self.port = bin_dir, folder, port
        self.data = folder / "data"
        self.log = folder / "server.log"
        self.running = False

    # -- life cycle -----------------------------------------------------------------------------

    @classmethod
    def start(cls, port: int = 5432, settings: dict[str, str] | None = None) -> "PostgresCluster":
        """initdb and start a new server; ``settings`` are extra ``postgres -c name=value`` options."""
        bin_dir = find_bin_dir()
        if bin_dir is None:
            raise PostgresUnavailable("no PostgreSQL server programs (initdb, pg_ctl) on PATH or in "
                                      "/usr/lib/postgresql/*/bin: install Debian's 'postgresql' package")
        folder = Path(tempfile.mkdtemp(prefix="pg-cluster-"))
        cluster = cls(bin_dir, folder, port)
        try:
            cluster._hand_to_server_user()
            cluster._server("initdb", "--pgdata", cluster.data, "--username", SERVER_USER, "--auth", "trust",
                            "--encoding", "UTF8", "--no-sync", "--no-instructions")
            options = {"listen_addresses": "''", "unix_socket_directories": f"'{folder}'", "port": str(port),
                       **(settings or {})}
            cluster._server("pg_ctl", "--pgdata", cluster.data, "--log", cluster.log, "--wait", "--timeout", "60",
                            "-o", " ".join(f"-c {name}={value}" for name, value in options.items()), "start")
            cluster.running = True
        except BaseException:
            cluster.stop()
            raise
        return cluster

    def stop(self) -> None:
        """Stop the server at once (if it runs) and delete its folder."""
        try:
            if self.running or (self.data / "postmaster.pid").exists():
                self._server("pg_ctl", "--pgdata", self.data, "--mode", "immediate", "--wait", "stop")
        except PostgresUnavailable:
            pass  # a server that did not stop cleanly still leaves nothing we need; delete the folder anyway
        finally:
            self.running = False
            shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> "PostgresCluster":
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    # -- databases ------------------------------------------------------------------------------

    def url(self, database: str, driver: str = DRIVER) -> str:
        """The SQLAlchemy URL of ``database`` on this server (over its unix socket)."""
        return f"{driver}://{SERVER_USER}@/{database}?host={self.folder}&port={self.port}"

    def create_database(self, database: str) -> str:
        """Create an empty database and return its SQLAlchemy URL."""
        self._client("createdb", "--host", self.folder, "--port", self.port, "--username", SERVER_USER, database)
        return self.url(database)

    def server_log(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    # -- running the programs -------------------------------------------------------------------

    def _as_server_user(self) -> bool:
        return os.name == "posix" and os.geteuid() == 0

    def _hand_to_server_user(self) -> None:
        if self._as_server_user():
            shutil.chown(self.folder, user=SERVER_USER, group=None)

    def _server(self, program: str, *args) -> None:
        """Run one of the server's programs, as the postgres user when we are root."""
        prefix = ["runuser", "-u", SERVER_USER, "--"] if self._as_server_user() else []
        self._run([*prefix, self.bin_dir / program, *args])

    def _client(self, program: str, *args) -> None:
        self._run([self.bin_dir / program, *args])

    def _run(self, command: list) -> None:
        result = subprocess.run([str(part) for part in command], capture_output=True, text=True, timeout=120,
                                stdin=subprocess.DEVNULL)
        if result.returncode != 0:
            shown = " ".join(map(str, command))
            raise PostgresUnavailable(f"{shown} failed ({result.returncode}):\n{result.stdout}"
                                      f"{result.stderr}{self.server_log()[-2000:]}")
