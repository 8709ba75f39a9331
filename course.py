#!/usr/bin/env python3
"""Set up and run the course: the two commands of the README.

    python3 course.py lab     # install what is missing, then open the course in JupyterLab
                              # (student mode; --instructor adds nbgrader's instructor tools)
    python3 course.py test    # install what is missing (plus the test extras), then run every test
    python3 course.py hub     # as root: the course hub for a class (deploy/hub/README.md)

Both create a virtual environment in ``.venv`` from the pinned ``requirements.txt``
and install ``nnlib`` into it (editable).  A stamp file remembers what was
installed, so the second run starts at once.  Only the standard library is used
here, because this script runs before anything is installed.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
MIN_PYTHON = (3, 11)
CHROMIUM = Path("/usr/bin/chromium")
POSTGRES_LIBS = Path("/usr/lib/postgresql")  # Debian keeps initdb and pg_ctl in <version>/bin
BWRAP_HINT = ("bubblewrap (bwrap) is missing: grading kernels will NOT be fully sandboxed (their writes are not "
              "contained, they share your processes and network). Install it: sudo apt-get install bubblewrap")


def say(message: str) -> None:
    print(f"[course] {message}", flush=True)


def run(cmd: list[str], **kwargs) -> None:
    subprocess.run([str(c) for c in cmd], check=True, **kwargs)


def fingerprint(*files: str) -> str:
    digest = hashlib.sha256(sys.version.encode())
    for name in files:
        digest.update((ROOT / name).read_bytes())
    return digest.hexdigest()


def install_once(stamp_name: str, files: tuple[str, ...], pip_args: list[str]) -> None:
    """Run ``pip install pip_args`` unless the same ``files`` were installed before."""
    stamp = VENV / stamp_name
    wanted = fingerprint(*files)
    if stamp.exists() and stamp.read_text() == wanted:
        return
    say(f"installing {' '.join(files)} into .venv (first run only) ...")
    run([PYTHON, "-m", "pip", "install", "--disable-pip-version-check", "-qq", *pip_args])
    stamp.write_text(wanted)


def setup_course() -> None:
    if sys.version_info < MIN_PYTHON:
        sys.exit(f"[course] Python {MIN_PYTHON[0]}.{MIN_PYTHON[1]}+ is needed, this is {sys.version.split()[0]}")
    if not PYTHON.exists():
        say("creating the virtual environment .venv ...")
        run([sys.executable, "-m", "venv", VENV])
    install_once(".stamp-course", ("requirements.txt", "pyproject.toml"),
                 ["-r", ROOT / "requirements.txt", "-e", ROOT])
    setup_grading_sandbox(strict=os.environ.get("CI") == "true")


def apt_install(packages: list[str], strict: bool) -> None:
    """``apt-get install`` Debian packages, as root only; a failure stops the set-up only when ``strict``."""
    if not (packages and shutil.which("apt-get") and os.geteuid() == 0):
        return
    say(f"installing Debian's {' and '.join(packages)} ...")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    try:
        run(["apt-get", "update", "-qq"], env=env, stdout=subprocess.DEVNULL)
        run(["apt-get", "install", "-y", "-qq", *packages], env=env, stdout=subprocess.DEVNULL)
    except subprocess.CalledProcessError:
        if strict:
            raise


def setup_grading_sandbox(strict: bool = False) -> None:
    """Debian's bubblewrap, which the grading sandbox (grading/sandbox.py) runs each kernel in:
    installed as root when missing, else a warning (grading still works, less contained)."""
    if sys.platform.startswith("linux") and not shutil.which("bwrap"):
        apt_install(["bubblewrap"], strict)
        if not shutil.which("bwrap"):
            if strict:
                sys.exit(f"[course] {BWRAP_HINT}")
            say(BWRAP_HINT)


def setup_tests() -> None:
    """The extras only the tests need: PyTorch (CPU) for cross-checks, Chromium for the browser test,
    PostgreSQL's server programs for the PostgreSQL gradebook test (which starts its own throw-away server).
    (bubblewrap, which grading and its tests need, comes with the course's own set-up.)

    Each is installed only when missing (Chromium and PostgreSQL with apt-get, as root), so a
    second run costs a few file checks.  A missing extra makes its tests skip, or, with CI=true,
    fails the set-up.
    """
    strict = os.environ.get("CI") == "true"
    try:
        install_once(".stamp-crosscheck", ("requirements-crosscheck.txt",),
                     ["-r", ROOT / "requirements-crosscheck.txt"])
    except subprocess.CalledProcessError:
        if strict:
            raise
        say("could not install PyTorch: the PyTorch cross-check tests will be skipped")

    def postgres_found() -> bool:  # initdb and pg_ctl on PATH, or in Debian's /usr/lib/postgresql/<version>/bin
        on_path = shutil.which("initdb")
        folders = ([Path(on_path).resolve().parent] if on_path else []) + sorted(POSTGRES_LIBS.glob("*/bin"))
        return any((folder / "initdb").is_file() and (folder / "pg_ctl").is_file() for folder in folders)

    extras = {  # Debian package: (is it there?, what is missing, the tests that need it)
        "chromium": (CHROMIUM.exists, str(CHROMIUM), "the browser test"),
        "postgresql": (postgres_found, "PostgreSQL's initdb and pg_ctl", "the PostgreSQL gradebook test"),
    }
    missing = [package for package, (found, _, _) in extras.items() if not found()]
    apt_install(missing, strict)
    for package in missing:
        found, what, tests = extras[package]
        if found():
            continue
        if strict:
            sys.exit(f"[course] {what} is missing and could not be installed")
        say(f"no {what}: {tests} will be skipped")
    if not setup_hub(strict):
        say("the course hub test will be skipped")


# The course hub (deploy/hub): the students' servers run as their own Unix users, who cannot
# run this .venv when it is built from a Python in a private folder (pyenv's under /root), so
# they get a course environment of their own, built from Debian's Python in a folder all can read.
HUB_DIR = ROOT / "deploy" / "hub"
HUB_ENV = Path(os.environ.get("NN_HUB_ENV", "/opt/nn-course/env"))
HUB_SYSTEM_PYTHON = Path("/usr/bin/python3")
PROXY = HUB_DIR / "node_modules" / ".bin" / "configurable-http-proxy"


def setup_hub(strict: bool = False) -> bool:
    """What the hub needs beyond .venv, as root: configurable-http-proxy (npm, into deploy/hub) and the
    course environment HUB_ENV (requirements.txt and a copy of nnlib and grading, readable by all).
    Returns whether both are there; a failure stops the set-up only when ``strict``."""
    if not sys.platform.startswith("linux"):
        say("the course hub is set up on Linux only")
        return False
    if not shutil.which("npm"):
        apt_install(["nodejs", "npm"], strict)
    if subprocess.run([HUB_SYSTEM_PYTHON, "-c", "import ensurepip, venv"], capture_output=True).returncode:
        apt_install(["python3-venv"], strict)
    try:
        if not PROXY.exists():
            if not shutil.which("npm"):
                raise RuntimeError("npm is missing: install Node.js (sudo apt-get install nodejs npm)")
            say("installing configurable-http-proxy (deploy/hub/package-lock.json) from npm ...")
            run(["npm", "ci", "--no-audit", "--no-fund", "--silent", "--prefix", HUB_DIR])
        if os.geteuid() != 0:
            raise RuntimeError("the hub's course environment is built as root only")
        python = HUB_ENV / "bin" / "python"
        if not python.exists():
            say(f"creating the hub's course environment {HUB_ENV} from {HUB_SYSTEM_PYTHON} ...")
            run([HUB_SYSTEM_PYTHON, "-m", "venv", HUB_ENV])
        sources = sorted(str(f.relative_to(ROOT)) for part in ("nnlib", "grading") for f in (ROOT / part).rglob("*")
                         if f.is_file() and "__pycache__" not in f.parts)
        stamp, wanted = HUB_ENV / ".stamp-course", fingerprint("requirements.txt", "pyproject.toml", *sources)
        if not (stamp.exists() and stamp.read_text() == wanted):
            say(f"installing requirements.txt, nnlib and grading into {HUB_ENV} (first run only) ...")
            pip = [python, "-m", "pip", "install", "--disable-pip-version-check", "-qq"]
            run([*pip, "-r", ROOT / "requirements.txt"], cwd="/")
            run([*pip, "--no-deps", "--force-reinstall", ROOT], cwd="/")  # a copy: /root may be private
            stamp.write_text(wanted)
        return True
    except (RuntimeError, OSError, subprocess.CalledProcessError) as error:
        if strict:
            sys.exit(f"[course] the course hub cannot be set up: {error}")
        say(f"the course hub cannot run here: {error}")
        return False


def course_env() -> dict[str, str]:
    """The environment JupyterLab, its kernels and pytest run in.

    The venv's bin/ goes first on PATH (nbgrader runs `alembic` as a subprocess).
    """
    env = dict(os.environ)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env["VIRTUAL_ENV"] = str(VENV)
    return env


# What a student's JupyterLab leaves out: nbgrader's instructor tools (Formgrader, Create
# Assignment) and the exchange-based Assignment and Course Lists (without an exchange they
# open with "Error fetching courses!").  Its Validate button stays.  `course.py lab
# --instructor` keeps everything.
STUDENT_HIDDEN_PLUGINS = ("@jupyter/nbgrader:menu", "@jupyter/nbgrader:formgrader",
                          "@jupyter/nbgrader:create-assignment", "@jupyter/nbgrader:assignment-list",
                          "@jupyter/nbgrader:course-list")
STUDENT_HIDDEN_SERVER_EXTENSIONS = ("nbgrader.server_extensions.formgrader",
                                    "nbgrader.server_extensions.assignment_list",
                                    "nbgrader.server_extensions.course_list")
STUDENT_CONFIG = VENV / "course-lab" / "student"


def student_config_dir(folder: Path | None = None) -> Path:
    """Write the student mode's Jupyter config folder and return it.

    It goes on JUPYTER_CONFIG_PATH, where Jupyter reads it before the environment's own
    config: ``labconfig/page_config.json`` disables the front-end plugins (JupyterLab's
    ``disabledExtensions``), ``jupyter_server_config.json`` the server extensions behind them.
    The installed packages are not touched.
    """
    folder = STUDENT_CONFIG if folder is None else folder
    (folder / "labconfig").mkdir(parents=True, exist_ok=True)
    pages = {"disabledExtensions": {plugin: True for plugin in STUDENT_HIDDEN_PLUGINS}}
    server = {"ServerApp": {"jpserver_extensions": {name: False for name in STUDENT_HIDDEN_SERVER_EXTENSIONS}}}
    (folder / "labconfig" / "page_config.json").write_text(json.dumps(pages, indent=1) + "\n")
    (folder / "jupyter_server_config.json").write_text(json.dumps(server, indent=1) + "\n")
    return folder


def lab_env(instructor: bool, env: dict[str, str] | None = None) -> dict[str, str]:
    """``env`` (default: the course's) for JupyterLab: student mode unless ``instructor``."""
    env = dict(course_env() if env is None else env)
    if not instructor:
        extra = env.get("JUPYTER_CONFIG_PATH")
        env["JUPYTER_CONFIG_PATH"] = os.pathsep.join([str(student_config_dir())] + ([extra] if extra else []))
    return env


def exec_in_venv(args: list[str], env: dict[str, str] | None = None) -> None:
    os.chdir(ROOT)
    os.execve(str(BIN / args[0]), [str(a) for a in args], env or course_env())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    lab = sub.add_parser("lab", help="set up, then open the course in JupyterLab")
    lab.add_argument("--no-browser", action="store_true", help="start the server without opening a browser")
    lab.add_argument("--instructor", action="store_true",
                     help="keep nbgrader's instructor tools (Formgrader, Create Assignment, Assignment List)")
    sub.add_parser("setup", help="set up only")
    sub.add_parser("test", help="set up, then run the whole test suite (extra arguments go to pytest)")
    sub.add_parser("hub", add_help=False, help="as root: set up, then start the course hub "
                                               "(options: course.py hub --help; at least --roster FILE)")
    args, pytest_args = parser.parse_known_args(argv)
    if pytest_args and args.command not in ("test", "hub"):
        parser.error(f"unrecognized arguments: {' '.join(pytest_args)}")
    if args.command == "hub" and {"-h", "--help"} & set(pytest_args):  # the hub's own options, set-up aside
        sys.exit(subprocess.call([sys.executable, HUB_DIR / "course_hub.py", "--help"]))

    setup_course()
    if args.command == "setup":
        say("ready: .venv is set up")
    elif args.command == "lab":
        cmd = ["jupyter", "lab", f"--ServerApp.root_dir={ROOT}",
               "--ServerApp.default_url=/lab/tree/notebooks/01_linear_regression/01_linear_regression.ipynb"]
        if os.name != "nt" and os.geteuid() == 0:
            cmd.append("--allow-root")
        if args.no_browser:
            cmd.append("--no-browser")
        exec_in_venv(cmd, lab_env(args.instructor))
    elif args.command == "test":
        setup_tests()
        exec_in_venv(["python", "-m", "pytest", *pytest_args])
    elif args.command == "hub":
        setup_hub(strict=True)
        exec_in_venv(["python", HUB_DIR / "course_hub.py", *pytest_args])


if __name__ == "__main__":
    main()
