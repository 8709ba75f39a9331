"""grading/records.py: the one record per submission, and state.json as a cache of the gradebook."""
from __future__ import annotations

from grading.records import Cache, Status, Submission


def graded(student="s1", digest="abc", sandboxed=2, status=Status.GRADED) -> Submission:
    return Submission(student, "a1", status=status, digest=digest, sandboxed=sandboxed, reason="", seconds=1.5)


def test_an_earlier_outcome_stands_only_for_the_same_bytes_still_in_the_gradebook(tmp_path):
    Cache(tmp_path / "state.json").save([graded(), graded("s2", status=Status.FAILED)])
    cache = Cache(tmp_path / "state.json")
    assert cache.outcome(graded(status=Status.PENDING), in_gradebook=True)["outcome"] == "graded"
    assert cache.outcome(graded("s2", status=Status.PENDING), in_gradebook=True)["outcome"] == "failed"
    assert cache.outcome(graded(status=Status.PENDING), in_gradebook=False) is None  # a new --db grades again
    assert cache.outcome(graded(digest="changed", status=Status.PENDING), in_gradebook=True) is None
    assert cache.outcome(graded("s3", status=Status.PENDING), in_gradebook=True) is None  # never seen


def test_what_was_graded_with_less_sandbox_than_now_is_graded_again(tmp_path):
    Cache(tmp_path / "state.json").save([graded(sandboxed=0), graded("s2", sandboxed=-1)])
    cache = Cache(tmp_path / "state.json")
    assert cache.outcome(graded(sandboxed=2, status=Status.PENDING), in_gradebook=True) is None
    assert cache.outcome(graded(sandboxed=0, status=Status.PENDING), in_gradebook=True) is not None
    assert cache.outcome(graded("s2", sandboxed=0, status=Status.PENDING), in_gradebook=True) is None  # distrusted


def test_nothing_handed_in_needs_no_gradebook_row_and_a_pending_outcome_is_never_trusted(tmp_path):
    Cache(tmp_path / "state.json").save([graded(digest="", status=Status.MISSING),
                                         graded("s2", status=Status.PENDING)])
    cache = Cache(tmp_path / "state.json")
    assert cache.outcome(graded(digest="", status=Status.MISSING), in_gradebook=False)["outcome"] == "missing"
    assert cache.outcome(graded("s2", status=Status.PENDING), in_gradebook=True) is None


def test_records_of_earlier_runs_stay_in_the_csv_while_the_gradebook_holds_them(tmp_path):
    Cache(tmp_path / "state.json").save([graded("s1"), graded("s2"), graded("s3")])
    kept = Cache(tmp_path / "state.json").earlier(current={("s1", "a1")}, in_gradebook={("s1", "a1"), ("s2", "a1")})
    assert [(r.student, r.status, r.unchanged, r.seconds) for r in kept] == [("s2", Status.GRADED, True, 1.5)]


def test_a_cache_of_another_version_or_unreadable_is_empty(tmp_path):
    (tmp_path / "state.json").write_text('{"version": 1, "results": {"s1/a1": {}}}')
    assert Cache(tmp_path / "state.json").entries == {}
    (tmp_path / "state.json").write_text("not json")
    assert Cache(tmp_path / "state.json").entries == {}


def test_the_csv_says_graded_failed_or_missing():
    assert {s: s.column for s in Status} == {
        Status.MISSING: "missing", Status.MISNAMED: "missing", Status.INVALID: "failed", Status.PENDING: "pending",
        Status.GRADED: "graded", Status.FAILED: "failed"}
    assert [s for s in Status if s.scored_zero] == [Status.INVALID, Status.FAILED]
