"""One record per submission, from the folder to the grades CSV (grading/autograde.py's pipeline).

A ``Submission`` is one (student, assignment): what was handed in, read once, and what became
of it.  Its ``status`` moves along one path::

    MISSING, MISNAMED, INVALID      found out while reading: never graded, scored 0
    PENDING  ->  GRADED | FAILED    graded in this run
    (cached) GRADED | FAILED ...    unchanged since an earlier run, which the gradebook still holds

``Cache`` is ``state.json``: what an earlier run made of which bytes.  It is only a cache: the
gradebook holds every score, and a cached outcome is trusted only while the gradebook still has
that submission (a new ``--db`` grades everything again).
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

from .integrity import Scan

CSV_COLUMNS = ["student", "assignment", "score", "max_score", "status", "reason", "flags"]
_SAVED = ("student", "assignment", "reason", "handed_in", "digest", "sandboxed", "seconds", "flags", "notes",
          "score", "max_score")  # what report.json and the cache keep of a record


class Status(Enum):
    MISSING = "missing"      # nothing handed in
    MISNAMED = "misnamed"    # notebooks handed in, none with a name of the assignment
    INVALID = "invalid"      # handed in, but no notebook can be read (too large, not JSON...)
    PENDING = "pending"      # readable: to be graded in this run
    GRADED = "graded"        # nbgrader graded it (cells may have lost points)
    FAILED = "failed"        # nbgrader could not grade it (timeout, crash): scored 0

    @property
    def column(self) -> str:
        """The grades CSV's ``status``: graded, failed or missing."""
        return {"misnamed": "missing", "invalid": "failed"}.get(self.value, self.value)

    @property
    def scored_zero(self) -> bool:
        """Handed in but not graded: 0 on every cell in the gradebook, and a feedback page saying why."""
        return self in (Status.INVALID, Status.FAILED)


@dataclass
class Submission:
    student: str
    assignment: str
    status: Status = Status.PENDING
    reason: str = ""                 # why a score is missing or partial (the CSV's reason)
    notebooks: dict = field(default_factory=dict)   # name -> the notebook as read (nbformat), readable ones only
    files: dict = field(default_factory=dict)       # name -> its file, readable ones only
    timestamp: Path | None = None                   # the submission's timestamp.txt, if any
    handed_in: list = field(default_factory=list)   # names of the assignment's notebooks found, readable or not
    digest: str = ""                 # sha256 of the source and the bytes handed in (decides "unchanged")
    sandboxed: int = 0               # sandbox level it was graded at (0 off, 1 hide-only, 2 full; -1 distrusted)
    seconds: float = 0.0             # grading time (the engine's result)
    unchanged: bool = False          # its outcome comes from the cache, not from this run
    scan: Scan = field(default_factory=Scan)        # what the integrity scan found in what was handed in
    flags: list = field(default_factory=list)       # the scan's and the run time's integrity.Finding, as dicts
    notes: list = field(default_factory=list)
    score: float = 0.0               # from the gradebook, when written
    max_score: float = 0.0

    @property
    def key(self) -> str:
        return f"{self.student}/{self.assignment}"

    @property
    def task(self) -> dict:
        """What the grading engine receives (worker.grade, pool.run_pool, cluster.run_cluster)."""
        return {"student": self.student, "assignment": self.assignment}

    def add_reason(self, text: str) -> None:
        if text and text not in self.reason:
            self.reason = "; ".join(filter(None, [self.reason, text]))

    def row(self) -> dict:
        """Its line of grades.csv (CSV_COLUMNS)."""
        return {"student": self.student, "assignment": self.assignment, "score": f"{self.score:g}",
                "max_score": f"{self.max_score:g}", "status": self.status.column, "reason": self.reason,
                "flags": len(self.flags)}

    def as_dict(self) -> dict:
        """For report.json and the cache: plain values only (no notebooks)."""
        return dict({k: getattr(self, k) for k in _SAVED}, status=self.status.column, outcome=self.status.value)


def submission_digest(source_digest: str, files: dict, timestamp: bytes | None) -> str:
    """sha256 over the assignment's source and the bytes handed in (``files``: name -> bytes)."""
    digest = hashlib.sha256(source_digest.encode())
    for name in sorted(files):
        digest.update(name.encode() + b"\0" + files[name])
    if timestamp:
        digest.update(timestamp)
    return digest.hexdigest()


class Cache:
    """``state.json``: the assignments' source digests and, per submission, what grading made of
    which bytes at which sandbox level.  Delete it and everything is graded again."""

    VERSION = 2

    def __init__(self, path: Path):
        self.path = Path(path)
        try:
            data = json.loads(self.path.read_text())
        except (OSError, ValueError):
            data = {}
        if data.get("version") != self.VERSION:
            data = {}
        self.sources = data.get("sources", {})   # assignment -> digest of its source folder
        self.entries = data.get("submissions", {})  # key -> Submission.as_dict()

    def outcome(self, record: Submission, in_gradebook: bool) -> dict | None:
        """The earlier outcome of ``record`` when it still stands: same bytes, graded at the same or a
        stricter sandbox level, and still in the gradebook (a never-graded one needs no gradebook row)."""
        entry = self.entries.get(record.key)
        if entry is None or entry["digest"] != record.digest or entry["outcome"] == Status.PENDING.value:
            return None
        never_graded = entry["outcome"] in (Status.MISSING.value, Status.MISNAMED.value)
        if never_graded or (in_gradebook and entry["sandboxed"] >= record.sandboxed):
            return entry
        return None

    def earlier(self, current: set, in_gradebook: set) -> list[Submission]:
        """Submissions of earlier runs that this run did not see (another --assignment, a folder gone),
        kept in the CSV while the gradebook holds them."""
        kept = []
        for key, entry in self.entries.items():
            pair = (entry["student"], entry["assignment"])
            if pair in current or not (pair in in_gradebook or entry["outcome"] == Status.MISSING.value):
                continue
            fields = {k: entry[k] for k in _SAVED}
            kept.append(Submission(**fields, status=Status(entry["outcome"]), unchanged=True))
        return kept

    def save(self, records: list[Submission]) -> None:
        self.entries.update({r.key: r.as_dict() for r in records})
        self.path.write_text(json.dumps({"version": self.VERSION, "sources": self.sources,
                                         "submissions": self.entries}, indent=1, sort_keys=True))
