"""The gradebook (nbgrader's, any SQLAlchemy URL): the one source of scores and of "was this graded".

The pipeline (grading/autograde.py) asks it which submissions it holds, writes a 0 on every
cell of a submission that could not be graded, and reads every score it puts in the CSV.
Workers write the graded submissions' rows themselves, through nbgrader (grading/worker.py).
"""
from __future__ import annotations

import warnings

SQLITE_LOCK_WAIT = 60  # seconds a writer waits for SQLite's lock before giving up


def sqlite_url(url: str) -> str:
    """Add a lock wait to a SQLite URL (other databases are returned unchanged)."""
    if url.startswith("sqlite") and "timeout=" not in url:
        return url + ("&" if "?" in url else "?") + f"timeout={SQLITE_LOCK_WAIT}"
    return url


def open_gradebook(db_url: str, course_id: str):
    from nbgrader.api import Gradebook

    return Gradebook(db_url, course_id)


def assignments(db_url: str, course_id: str) -> set:
    """The assignments the gradebook knows (a new database knows none)."""
    with open_gradebook(db_url, course_id) as gb:
        return {a.name for a in gb.assignments}


def submissions(db_url: str, course_id: str, assignment_names) -> set:
    """{(student, assignment)} the gradebook holds a submission of."""
    with open_gradebook(db_url, course_id) as gb:
        return {(s.student.id, a) for a in assignment_names for s in gb.assignment_submissions(a)}


def add_students(db_url: str, course_id: str, students) -> None:
    """Create the students (every one handed in, or was expected to) before any worker starts: workers
    then write only their own submission's rows."""
    with open_gradebook(db_url, course_id) as gb:
        for student in sorted(set(students)):
            gb.update_or_create_student(student)


def record_zero(db_url: str, course_id: str, assignment: str, student: str) -> None:
    """Give a submission that could not be autograded 0 on every graded cell (nbgrader's rule for a
    missing notebook)."""
    with open_gradebook(db_url, course_id) as gb, warnings.catch_warnings():
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


def read_scores(gb, records) -> None:
    """Set ``score`` and ``max_score`` of each record from the gradebook ``gb`` (0 of the assignment's
    maximum when it holds no submission)."""
    from nbgrader.api import MissingEntry

    max_scores = {}
    for record in records:
        if record.assignment not in max_scores:
            try:
                max_scores[record.assignment] = float(gb.find_assignment(record.assignment).max_score)
            except MissingEntry:
                max_scores[record.assignment] = 0.0
        try:
            submission = gb.find_submission(record.assignment, record.student)
            record.score, record.max_score = float(submission.score), float(submission.max_score)
        except MissingEntry:
            record.score, record.max_score = 0.0, max_scores[record.assignment]
