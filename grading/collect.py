"""Collect: find each student's notebooks in a folder of submissions or an LMS zip.

Accepted layouts (both may be mixed in one folder; a zip may hold either):

    SUBMISSIONS/<student>/<assignment>/<notebook>.ipynb   (nbgrader's own layout)
    SUBMISSIONS/<student>/<notebook>.ipynb                (notebook names tell the assignment)

An LMS export is a zip of flat files named ``<student>_..._<notebook>.ipynb``;
it is handed to nbgrader's ``zip_collect`` (``ZipCollectApp`` with its
``FileNameCollectorPlugin``) with a regular expression (``--regex``, see
grading/README.md), and then read in the first layout.

Only the assignment's notebooks (and nbgrader's ``timestamp.txt``) are graded;
everything else is listed in the report and ignored, so a student cannot ship a
module that shadows ``numpy`` or ``nnlib``.
"""
from __future__ import annotations

import json
import re
import shutil
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from .course import Course, nbgrader_config

STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]*$")
_SKIP = {"__MACOSX", ".ipynb_checkpoints", "__pycache__", ".DS_Store", "Thumbs.db"}


@dataclass
class Submission:
    """What one student handed in for one assignment."""
    student: str
    assignment: str
    notebooks: dict = field(default_factory=dict)   # notebook name -> Path
    extras: list = field(default_factory=list)      # relative names of other files (ignored)
    unknown_notebooks: list = field(default_factory=list)  # .ipynb files with a name we do not know
    timestamp: Path | None = None


@dataclass
class Collection:
    submissions: dict = field(default_factory=dict)   # (student, assignment) -> Submission
    students: dict = field(default_factory=dict)      # student -> list of loose unknown files/notebooks
    problems: list = field(default_factory=list)      # (student, message) that concern no assignment


def _files(folder: Path):
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if path.is_file() and not any(part in _SKIP for part in relative.parts):
            yield path, relative.as_posix()


def scan_folder(root: Path, course: Course) -> Collection:
    """Read a folder of submissions, one sub-folder per student."""
    assignments = set(course.assignments())
    notebook_to_assignment = {}
    for name in assignments:
        for notebook in course.notebooks(name):
            notebook_to_assignment.setdefault(notebook, name)
    collection = Collection()
    for student_dir in sorted(p for p in Path(root).iterdir() if p.is_dir() and p.name not in _SKIP):
        student = student_dir.name
        if student.startswith("."):
            continue
        if not STUDENT_ID.match(student):
            collection.problems.append((student, "folder name is not a usable student id "
                                                 "(letters, digits, '.', '_', '@', '-'): skipped"))
            continue
        loose = []
        collection.students[student] = loose

        def entry(assignment):
            key = (student, assignment)
            if key not in collection.submissions:
                collection.submissions[key] = Submission(student, assignment)
            return collection.submissions[key]

        for item in sorted(student_dir.iterdir()):
            if item.name in _SKIP:
                continue
            if item.is_dir() and item.name in assignments:
                submission = entry(item.name)
                expected = set(course.notebooks(item.name))
                for path, relative in _files(item):
                    if relative == "timestamp.txt":
                        submission.timestamp = path
                    elif "/" not in relative and path.suffix == ".ipynb" and path.stem in expected:
                        submission.notebooks[path.stem] = path
                    elif path.suffix == ".ipynb":
                        submission.unknown_notebooks.append(relative)
                    else:
                        submission.extras.append(relative)
            elif item.is_file() and item.suffix == ".ipynb" and item.stem in notebook_to_assignment:
                entry(notebook_to_assignment[item.stem]).notebooks[item.stem] = item
            elif item.is_file() and item.name == "timestamp.txt":
                continue
            elif item.is_dir():
                loose += [f"{item.name}/{relative}" for _, relative in _files(item)]
            else:
                loose.append(item.name)
    return collection


def extract_zip(archive: Path, destination: Path, course: Course, assignment: str | None,
                regex: str | None) -> tuple[Path, list]:
    """Unpack a zip into a folder of submissions (see module docstring).

    Returns that folder and a list of (file, problem) for files of the zip that were skipped.
    """
    destination = Path(destination)
    if destination.exists():
        shutil.rmtree(destination)
    destination.mkdir(parents=True)
    with zipfile.ZipFile(archive) as handle:
        names = [n for n in handle.namelist() if not n.endswith("/") and "__MACOSX" not in n]
        nested = [n for n in names if n.endswith(".ipynb") and len(Path(n).parts) >= 2]
        if nested and len(nested) == len([n for n in names if n.endswith(".ipynb")]):
            target = destination / "folders"
            for name in names:  # safe extraction: no absolute paths, no '..'
                parts = Path(name).parts
                if Path(name).is_absolute() or ".." in parts:
                    continue
                out = target.joinpath(*parts)
                out.parent.mkdir(parents=True, exist_ok=True)
                with handle.open(name) as src, open(out, "wb") as dst:
                    shutil.copyfileobj(src, dst)
            roots = {Path(n).parts[0] for n in names if len(Path(n).parts) > 1}
            # A zip of one folder that holds the student folders: step into it.
            if len(roots) == 1 and not any(len(Path(n).parts) == 1 for n in names):
                only = target / roots.pop()
                if all(p.is_dir() for p in only.iterdir()) and any(
                        len(Path(n).parts) >= 3 for n in nested):
                    return only, []
            return target, []
    return zip_collect(archive, destination, course, assignment, regex)


def default_regex(course: Course, assignment: str) -> str:
    """``<student>_<anything>_<notebook>.ipynb``: Canvas- and Moodle-style export names."""
    names = "|".join(re.escape(n) for n in course.notebooks(assignment))
    return rf".*/(?P<student_id>[A-Za-z0-9.@-]+)_(?:[^/]*_)?(?P<file_id>{names})(?:-\d+)?\.ipynb$"


def zip_collect(archive: Path, destination: Path, course: Course, assignment: str | None,
                regex: str | None) -> tuple[Path, list]:
    """Run nbgrader's zip_collect on an LMS export of flat files.

    Returns the folder of student submissions it made (``<student>/<assignment>/``)
    and (file, problem) for every file whose name the regex does not match.
    """
    if not assignment:
        raise ValueError("an LMS zip of flat files holds one assignment: name it with --assignment")
    import logging

    from nbgrader.apps.zipcollectapp import ZipCollectApp
    from nbgrader.coursedir import CourseDirectory

    from .release import generate

    root = destination / "zipcollect"
    archive_dir = root / "downloaded" / assignment / "archive"
    archive_dir.mkdir(parents=True)
    shutil.copy(archive, archive_dir / Path(archive).name)
    generate(course, [assignment], root)  # zip_collect checks names against the released notebooks
    config = nbgrader_config(root, db_url=f"sqlite:///{root / 'gradebook.db'}")
    config.FileNameCollectorPlugin.named_regexp = regex or default_regex(course, assignment)
    config.ZipCollectApp.force = True
    config.ExtractorPlugin.force = True
    app = ZipCollectApp(config=config)
    app.log.setLevel(logging.WARNING)
    app.coursedir = CourseDirectory(parent=app)
    app.coursedir.assignment_id = assignment
    try:  # nbgrader's app ends the process (sys.exit) on a problem: turn that into an error of ours
        app.init_plugins()
        app.extract_archive_files()
        app.process_extracted_files()
    except SystemExit:
        raise ValueError(f"nbgrader zip_collect could not read {archive} (see its log above); "
                         "check --regex against the file names in the zip") from None
    extracted = root / "downloaded" / assignment / "extracted"
    skipped = [(path.name, f"file in the zip whose name does not match the pattern "
                           f"<student>_..._<notebook>.ipynb (--regex): skipped")
               for path in sorted(extracted.rglob("*")) if path.is_file()
               and not app.collector_plugin_inst.collect(str(path))]
    submitted = root / "submitted"
    submitted.mkdir(exist_ok=True)
    return submitted, skipped


def read_notebook(path: Path, max_megabytes: float):
    """Read a notebook handed in, once: ``(bytes, notebook, "")`` when nbgrader can read it (the
    notebook an nbformat v4 node), else ``(None, None, why not)``."""
    import nbformat

    size = path.stat().st_size
    if size > max_megabytes * 1024 * 1024:
        return None, None, f"notebook file too large ({size / 1024 / 1024:.0f} MB, limit {max_megabytes:g} MB)"
    if size == 0:
        return None, None, "empty file, not a notebook"
    content = path.read_bytes()
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        return None, None, "not a valid notebook: the file is not UTF-8 text"
    try:
        data = json.loads(text)
    except ValueError as error:
        return None, None, f"not a valid notebook: invalid JSON ({error})"
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list) or "nbformat" not in data:
        return None, None, "not a valid notebook: JSON without the notebook structure (cells, nbformat)"
    try:
        notebook = nbformat.reads(text, as_version=4)
    except Exception as error:  # nbformat raises several kinds
        return None, None, f"not a valid notebook: {str(error).splitlines()[0][:200]}"
    return content, notebook, ""
