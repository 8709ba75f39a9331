"""Autograde a class in one command: collect, grade in parallel, and write every output.

``run(Options(...))`` is what ``python -m grading autograde`` calls.  It is one pipeline over one
record per (student, assignment) (``records.Submission``), read top to bottom below:

    check    read each notebook handed in once (nbformat), say why it cannot be graded, scan it
             (grading/integrity.py), and take an earlier run's outcome when nothing changed
    grade    the engine grades what is left: the local worker pool (grading/pool.py) or, with
             --cluster, a Dask cluster (grading/cluster.py); the environment is watched meanwhile
    finish   zero scores and failure feedback, finished feedback pages, run-time notes
    write    scores from the gradebook, grades.csv, report.md/.json, analytics, state.json

The work folder (default ``grading-output/``) is an nbgrader course of its own:

    source/<assignment>/          the instructor's notebooks, copied from solutions/
    release/<assignment>/         what nbgrader generated from them (the students' version)
    submitted/<student>/<assignment>/<notebook>.ipynb
    autograded/...   feedback/<student>/<assignment>/<notebook>.html
    gradebook.db     nbgrader's gradebook (or --db URL): every score, and what was graded
    grades.csv       one row per student and assignment, with the reason for any missing score
    report.md, report.json   the integrity report (students to look at first, then details)
    analytics/<assignment>.html, .csv   what the class did not understand (grading/analytics.py)
    state.json       a cache: which bytes each graded submission came from (makes re-runs incremental)
    logs/            nbgrader's and the kernels' output, one file per worker
"""
from __future__ import annotations

import csv
import importlib.util
import os
import shutil
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from . import feedback, gradebook, integrity, sandbox
from .collect import Collection, extract_zip, read_notebook, scan_folder
from .course import Course, course_config, ensure_tools_on_path, nbgrader_config, quiet_nbgrader_logs
from .gradebook import sqlite_url  # noqa: F401  (re-exported)
from .limits import MEMORY_LIMIT_MB
from .pool import run_pool
from .sandbox import Limits
from .records import CSV_COLUMNS, Cache, Status, Submission, submission_digest

__all__ = ["Options", "Summary", "run", "run_pool", "hidden_paths", "sqlite_url"]


@dataclass
class Options:
    submissions: Path
    course: Course = field(default_factory=Course)
    out: Path = Path("grading-output")
    assignments: list = field(default_factory=list)
    workers: int = 0                  # 0: one per core
    db_url: str | None = None
    redo: bool = False
    cell_timeout: int | None = None   # None: Execute.timeout of grading/nbgrader_config.py
    notebook_timeout: float = 300.0
    memory_limit_mb: int = MEMORY_LIMIT_MB
    max_notebook_mb: float = 50.0
    regex: str | None = None
    progress: bool = True
    sandbox: bool = True              # hide the instructor's files from the kernels (grading/sandbox.py)
    process_limit: int = Limits.processes   # the sandbox's limits per kernel (grading/sandbox.py)
    file_size_limit_mb: int = Limits.file_size_mb
    disk_limit_mb: int = Limits.disk_mb
    cluster: str | None = None        # a Dask scheduler's address: grade there (grading/cluster.py)


@dataclass
class Summary:
    rows: list                        # the grades CSV, as dicts
    graded: int                       # submissions autograded in this run
    skipped: int                      # unchanged since the last run
    failed: int                       # could not be autograded (this run's)
    seconds: float
    out: Path


@dataclass
class Job:
    """What every step of one run needs: the options, the work folder, the engine's settings."""
    options: Options
    out: Path
    course_id: str
    db_url: str
    settings: dict                    # the engine's settings (grading/worker.py), a plain dict
    sandboxed: int                    # 0 off, 1 hide-only, 2 full: a result graded lower is graded again
    cache: Cache
    references: dict = field(default_factory=dict)  # (assignment, notebook) -> (source, release, test numbers)
    known_modules: set = field(default_factory=set)
    environment_changes: list = field(default_factory=list)

    @property
    def course(self) -> Course:
        return self.options.course


def run(options: Options) -> Summary:
    started = time.perf_counter()
    job = _open(options)
    collection, assignments = _collect(job)
    _register(job, assignments)
    records = [_check(job, collection, student, assignment)
               for student in sorted(collection.students) for assignment in assignments]
    in_gradebook = gradebook.submissions(job.db_url, job.course_id, assignments)
    for record in records:
        _restore(job, record, in_gradebook)
    pending = [r for r in records if r.status is Status.PENDING]
    gradebook.add_students(job.db_url, job.course_id, [r.student for r in records if not r.unchanged])
    for record in records:
        if record.status is not Status.PENDING:
            _finish(job, record)
    for record in _grade(job, pending):  # as each result arrives
        _finish(job, record)
    rows = _write(job, records, collection.problems)
    return Summary(rows=rows, graded=len(pending), skipped=sum(r.unchanged for r in records),
                   failed=sum(r.status.scored_zero and not r.unchanged for r in records),
                   seconds=time.perf_counter() - started, out=job.out)


# ---------------------------------------------------------------------------------------------
# Before the first submission: the work folder, the sandbox, the collection, the assignments


def _open(options: Options) -> Job:
    ensure_tools_on_path()
    quiet_nbgrader_logs()
    if options.cluster and importlib.util.find_spec("grading.cluster") is None:
        raise ValueError(f"--cluster {options.cluster}: this installation has no Dask engine (grading/cluster.py)")
    out = Path(options.out).resolve()
    (out / "logs").mkdir(parents=True, exist_ok=True)
    config = course_config()
    course_id = config.CourseDirectory.get("course_id", "course")
    db_url = sqlite_url(options.db_url or f"sqlite:///{out / 'gradebook.db'}")
    limits = Limits(options.process_limit, options.file_size_limit_mb, options.disk_limit_mb)
    settings = {"work_root": str(out), "db_url": db_url, "course_id": course_id,
                "cell_timeout": options.cell_timeout or int(config.Execute.get("timeout", 60)),
                "memory_limit_mb": options.memory_limit_mb, "hidden_paths": [], "limits": asdict(limits),
                "sandbox": "off (--no-sandbox): writes were NOT contained, and the kernels shared the grader's "
                           f"processes and network; limits: files of {limits.file_size_mb} MiB"}
    mode, why = sandbox.probe() if options.sandbox else ("off", "")
    if mode != "off":
        settings["hidden_paths"] = hidden_paths(options.course, out, options.submissions, db_url)
    if options.sandbox:
        settings["sandbox"] = sandbox.describe(mode, why, settings["hidden_paths"], limits)
        if mode != "full":
            print(f"warning: kernels not fully sandboxed: {settings['sandbox']}", file=sys.stderr)
    return Job(options, out, course_id, db_url, settings, {"off": 0, "hide-only": 1, "full": 2}[mode],
               Cache(out / "state.json"), known_modules=integrity.known_module_names())


def hidden_paths(course, out, submissions, db_url):
    """What the kernels must not see: the solutions, the course's git history, the work folder
    (nbgrader's source copies, the gradebook, everybody's submissions), the submissions as
    handed in, and a SQLite gradebook kept elsewhere.  A path that holds this Python (its venv
    or its standard library), nnlib or Jupyter's runtime folder stays visible (the kernel could
    not start without it)."""
    import nnlib
    from jupyter_core.paths import jupyter_runtime_dir

    paths = [course.source_dir, course.root / ".git", out, Path(submissions).resolve()]
    if db_url.startswith("sqlite:///"):
        paths.append(Path(db_url[len("sqlite:///"):].split("?")[0]).resolve())
    needed = [Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve(), Path(nnlib.__file__).resolve().parent,
              Path(jupyter_runtime_dir()).resolve()]  # the kernel reads its connection file there
    paths = [p for p in dict.fromkeys(paths) if not any(n == p or p in n.parents for n in needed)]
    return [str(p) for p in paths if not any(other in p.parents for other in paths)]  # once, at the top


def _collect(job: Job) -> tuple[Collection, list]:
    """The submissions (a folder, or an LMS zip through nbgrader's zip_collect) and the assignments to grade."""
    options, course = job.options, job.course
    source, zip_problems = Path(options.submissions), []
    if source.is_file() and source.suffix.lower() == ".zip":
        only = options.assignments[0] if len(options.assignments) == 1 else None
        source, zip_problems = extract_zip(source, job.out / ".collected", course, only, options.regex)
    if not source.is_dir():
        raise FileNotFoundError(f"no folder or zip of submissions at {options.submissions}")
    collection = scan_folder(source, course)
    collection.problems += zip_problems
    assignments = course.check_assignments(options.assignments) if options.assignments else \
        sorted({a for (_, a) in collection.submissions})
    if not assignments:
        raise ValueError(f"found no submissions of any assignment of {course.source_dir} in {options.submissions}")
    return collection, assignments


def _register(job: Job, assignments: list) -> None:
    """Copy each assignment's source into the work folder and generate its release with nbgrader, when
    it changed or the gradebook does not know it (a new --db knows none); read both once."""
    import nbformat
    from nbgrader.apps import NbGraderAPI

    from .release import ReleaseError

    api = NbGraderAPI(config=nbgrader_config(job.out, db_url=job.db_url, course_id=job.course_id))
    registered = gradebook.assignments(job.db_url, job.course_id)
    for assignment in assignments:
        digest = job.course.source_hash(assignment)
        target = job.out / "source" / assignment
        if not (job.cache.sources.get(assignment) == digest and assignment in registered and target.is_dir()
                and (job.out / "release" / assignment).is_dir()):
            if target.exists():
                shutil.rmtree(target)
            shutil.copytree(job.course.source_dir / assignment, target,
                            ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
            result = api.generate_assignment(assignment, force=True)
            if not result["success"]:
                raise ReleaseError(f"nbgrader generate_assignment {assignment} failed:\n{result.get('error')}")
            job.cache.sources[assignment] = digest
        for name in job.course.notebooks(assignment):
            source = nbformat.read(target / f"{name}.ipynb", as_version=4)
            release_path = job.out / "release" / assignment / f"{name}.ipynb"
            release = nbformat.read(release_path, as_version=4) if release_path.exists() else None
            job.references[(assignment, name)] = (source, release, integrity.visible_test_numbers(source))


# ---------------------------------------------------------------------------------------------
# 1. Check: read once, say why it cannot be graded, scan; or take the earlier outcome


def _check(job: Job, collection: Collection, student: str, assignment: str) -> Submission:
    """The record of one (student, assignment): each notebook read once, the status it can have
    before grading, the digest of what was handed in, and what the integrity scan finds in it."""
    record = Submission(student, assignment, sandboxed=job.sandboxed)
    submission = collection.submissions.get((student, assignment))
    expected = job.course.notebooks(assignment)
    found = dict(submission.notebooks) if submission else {}
    problems, contents = [], {}
    for name in (n for n in expected if n in found):
        content, notebook, problem = read_notebook(found[name], job.options.max_notebook_mb)
        if problem:
            problems.append(f"{name}.ipynb: {problem}")
        else:
            record.notebooks[name], record.files[name], contents[name] = notebook, found[name], content
    record.handed_in = sorted(found)
    missing = [f"{n}.ipynb" for n in expected if n not in found]
    if not found:
        loose = [n for n in collection.students.get(student, []) if n.endswith(".ipynb")]
        others = (submission.unknown_notebooks if submission else []) + loose
        record.status, record.reason = \
            (Status.MISNAMED, f"misnamed: no {', '.join(missing)}; found {', '.join(others)}") if others else \
            (Status.MISSING, f"nothing submitted (no {', '.join(missing)})")
    elif not record.notebooks:
        record.status, record.reason = Status.INVALID, "; ".join(problems)
    else:
        record.reason = "; ".join(problems + ([f"missing {', '.join(missing)} (scored 0)"] if missing else []))
    if submission:
        record.timestamp = submission.timestamp
        record.digest = submission_digest(job.cache.sources.get(assignment, ""), contents,
                                          submission.timestamp.read_bytes() if submission.timestamp else None)
        for name, notebook in sorted(record.notebooks.items()):
            source, release, numbers = job.references[(assignment, name)]
            record.scan += integrity.scan_notebook(notebook, source, release, job.known_modules, numbers,
                                                   name=found[name].name)
        record.scan += integrity.scan_extra_files(submission.extras + submission.unknown_notebooks,
                                                  job.known_modules)
    return record


def _restore(job: Job, record: Submission, in_gradebook: set) -> None:
    """Take the earlier run's outcome when the same bytes were graded (at this sandbox level or a
    stricter one) and the gradebook still holds the result."""
    earlier = None if job.options.redo else \
        job.cache.outcome(record, (record.student, record.assignment) in in_gradebook)
    if earlier is not None:
        record.status, record.reason = Status(earlier["outcome"]), earlier["reason"]
        record.sandboxed, record.seconds, record.unchanged = earlier["sandboxed"], earlier["seconds"], True


# ---------------------------------------------------------------------------------------------
# 2. Grade: the engine grades the pending submissions; yield each as its result arrives


def _grade(job: Job, records: list):
    if not records:
        return
    for record in records:  # nbgrader's layout, which every engine reads
        folder = job.out / "submitted" / record.student / record.assignment
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        for name, path in record.files.items():
            shutil.copyfile(path, folder / f"{name}.ipynb")
        if record.timestamp:
            shutil.copyfile(record.timestamp, folder / "timestamp.txt")
    by_key = {r.key: r for r in records}
    watch = sandbox.EnvironmentWatch(job.course.root)  # did a kernel change the course or the environment?
    for result in _engine(job, [r.task for r in records]):
        record = by_key[f"{result['student']}/{result['assignment']}"]
        watch.check(record.key)
        yield _take(record, result)
    if watch.changes and watch.restored():  # only the tampering's own folder changed back: grade again now
        for result in _engine(job, [by_key[key].task for key in watch.suspects]):
            record = by_key[f"{result['student']}/{result['assignment']}"]
            watch.check(record.key)
            yield _take(record, result)
    elif watch.changes:  # graded in a changed environment: say so, and grade again on the next run
        for key in watch.suspects:
            by_key[key].sandboxed = -1
            by_key[key].add_reason(watch.reason())
    job.environment_changes = watch.report()


def _engine(job: Job, tasks: list):
    """The engine's results for ``tasks``, in completion order: the local pool, or the Dask cluster."""
    options, log_dir = job.options, job.out / "logs"
    if options.cluster:
        from .cluster import run_cluster

        return run_cluster(tasks, job.settings, options.cluster, options.notebook_timeout, log_dir, options.progress)
    return run_pool(tasks, job.settings, options.workers or os.cpu_count() or 1, options.notebook_timeout,
                    log_dir, options.progress)


def _take(record: Submission, result: dict) -> Submission:
    record.seconds = round(result.get("seconds", 0.0), 3)
    if result["success"]:
        record.status = Status.GRADED
        record.add_reason(result.get("reason", ""))
    else:
        record.status, record.reason = Status.FAILED, result["reason"]
    return record


# ---------------------------------------------------------------------------------------------
# 3. Finish: everything that happens to a submission after grading, in one place


def _finish(job: Job, record: Submission) -> None:
    """A submission that could not be graded scores 0 on every cell, with a feedback page saying why;
    a graded one gets its feedback pages finished; both get the run-time flags and notes."""
    folder = job.out / "autograded" / record.student / record.assignment
    if record.status.scored_zero and not record.unchanged:
        shutil.rmtree(folder, ignore_errors=True)
        gradebook.record_zero(job.db_url, job.course_id, record.assignment, record.student)
        feedback.write_failure(job.out, record.student, record.assignment, job.course.notebooks(record.assignment),
                               record.reason)
    if record.status is Status.GRADED and not record.unchanged:
        feedback.finish(job.out, record.student, record.assignment)
    flags, notes = list(record.scan.flags), list(record.scan.notes)
    if record.status is Status.GRADED:
        for name in record.notebooks:
            graded = _read_graded(folder / f"{name}.ipynb")
            if graded is not None:
                found = integrity.runtime_findings(graded, f"{name}.ipynb", job.settings["cell_timeout"],
                                                   job.settings["memory_limit_mb"])
                flags += found[0]
                notes += found[1] + integrity.sandbox_notes(graded, f"{name}.ipynb")
    hits = sorted({n.message for n in notes if n.category == "sandbox" and n.message.endswith(integrity.LIMIT_HITS)})
    record.add_reason(", ".join(hits))  # a fork bomb or a full disk says so in the CSV
    record.flags, record.notes = [asdict(f) for f in flags], [asdict(n) for n in notes]


def _read_graded(path):
    """An autograded notebook (nbformat), or None when nbgrader wrote none."""
    import nbformat

    try:
        return nbformat.read(path, as_version=4)
    except (OSError, ValueError):
        return None


# ---------------------------------------------------------------------------------------------
# 4. Write: scores from the gradebook; the CSV, the report, the analytics, the cache


def _write(job: Job, records: list, skipped_folders: list) -> list:
    """Write every output; return the CSV's rows (this run's submissions and those of earlier runs it
    did not see, while the gradebook holds them)."""
    from . import analytics
    from .report import write_report

    current = {(r.student, r.assignment) for r in records}
    names = {a for (_, a) in current} | {e["assignment"] for e in job.cache.entries.values()}
    in_gradebook = gradebook.submissions(job.db_url, job.course_id,
                                         names & gradebook.assignments(job.db_url, job.course_id))
    everything = sorted(records + job.cache.earlier(current, in_gradebook), key=lambda r: (r.student, r.assignment))
    pages = []
    with gradebook.open_gradebook(job.db_url, job.course_id) as gb:
        gradebook.read_scores(gb, everything)
        rows = [r.row() for r in everything]
        for assignment in sorted({r.assignment for r in everything}):
            stats = analytics.collect(job.out, assignment, job.course.notebooks(assignment),
                                      [row for row in rows if row["assignment"] == assignment], gb)
            pages.append(analytics.write(job.out, stats).relative_to(job.out))
    with open(job.out / "grades.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    write_report(job.out, [r.as_dict() for r in everything], skipped_folders,
                 dict(job.settings, environment_changes=job.environment_changes), pages)
    job.cache.save(everything)
    return rows
