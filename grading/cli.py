"""``python -m grading``: release, autograde, validate (see grading/README.md)."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


def _course(args):
    from .course import Course

    return Course(args.course)


def cmd_release(args) -> int:
    from . import release

    course = _course(args)
    assignments = course.check_assignments(args.assignments)
    if args.check:
        problems = release.check(course, assignments)
        if problems:
            print(f"{course.release_dir.name}/ is out of date with {course.source_dir.name}/:")
            for problem in problems:
                print(f"  {problem}")
            print(f"Run: python -m grading release {' '.join(args.assignments)}".rstrip())
            return 1
        print(f"{course.release_dir.name}/ matches {course.source_dir.name}/ "
              f"({len(assignments)} assignment{'s' * (len(assignments) != 1)}).")
        return 0
    for name in release.release(course, assignments):
        print(f"generated {course.release_dir.name}/{name}/ from {course.source_dir.name}/{name}/")
    return 0


def cmd_autograde(args) -> int:
    from .autograde import Options, run

    options = Options(
        submissions=Path(args.submissions), course=_course(args), out=Path(args.out),
        assignments=args.assignment or [], workers=args.workers, db_url=args.db, redo=args.redo,
        cell_timeout=args.cell_timeout, notebook_timeout=args.notebook_timeout,
        memory_limit_mb=args.memory_limit, max_notebook_mb=args.max_notebook_mb, regex=args.regex,
        sandbox=not args.no_sandbox, process_limit=args.process_limit, file_size_limit_mb=args.file_size_limit,
        disk_limit_mb=args.disk_limit, cluster=args.cluster, progress=not args.no_progress)
    summary = run(options)
    rows = summary.rows
    failed = sum(r["status"] == "failed" for r in rows)
    missing = sum(r["status"] == "missing" for r in rows)
    flagged = sum(1 for r in rows if r["flags"])
    print(f"autograded {summary.graded} submission(s) in {summary.seconds:.0f} s"
          f" ({summary.skipped} unchanged since the last run, not regraded).")
    print(f"{len(rows)} rows: {len(rows) - failed - missing} graded, {failed} could not be graded, "
          f"{missing} missing; {flagged} flagged for review.")
    print(f"grades:   {summary.out / 'grades.csv'}")
    print(f"report:   {summary.out / 'report.md'}  (and report.json)")
    print(f"feedback: {summary.out / 'feedback'}/<student>/<assignment>/")
    return 0


def _last_error_line(text: str) -> str:
    import re

    lines = [line for line in re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", text or "").splitlines() if line.strip()]
    return lines[-1].strip() if lines else ""


def cmd_validate(args) -> int:
    """Run each notebook as nbgrader's Validator does and say, per cell, what fails."""
    from .course import course_config, ensure_tools_on_path, quiet_nbgrader_logs

    ensure_tools_on_path()
    quiet_nbgrader_logs()
    from nbgrader.validator import Validator

    from .cells import as_notebook, edited, grade_id

    config = course_config()
    # The kernel's own start-up warnings ("running over TCP without encryption") are not the
    # student's business: validate prints only their results.
    config.Execute.extra_arguments = ["--IPKernelApp.log_level=ERROR"]
    config.Validator.ignore_checksums = True  # edited test cells are found by cells.edited, as the report does
    validator = Validator(config=config)
    status = 0
    for path in args.notebooks:
        if not Path(path).is_file():
            print(f"{path}: no such notebook")
            status = 1
            continue
        try:
            notebook = as_notebook(path)
            results = validator.validate(os.path.abspath(path))
        except Exception as error:  # not JSON, not a notebook: nbgrader raises several kinds
            print(f"{path}: cannot be read as a notebook ({type(error).__name__}: {_last_error_line(str(error))})")
            status = 1
            continue
        names = {cell.source.strip(): grade_id(cell) for cell in notebook.cells if grade_id(cell)}
        label = lambda cell: names.get(cell["source"].strip()) or cell["source"].strip().splitlines()[0][:60]  # noqa: E731
        changed = [grade_id(cell) for cell in notebook.cells if edited(cell)]
        if results.get("type_changed"):
            print(f"{path}: {len(results['type_changed'])} cell(s) changed type; restore them from the release.")
            status = 1
        elif changed:
            print(f"{path}: test cell(s) edited: {', '.join(changed)}. "
                  "The grader runs the original tests, so undo your edits.")
            status = 1
        elif results.get("failed"):
            print(f"{path}: {len(results['failed'])} cell(s) fail:")
            for cell in results["failed"]:
                print(f"  - {label(cell)}: {_last_error_line(cell.get('raw_error') or cell.get('error'))}")
            status = 1
        else:
            print(f"{path}: every cell runs and every visible test passes. "
                  "(Hidden tests check more cases when it is graded.)")
    return status


def cmd_demo_class(args) -> int:
    from .demo import DEMO_LIMITS, build_demo

    out = Path(args.out)
    if out.exists() and any(out.iterdir()):
        raise ValueError(f"{out} exists and is not empty; name a new folder")
    demo = build_demo(out, _course(args))
    students = sorted({s for s, _ in demo.scores})
    print(f"wrote {len(students)} synthetic students to {out}/ (assignments {', '.join(demo.max_scores)}).")
    print("Grade them with the demo's short limits:")
    print(f"  python -m grading autograde {out} --out {out}-graded --cell-timeout {DEMO_LIMITS['cell_timeout']} "
          f"--notebook-timeout {DEMO_LIMITS['notebook_timeout']:g} --memory-limit {DEMO_LIMITS['memory_limit_mb']}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m grading", description=__doc__)
    parser.add_argument("--course", default=None, help="course folder (default: this repository)")
    commands = parser.add_subparsers(dest="command", required=True)

    release = commands.add_parser("release", help="regenerate notebooks/ from solutions/ with nbgrader")
    release.add_argument("assignments", nargs="*", metavar="ASSIGNMENT", help="default: all")
    release.add_argument("--check", action="store_true",
                         help="do not write; exit 1 and list the notebooks that differ from a fresh generation")
    release.set_defaults(run=cmd_release)

    from .autograde import Options
    from .limits import MEMORY_LIMIT_MB
    from .sandbox import Limits

    autograde = commands.add_parser("autograde", help="autograde a folder or zip of submissions")
    autograde.add_argument("submissions", metavar="SUBMISSIONS",
                           help="folder with one sub-folder per student, or a zip (an LMS export)")
    autograde.add_argument("--assignment", "-a", action="append", metavar="A",
                           help="grade this assignment (repeatable; default: every assignment found)")
    autograde.add_argument("--workers", "-j", type=int, default=0, help="parallel workers (default: one per core)")
    autograde.add_argument("--db", default=None, metavar="URL",
                           help="gradebook SQLAlchemy URL (default: sqlite:///OUT/gradebook.db)")
    autograde.add_argument("--out", "-o", default="grading-output", metavar="DIR",
                           help="work folder for nbgrader's files and the results (default: grading-output)")
    autograde.add_argument("--redo", action="store_true", help="grade every submission again, changed or not")
    autograde.add_argument("--cell-timeout", type=int, default=None, metavar="S",
                           help="seconds per cell (default: Execute.timeout in grading/nbgrader_config.py)")
    autograde.add_argument("--notebook-timeout", type=float, default=Options.notebook_timeout, metavar="S",
                           help="seconds per notebook, then it is stopped and scores 0 "
                                f"(default: {Options.notebook_timeout:g})")
    autograde.add_argument("--memory-limit", type=int, default=MEMORY_LIMIT_MB, metavar="MB",
                           help=f"memory limit of each kernel in MiB (default: {MEMORY_LIMIT_MB}; 0: none)")
    autograde.add_argument("--process-limit", type=int, default=Limits.processes, metavar="N",
                           help="processes and threads of each kernel, in the sandbox "
                                f"(default: {Limits.processes}; 0: none)")
    autograde.add_argument("--file-size-limit", type=int, default=Limits.file_size_mb, metavar="MB",
                           help=f"largest file a kernel may write, in MiB (default: {Limits.file_size_mb}; 0: none)")
    autograde.add_argument("--disk-limit", type=int, default=Limits.disk_mb, metavar="MB",
                           help="size of each sandboxed kernel's private /tmp and of its /dev/shm, in MiB "
                                f"(default: {Limits.disk_mb})")
    autograde.add_argument("--max-notebook-mb", type=float, default=Options.max_notebook_mb, metavar="MB",
                           help=f"larger notebook files are not graded (default: {Options.max_notebook_mb:g})")
    autograde.add_argument("--regex", default=None,
                           help="for an LMS zip: nbgrader FileNameCollectorPlugin regex with (?P<student_id>...) "
                                "and (?P<file_id>...) groups")
    autograde.add_argument("--no-progress", action="store_true", help="no progress bar")
    autograde.add_argument("--cluster", default=None, metavar="ADDRESS",
                           help="grade on this Dask scheduler (e.g. tcp://host:8786) instead of local workers "
                                "(grading/cluster.py)")
    autograde.add_argument("--no-sandbox", action="store_true",
                           help="let the kernels see the solutions, the gradebook and the other submissions "
                                "(by default they are hidden; Linux only, see grading/sandbox.py)")
    autograde.set_defaults(run=cmd_autograde)

    validate = commands.add_parser("validate", help="run a notebook and its visible tests, as a student")
    validate.add_argument("notebooks", nargs="+", metavar="NOTEBOOK")
    validate.set_defaults(run=cmd_validate)

    demo = commands.add_parser("demo-class", help="write a synthetic class of students to try autograde on")
    demo.add_argument("out", metavar="OUT", help="a new folder")
    demo.set_defaults(run=cmd_demo_class)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except (ValueError, FileNotFoundError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
