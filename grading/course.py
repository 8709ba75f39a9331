"""Where a course keeps its assignments, and the nbgrader configuration to run them with.

A *course* is a folder laid out as nbgrader expects, with the names set in
grading/nbgrader_config.py: ``solutions/<assignment>/<notebook>.ipynb`` (the
instructor's source notebooks) and ``notebooks/<assignment>/`` (the generated
student notebooks).  This repository is the default course; tests point the
command line at other folders with ``--course``.
"""
from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULT_COURSE = PACKAGE_DIR.parent
CONFIG_FILE = PACKAGE_DIR / "nbgrader_config.py"


def ensure_tools_on_path() -> None:
    """Put this Python's bin/ first on PATH: nbgrader runs ``alembic`` as a subprocess."""
    bin_dir = str(Path(sys.executable).parent)
    parts = os.environ.get("PATH", "").split(os.pathsep)
    if bin_dir not in parts:
        os.environ["PATH"] = os.pathsep.join([bin_dir] + [p for p in parts if p])


def course_config() -> Config:
    """The course's nbgrader settings (grading/nbgrader_config.py), as a fresh Config."""
    return PyFileConfigLoader(CONFIG_FILE.name, path=str(PACKAGE_DIR)).load_config()


def file_digest(path: Path, digest=None):
    """Feed a file's bytes into ``digest`` (sha256 by default) and return it."""
    digest = digest or hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest


def tree_hash(root: Path, files=None) -> str:
    """A sha256 over the relative names and bytes of ``files`` (default: every file under ``root``)."""
    root = Path(root)
    if files is None:
        files = [p for p in root.rglob("*") if p.is_file() and not _ignored(p.relative_to(root))]
    digest = hashlib.sha256()
    for path in sorted(files, key=lambda p: p.relative_to(root).as_posix()):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        file_digest(path, digest)
        digest.update(b"\0")
    return digest.hexdigest()


def _ignored(relative: Path) -> bool:
    return any(part in (".ipynb_checkpoints", "__pycache__") for part in relative.parts)


class Course:
    """A course folder: its source and release directories and its assignments."""

    def __init__(self, root: str | os.PathLike | None = None):
        self.root = Path(root or DEFAULT_COURSE).resolve()
        config = course_config()
        self.source_dir = self.root / config.CourseDirectory.get("source_directory", "source")
        self.release_dir = self.root / config.CourseDirectory.get("release_directory", "release")
        if not self.source_dir.is_dir():
            raise FileNotFoundError(f"no source folder {self.source_dir} (is {self.root} a course folder?)")

    def assignments(self) -> list[str]:
        """Every folder of the source directory that holds at least one notebook, sorted."""
        return sorted(d.name for d in self.source_dir.iterdir()
                      if d.is_dir() and not d.name.startswith(".") and any(d.glob("*.ipynb")))

    def notebooks(self, assignment: str) -> list[str]:
        """The notebook names (without .ipynb) of one assignment, sorted."""
        return sorted(p.stem for p in (self.source_dir / assignment).glob("*.ipynb"))

    def source_hash(self, assignment: str) -> str:
        return tree_hash(self.source_dir / assignment)

    def check_assignments(self, names) -> list[str]:
        """Return ``names`` (all assignments when empty), or raise ValueError naming an unknown one."""
        known = self.assignments()
        if not names:
            return known
        unknown = [n for n in names if n not in known]
        if unknown:
            raise ValueError(f"unknown assignment(s) {', '.join(unknown)}; "
                             f"{self.source_dir} holds: {', '.join(known) or 'none'}")
        return list(names)


def nbgrader_config(course_root: Path, *, db_url: str, source="source", release="release",
                    course_id=None) -> Config:
    """The course's settings, pointed at another course root (a work or temporary folder)."""
    config = course_config()
    config.CourseDirectory.root = str(course_root)
    config.CourseDirectory.source_directory = source
    config.CourseDirectory.release_directory = release
    config.CourseDirectory.db_url = db_url
    if course_id:
        config.CourseDirectory.course_id = course_id
    return config


def quiet_nbgrader_logs() -> None:
    """nbgrader's API logs every copied file at INFO: keep warnings only on the console."""
    import logging

    for name in ("traitlets", "NbGraderAPI", "nbgrader"):
        logging.getLogger(name).setLevel(logging.WARNING)
