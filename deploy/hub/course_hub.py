"""Prepare a machine for the course hub, then start it: what ``python3 course.py hub`` runs (as root).

    .venv/bin/python deploy/hub/course_hub.py --roster roster.csv [--state /srv/nn-course] [--db URL]

The roster is a CSV file with the columns ``username,role`` (role ``student`` or ``instructor``).
Preparing (``prepare``) is idempotent; it creates

* a Unix user per roster line that has none (home folder 0700: nobody else reads a student's
  work), with a random first password written to ``STATE/hub/new_passwords.csv`` (root only) for
  JupyterHub's PAM login; students change it with ``passwd`` in a JupyterLab terminal;
* nbgrader's exchange ``STATE/exchange`` (mode 1777, as nbgrader's default exchange wants; the
  permissions nbgrader gives ``inbound/`` keep one student's submission from the others);
* ``STATE/jupyter/{student,instructor}``: the Jupyter configuration the hub hands each server
  (deploy/hub/nbgrader_config.py, and the student's JupyterLab without the instructor's tools);
* for each instructor, a copy of the course (solutions, notebooks, grading) in ``~/COURSE_FOLDER``,
  owned by the instructor; nbgrader's course directory, the formgrader's too;
* ``STATE/hub/settings.json``: what deploy/hub/jupyterhub_config.py reads.

The gradebook is PostgreSQL: ``--db URL``, or else a database ``nn_gradebook`` on Debian's own
PostgreSQL cluster, owned by the first instructor's role, reached over the local socket with peer
authentication (the instructor's Unix user is the database role; students have none).
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import pwd
import re
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
COURSE_FOLDER = "nn-from-scratch"
COURSE_PARTS = ("solutions", "notebooks", "grading", "nbgrader_config.py")
ROLES = ("student", "instructor")
USER_NAME = re.compile(r"[a-z_][a-z0-9_-]{0,31}")  # Debian's adduser NAME_REGEX, at most 32 characters
PROXY = HERE / "node_modules" / ".bin" / "configurable-http-proxy"
DEBIAN_SOCKET = "/var/run/postgresql"


def read_roster(path: Path) -> dict[str, list[str]]:
    """{"student": [...], "instructor": [...]} from a ``username,role`` CSV file."""
    roster: dict[str, list[str]] = {role: [] for role in ROLES}
    with open(path, newline="") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            name, role = (row.get("username") or "").strip(), (row.get("role") or "").strip()
            if role not in ROLES or not USER_NAME.fullmatch(name):
                raise ValueError(f"{path}, line {line}: expected 'username,role' with a Unix user name "
                                 f"({USER_NAME.pattern}) and a role in {ROLES}, got {name!r},{role!r}")
            roster[role].append(name)
    if not roster["instructor"]:
        raise ValueError(f"{path}: the roster names no instructor")
    return roster


def user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


def create_users(names: list[str]) -> dict[str, str]:
    """A Unix user with a private home for each missing name; returns {name: first password}."""
    passwords = {}
    for name in names:
        if user_exists(name):
            continue
        subprocess.run(["useradd", "--create-home", "--user-group", "--shell", "/bin/bash", name], check=True)
        passwords[name] = secrets.token_urlsafe(12)
        subprocess.run(["chpasswd"], input=f"{name}:{passwords[name]}\n", text=True, check=True)
        os.chmod(pwd.getpwnam(name).pw_dir, 0o700)
    return passwords


def remove_users(names: list[str]) -> None:
    """Delete these Unix users, their homes and their files in /tmp (the test's clean-up)."""
    for name in names:
        if user_exists(name):
            subprocess.run(["pkill", "-KILL", "-u", name], check=False)
            subprocess.run(["userdel", "--remove", name], check=False, capture_output=True)


def chown_tree(path: Path, user: str) -> None:
    entry = pwd.getpwnam(user)
    for folder, dirs, files in os.walk(path):
        for name in [folder, *(os.path.join(folder, n) for n in dirs + files)]:
            os.lchown(name, entry.pw_uid, entry.pw_gid)


def copy_course(instructor: str) -> Path:
    """The instructor's own copy of the course (kept when it exists: it holds their grading)."""
    course = Path(pwd.getpwnam(instructor).pw_dir) / COURSE_FOLDER
    if not course.exists():
        course.mkdir()
        ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints")
        for part in COURSE_PARTS:
            source = ROOT / part
            (shutil.copytree(source, course / part, ignore=ignore) if source.is_dir()
             else shutil.copy2(source, course / part))
        shutil.copy2(HERE / "publish_feedback.py", course / "publish_feedback.py")
        chown_tree(course, instructor)
    return course


def write_jupyter_config(state: Path) -> dict[str, Path]:
    """STATE/jupyter/<role>: nbgrader's hub configuration, and for students JupyterLab without
    the instructor's tools (the formgrader and Create Assignment)."""
    folders = {}
    for role in ROLES:
        folder = state / "jupyter" / role
        (folder / "labconfig").mkdir(parents=True, exist_ok=True)
        shutil.copy(HERE / "nbgrader_config.py", folder / "nbgrader_config.py")
        hidden = {"student": ["formgrader", "create_assignment"], "instructor": []}[role]
        server = {"ServerApp": {"jpserver_extensions": {f"nbgrader.server_extensions.{name}": False
                                                         for name in hidden}}}
        pages = {"disabledExtensions": {f"@jupyter/nbgrader:{name.replace('_', '-')}": True for name in hidden}}
        (folder / "jupyter_server_config.json").write_text(json.dumps(server, indent=1) + "\n")
        (folder / "labconfig" / "page_config.json").write_text(json.dumps(pages, indent=1) + "\n")
        folders[role] = folder
    for path in [state, state / "jupyter", *folders.values()]:
        os.chmod(path, 0o755)
    return folders


def debian_gradebook(owner: str) -> str:
    """The database ``nn_gradebook`` on Debian's PostgreSQL cluster, owned by ``owner``'s role."""
    def psql(sql: str) -> str:
        return subprocess.run(["runuser", "-u", "postgres", "--", "psql", "-qtAc", sql], check=True,
                              capture_output=True, text=True).stdout.strip()

    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", *debian_cluster(), "start"], check=False,
                   capture_output=True)
    if psql(f"SELECT 1 FROM pg_roles WHERE rolname = '{owner}'") != "1":
        psql(f'CREATE ROLE "{owner}" LOGIN')
    if psql("SELECT 1 FROM pg_database WHERE datname = 'nn_gradebook'") != "1":
        psql(f'CREATE DATABASE nn_gradebook OWNER "{owner}"')
    return f"postgresql+psycopg://{owner}@/nn_gradebook?host={DEBIAN_SOCKET}"


def debian_cluster() -> list[str]:
    """[version, name] of Debian's first PostgreSQL cluster (pg_lsclusters)."""
    result = subprocess.run(["pg_lsclusters", "--no-header"], capture_output=True, text=True)
    lines = result.stdout.split("\n") if result.returncode == 0 else []
    if not lines or not lines[0].strip():
        raise RuntimeError("no PostgreSQL cluster (pg_lsclusters): install Debian's postgresql, or pass --db URL")
    return lines[0].split()[:2]


def prepare(state: Path, roster: dict[str, list[str]], gradebook: str | None, course_id: str,
            env: Path, ip: str = "", port: int = 8000, hub_port: int = 8081, proxy_api_port: int = 8001) -> dict:
    """Everything the hub needs on this machine (see the module docstring); returns the settings."""
    state.mkdir(parents=True, exist_ok=True)
    (state / "hub").mkdir(exist_ok=True)
    os.chmod(state / "hub", 0o700)
    passwords = create_users(roster["instructor"] + roster["student"])
    if passwords:
        with open(state / "hub" / "new_passwords.csv", "a") as handle:
            os.fchmod(handle.fileno(), 0o600)
            handle.writelines(f"{name},{password}\n" for name, password in passwords.items())
    exchange = state / "exchange"
    exchange.mkdir(exist_ok=True)
    os.chmod(exchange, 0o1777)
    config = write_jupyter_config(state)
    courses = {name: str(copy_course(name)) for name in roster["instructor"]}
    token_file = state / "hub" / "admin_token"
    if not token_file.exists():
        token_file.write_text(secrets.token_hex(32))
        os.chmod(token_file, 0o600)
    settings = {
        "ip": ip, "port": port, "hub_port": hub_port, "proxy_api_port": proxy_api_port,
        "state": str(state), "env": str(env), "proxy": str(PROXY), "course_id": course_id,
        "exchange": str(exchange), "config": {role: str(path) for role, path in config.items()},
        "students": roster["student"], "instructors": roster["instructor"], "courses": courses,
        "gradebook": gradebook or debian_gradebook(roster["instructor"][0]),
        "admin_token_file": str(token_file),
    }
    (state / "hub" / "settings.json").write_text(json.dumps(settings, indent=1) + "\n")
    return settings


def hub_command(state: Path) -> tuple[list[str], dict[str, str], Path]:
    """The command line, environment and folder that start the hub on ``state``'s settings."""
    env = dict(os.environ, NN_HUB_SETTINGS=str(state / "hub" / "settings.json"))
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    command = [sys.executable, "-m", "jupyterhub", "-f", str(HERE / "jupyterhub_config.py")]
    return command, env, state / "hub"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--roster", required=True, type=Path, help="CSV file with the columns username,role")
    parser.add_argument("--state", type=Path, default=Path("/srv/nn-course"), help="the hub's folder")
    parser.add_argument("--env", type=Path, default=Path(os.environ.get("NN_HUB_ENV", "/opt/nn-course/env")),
                        help="the course environment the users' servers run in (course.py builds it)")
    parser.add_argument("--db", default=None, help="the gradebook's SQLAlchemy URL (default: Debian's PostgreSQL)")
    parser.add_argument("--ip", default="", help="address the hub listens on (default: all)")
    parser.add_argument("--port", type=int, default=8000, help="the hub's public port (default: 8000)")
    args = parser.parse_args(argv)
    if os.geteuid() != 0:
        sys.exit("the course hub runs as root: it starts each user's server as that user")
    sys.path.insert(0, str(ROOT))
    from grading.course import course_config

    settings = prepare(args.state, read_roster(args.roster), args.db, course_config().CourseDirectory.course_id,
                       args.env, ip=args.ip, port=args.port)
    print(f"[hub] {len(settings['students'])} students, instructors {', '.join(settings['instructors'])}; "
          f"first passwords of new users: {args.state}/hub/new_passwords.csv", flush=True)
    command, env, folder = hub_command(args.state)
    os.chdir(folder)
    os.execve(command[0], command, env)


if __name__ == "__main__":
    main()
