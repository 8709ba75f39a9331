"""Autograde a class in one command: collect, grade in parallel, and write every output.

``run(Options(...))`` is what ``python -m grading autograde`` calls.  The work
folder (default ``grading-output/``) is an nbgrader course of its own:

    source/<assignment>/          the instructor's notebooks, copied from solutions/
    release/<assignment>/         what nbgrader generated from them (the students' version)
    submitted/<student>/<assignment>/<notebook>.ipynb
    autograded/...   feedback/<student>/<assignment>/<notebook>.html
    gradebook.db     nbgrader's gradebook (or --db URL)
    grades.csv       one row per student and assignment, with the reason for any missing score
    report.md, report.json   the integrity report (students to look at first, then details)
    analytics/<assignment>.html, .csv   what the class did not understand (grading/analytics.py)
    state.json       what was graded from which bytes (makes re-runs incremental)
    logs/            nbgrader's and the kernels' output, one file per worker
"""
from __future__ import annotations

import csv
import html
import json
import multiprocessing
import os
import shutil
import sys
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

from . import integrity
from .collect import Collection, extract_zip, read_notebook_problem, scan_folder
from .course import Course, course_config, ensure_tools_on_path, file_digest, nbgrader_config, quiet_nbgrader_logs
from .limits import MEMORY_LIMIT_MB
from .worker import worker_main

STATE_VERSION = 1
SQLITE_LOCK_WAIT = 60  # seconds a writer waits for SQLite's lock before giving up


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
    process_limit: int = 512          # processes and threads per kernel (grading/sandbox.py's Limits)
    file_size_limit_mb: int = 256
    disk_limit_mb: int = 512


@dataclass
class Summary:
    rows: list                        # the grades CSV, as dicts
    graded: int                       # submissions autograded in this run
    skipped: int                      # unchanged since the last run
    failed: int                       # could not be autograded (this run's tasks and pre-checks)
    seconds: float
    out: Path


def sqlite_url(url: str) -> str:
    """Add a lock wait to a SQLite URL (other databases are returned unchanged)."""
    if url.startswith("sqlite") and "timeout=" not in url:
        return url + ("&" if "?" in url else "?") + f"timeout={SQLITE_LOCK_WAIT}"
    return url


# ---------------------------------------------------------------------------------------------
# The worker pool


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


def run_pool(tasks, settings, workers, notebook_timeout, log_dir, progress=True):
    """Grade ``tasks`` with ``workers`` processes; yield one result dict per task, in completion order."""
    from multiprocessing.connection import wait

    from tqdm import tqdm

    context = _process_context()
    pending = deque(tasks)
    pool = [_Worker(context, settings, log_dir / f"worker-{i + 1}.log") for i in range(min(workers, len(tasks)))]
    tqdm.monitor_interval = 0  # no monitor thread: replacement workers are forked from this process
    bar = tqdm(total=len(tasks), unit="notebook", desc="autograding", disable=not progress, dynamic_ncols=True)
    failures = 0
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
                    failures += not result["success"]
                    bar.update(1)
                    bar.set_postfix(failed=failures, refresh=False)
                    yield result
    finally:
        bar.close()
        for worker in pool:
            if worker.task is not None:
                worker.kill()
            else:
                worker.stop()


# ---------------------------------------------------------------------------------------------
# Gradebook helpers (parent process)


def _gradebook(db_url, course_id):
    from nbgrader.api import Gradebook

    return Gradebook(db_url, course_id)


def record_zero(db_url, course_id, assignment, student):
    """Give a submission that could not be autograded 0 on every graded cell (nbgrader's rule for a missing notebook)."""
    import warnings

    with _gradebook(db_url, course_id) as gb, warnings.catch_warnings():
        # nbgrader's add_submission trips an SQLAlchemy autoflush warning on a new submission; harmless.
        warnings.simplefilter("ignore")
        gb.update_or_create_student(student)
        submission = gb.update_or_create_submission(assignment, student)
        for notebook in submission.notebooks:
            for grade in notebook.grades:
                grade.auto_score = 0.0
                grade.manual_score = None
                grade.needs_manual_grade = False
        gb.db.commit()


def read_scores(db_url, course_id, pairs):
    """{(student, assignment): (score, max_score, has_submission)} from the gradebook."""
    from nbgrader.api import MissingEntry

    scores = {}
    with _gradebook(db_url, course_id) as gb:
        max_scores = {}
        for student, assignment in pairs:
            if assignment not in max_scores:
                try:
                    max_scores[assignment] = float(gb.find_assignment(assignment).max_score)
                except MissingEntry:
                    max_scores[assignment] = 0.0
            try:
                submission = gb.find_submission(assignment, student)
                scores[(student, assignment)] = (float(submission.score), float(submission.max_score), True)
            except MissingEntry:
                scores[(student, assignment)] = (0.0, max_scores[assignment], False)
    return scores


# ---------------------------------------------------------------------------------------------
# The run


def _key(student, assignment):
    return f"{student}/{assignment}"


def _load_state(path: Path) -> dict:
    try:
        state = json.loads(path.read_text())
        if state.get("version") == STATE_VERSION:
            return state
    except (OSError, ValueError):
        pass
    return {"version": STATE_VERSION, "sources": {}, "results": {}}


def _prepare_sources(course, assignments, out, state, api, registered):
    """Copy each assignment's source into the work folder and register it with nbgrader, when it changed
    or the gradebook does not know it (``registered``: the gradebook's assignments; a new --db has none)."""
    from .release import ReleaseError

    for assignment in assignments:
        digest = course.source_hash(assignment)
        target = out / "source" / assignment
        if (state["sources"].get(assignment) == digest and assignment in registered and target.is_dir()
                and (out / "release" / assignment).is_dir()):
            continue
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(course.source_dir / assignment, target,
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
        result = api.generate_assignment(assignment, force=True)
        if not result["success"]:
            raise ReleaseError(f"nbgrader generate_assignment {assignment} failed:\n{result.get('error')}")
        state["sources"][assignment] = digest


def _submission_hash(source_digest, submission, notebooks):
    import hashlib

    digest = hashlib.sha256(source_digest.encode())
    for name in sorted(notebooks):
        digest.update(name.encode() + b"\0")
        file_digest(notebooks[name], digest)
    if submission.timestamp:
        file_digest(submission.timestamp, digest)
    return digest.hexdigest()


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


def _failure_feedback(out, student, assignment, notebooks, reason):
    folder = out / "feedback" / student / assignment
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    for name in notebooks:
        (folder / f"{name}.html").write_text(
            "<!DOCTYPE html><html><head><meta charset='utf-8'><title>Feedback</title></head><body>"
            f"<h1>{html.escape(assignment)}: {html.escape(name)}.ipynb</h1>"
            "<p>Your submission could not be graded automatically, so it scores 0 for now.</p>"
            f"<p><b>Reason:</b> {html.escape(reason)}</p>"
            "<p>Check your notebook with <code>python -m grading validate</code> (or the Validate button) "
            "and talk to your instructor.</p></body></html>\n", encoding="utf-8")


def run(options: Options) -> Summary:
    started = time.perf_counter()
    ensure_tools_on_path()
    quiet_nbgrader_logs()
    from nbgrader.apps import NbGraderAPI

    course = options.course
    out = Path(options.out).resolve()
    (out / "logs").mkdir(parents=True, exist_ok=True)
    config = course_config()
    course_id = config.CourseDirectory.get("course_id", "course")
    cell_timeout = options.cell_timeout or int(config.Execute.get("timeout", 60))
    db_url = sqlite_url(options.db_url or f"sqlite:///{out / 'gradebook.db'}")
    state_path = out / "state.json"
    state = _load_state(state_path)
    # The grading settings, the sandbox's included: known before step 3, which regrades what was
    # graded without the sandbox when it is on now.
    from . import sandbox

    limits = sandbox.Limits(options.process_limit, options.file_size_limit_mb, options.disk_limit_mb)
    settings = {"work_root": str(out), "db_url": db_url, "course_id": course_id, "cell_timeout": cell_timeout,
                "memory_limit_mb": options.memory_limit_mb, "hidden_paths": [], "limits": limits.__dict__,
                "sandbox": "off (--no-sandbox): writes were NOT contained, and the kernels shared the grader's "
                           f"processes and network; limits: files of {limits.file_size_mb} MiB"}
    mode, why = sandbox.probe() if options.sandbox else ("off", "")
    if mode != "off":
        settings["hidden_paths"] = hidden_paths(course, out, options.submissions, db_url)
    if options.sandbox:
        settings["sandbox"] = sandbox.describe(mode, why, settings["hidden_paths"], limits)
        if mode != "full":
            print(f"warning: kernels not fully sandboxed: {settings['sandbox']}", file=sys.stderr)
    sandboxed = {"off": 0, "hide-only": 1, "full": 2}[mode]  # a result graded at a lower level is graded again

    # 1. Collect.
    source = Path(options.submissions)
    if source.is_file() and source.suffix.lower() == ".zip":
        only = options.assignments[0] if len(options.assignments) == 1 else None
        source, zip_problems = extract_zip(source, out / ".collected", course, only, options.regex)
    else:
        zip_problems = []
    if not source.is_dir():
        raise FileNotFoundError(f"no folder or zip of submissions at {options.submissions}")
    collection: Collection = scan_folder(source, course)
    collection.problems += zip_problems
    assignments = course.check_assignments(options.assignments) if options.assignments else \
        sorted({a for (_, a) in collection.submissions})
    if not assignments:
        raise ValueError(f"found no submissions of any assignment of {course.source_dir} in {options.submissions}")

    # 2. Register the assignments with nbgrader in the work folder.
    api_config = nbgrader_config(out, db_url=db_url, course_id=course_id)
    api = NbGraderAPI(config=api_config)
    with _gradebook(db_url, course_id) as gb:
        registered = {a.name for a in gb.assignments}
    _prepare_sources(course, assignments, out, state, api, registered)
    with _gradebook(db_url, course_id) as gb:  # a new --db starts empty: grade again into it
        in_gradebook = {(s.student.id, a) for a in assignments for s in gb.assignment_submissions(a)}

    # 3. Import and check each (student, assignment); decide what to grade.
    tasks, prechecked, current = [], {}, {}
    for student in sorted(collection.students):
        for assignment in assignments:
            submission = collection.submissions.get((student, assignment))
            expected = course.notebooks(assignment)
            found = dict(submission.notebooks) if submission else {}
            problems, valid = [], {}
            for name in expected:
                if name not in found:
                    continue
                problem = read_notebook_problem(found[name], options.max_notebook_mb)
                if problem:
                    problems.append(f"{name}.ipynb: {problem}")
                else:
                    valid[name] = found[name]
            missing = [f"{n}.ipynb" for n in expected if n not in found]
            entry = {"student": student, "assignment": assignment, "notebooks": sorted(found)}
            loose = [n for n in collection.students.get(student, []) if n.endswith(".ipynb")]
            others = (submission.unknown_notebooks if submission else []) + loose
            if not found:
                entry["status"] = "missing"
                entry["reason"] = (f"misnamed: no {', '.join(missing)}; found {', '.join(others)}"
                                   if others else f"nothing submitted (no {', '.join(missing)})")
            elif not valid:
                entry["status"], entry["reason"] = "failed", "; ".join(problems)
            else:
                entry["status"], entry["reason"] = "pending", "; ".join(
                    problems + ([f"missing {', '.join(missing)} (scored 0)"] if missing else []))
            entry["hash"] = _submission_hash(state["sources"].get(assignment, ""), submission, valid) \
                if submission else ""
            entry["sandboxed"] = sandboxed
            key = _key(student, assignment)
            current[key] = entry
            previous = state["results"].get(key)
            unchanged = (not options.redo and previous is not None and previous.get("hash") == entry["hash"]
                         and (previous.get("status") == "missing" or
                              (previous.get("status") in ("graded", "failed") and
                               (student, assignment) in in_gradebook and
                               previous.get("sandboxed", 0) >= sandboxed)))
            if unchanged:
                continue
            if entry["status"] == "pending":
                folder = out / "submitted" / student / assignment
                if folder.exists():
                    shutil.rmtree(folder)
                folder.mkdir(parents=True)
                for name, path in valid.items():
                    shutil.copyfile(path, folder / f"{name}.ipynb")
                if submission.timestamp:
                    shutil.copyfile(submission.timestamp, folder / "timestamp.txt")
                tasks.append({"student": student, "assignment": assignment})
            else:
                prechecked[key] = entry

    # 4. Students exist before any worker starts: workers then write only their own submission's rows.
    with _gradebook(db_url, course_id) as gb:
        for student in sorted({t["student"] for t in tasks} | {e["student"] for e in prechecked.values()}):
            gb.update_or_create_student(student)

    # 5. Grade in parallel.
    workers = options.workers or os.cpu_count() or 1
    results = {}
    watch = sandbox.EnvironmentWatch(course.root)  # did a kernel change the course or the environment?
    for result in run_pool(tasks, settings, workers, options.notebook_timeout, out / "logs", options.progress):
        results[_key(result["student"], result["assignment"])] = result
        watch.check(_key(result["student"], result["assignment"]))
    if watch.changes and watch.restored():  # only the tampering's own folder changed back: grade again now
        again = [t for t in tasks if _key(t["student"], t["assignment"]) in watch.suspects]
        for result in run_pool(again, settings, workers, options.notebook_timeout, out / "logs", options.progress):
            results[_key(result["student"], result["assignment"])] = result
            watch.check(_key(result["student"], result["assignment"]))

    # 6. Record outcomes: failures score 0 in the gradebook, with a feedback page that says why.
    failed = 0
    for key, result in results.items():
        entry = current[key]
        entry["seconds"] = round(result.get("seconds", 0.0), 3)
        if result["success"]:
            entry["status"] = "graded"
            if result.get("reason"):
                entry["reason"] = "; ".join(filter(None, [entry["reason"], result["reason"]]))
        else:
            entry["status"], entry["reason"] = "failed", result["reason"]
        if watch.changes and key in watch.suspects and not watch.restored():  # graded in a changed environment
            entry["sandboxed"] = -1  # graded again on the next run
            entry["reason"] = "; ".join(filter(None, [entry["reason"], watch.reason()]))
    for key, entry in list(prechecked.items()) + [(k, current[k]) for k in results]:
        if entry["status"] == "failed":
            failed += 1
            shutil.rmtree(out / "autograded" / entry["student"] / entry["assignment"], ignore_errors=True)
            record_zero(db_url, course_id, entry["assignment"], entry["student"])
            _failure_feedback(out, entry["student"], entry["assignment"], course.notebooks(entry["assignment"]),
                              entry["reason"])
        state["results"][key] = entry

    # 7. Integrity: scan every current submission (cheap), keep findings of earlier runs.
    known = integrity.known_module_names()
    references = {}
    for assignment in assignments:
        for name in course.notebooks(assignment):
            source_nb = json.loads((out / "source" / assignment / f"{name}.ipynb").read_text(encoding="utf-8"))
            release_path = out / "release" / assignment / f"{name}.ipynb"
            release_nb = json.loads(release_path.read_text(encoding="utf-8")) if release_path.exists() else None
            references[(assignment, name)] = (source_nb, release_nb, integrity.visible_test_numbers(source_nb))
    for key, entry in current.items():
        student, assignment = entry["student"], entry["assignment"]
        submission = collection.submissions.get((student, assignment))
        flags, notes = [], []
        if submission:
            for name, path in sorted(submission.notebooks.items()):
                source_nb, release_nb, numbers = references[(assignment, name)]
                scan = integrity.scan_notebook(path, source_nb, release_nb, known, numbers)
                flags += scan.flags
                notes += scan.notes
            extras = integrity.scan_extra_files(submission.extras + submission.unknown_notebooks, known)
            flags += extras.flags
            notes += extras.notes
            if state["results"].get(key, entry).get("status") == "graded":
                for name in submission.notebooks:
                    graded = _read_graded(out / "autograded" / student / assignment / f"{name}.ipynb")
                    if graded is not None:
                        found = integrity.runtime_findings(graded, f"{name}.ipynb", cell_timeout,
                                                           options.memory_limit_mb)
                        flags += found[0]
                        notes += found[1]
                    notes += integrity.sandbox_notes(out / "autograded" / student / assignment / f"{name}.ipynb")
        record = state["results"].setdefault(key, entry)
        hits = sorted({n.message for n in notes
                       if n.category == "sandbox" and n.message.endswith(integrity.LIMIT_HITS)})
        if hits and ", ".join(hits) not in record.get("reason", ""):  # a fork bomb or a full disk says so in the CSV
            record["reason"] = "; ".join(filter(None, [record.get("reason", ""), ", ".join(hits)]))
        record["flags"] = [integrity.asdict(f) for f in flags]
        record["notes"] = [integrity.asdict(n) for n in notes]

    # 8. Scores from the gradebook; the CSV and the report.
    pairs = [(r["student"], r["assignment"]) for r in state["results"].values()]
    scores = read_scores(db_url, course_id, pairs)
    rows = []
    for key in sorted(state["results"], key=lambda k: (state["results"][k]["student"], state["results"][k]["assignment"])):
        record = state["results"][key]
        score, max_score, _ = scores[(record["student"], record["assignment"])]
        record["score"], record["max_score"] = score, max_score
        rows.append({"student": record["student"], "assignment": record["assignment"], "score": f"{score:g}",
                     "max_score": f"{max_score:g}", "status": record["status"], "reason": record.get("reason", ""),
                     "flags": len(record.get("flags", []))})
    _write_csv(out / "grades.csv", rows)
    from . import analytics
    from .report import write_report

    pages = []
    with _gradebook(db_url, course_id) as gb:
        for assignment in sorted({row["assignment"] for row in rows}):
            stats = analytics.collect(out, assignment, course.notebooks(assignment),
                                      [row for row in rows if row["assignment"] == assignment], gb)
            pages.append(analytics.write(out, stats).relative_to(out))
    write_report(out, state, collection.problems, dict(settings, environment_changes=watch.report()), pages)
    state_path.write_text(json.dumps(state, indent=1, sort_keys=True))
    return Summary(rows=rows, graded=len(results), skipped=len(current) - len(results) - len(prechecked),
                   failed=failed, seconds=time.perf_counter() - started, out=out)


def _read_graded(path):
    """An autograded notebook (nbformat), or None when nbgrader wrote none."""
    import nbformat

    try:
        return nbformat.read(path, as_version=4)
    except (OSError, ValueError):
        return None


def _write_csv(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=["student", "assignment", "score", "max_score", "status",
                                                    "reason", "flags"])
        writer.writeheader()
        writer.writerows(rows)
