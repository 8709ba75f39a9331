"""The instructor's command line (python -m grading): release, validate, autograde, end to end.

Everything here runs the real nbgrader on the real assignments 01 and 03.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from grading import release
from grading.course import Course

ROOT = Path(__file__).resolve().parent.parent
FIRST, SECOND = "01_linear_regression", "03_computational_graphs"


def grading_cli(*args, cwd=ROOT, timeout=600):
    """Run ``python -m grading ARGS`` the way an instructor does; return the CompletedProcess."""
    return subprocess.run([sys.executable, "-m", "grading", *map(str, args)], cwd=cwd, capture_output=True,
                          text=True, timeout=timeout)


def notebook_path(folder: Path, assignment: str) -> Path:
    return folder / assignment / f"{assignment}.ipynb"


@pytest.fixture()
def small_course(tmp_path) -> Path:
    """A course folder with assignment 01 only: its solutions and its committed student notebook."""
    for part in ("solutions", "notebooks"):
        shutil.copytree(ROOT / part / FIRST, tmp_path / part / FIRST)
    return tmp_path


# ---------------------------------------------------------------------------------------------
# release


@pytest.mark.slow
def test_release_check_passes_on_the_committed_notebooks():
    result = grading_cli("release", "--check", FIRST, SECOND)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "matches" in result.stdout


@pytest.mark.slow
def test_release_check_names_an_edited_notebook_and_release_repairs_it(small_course):
    course = Course(small_course)
    assert release.check(course, [FIRST]) == []
    student = notebook_path(course.release_dir, FIRST)
    notebook = json.loads(student.read_text(encoding="utf-8"))
    notebook["cells"][0]["source"] = "# A title edited by hand\n"
    student.write_text(json.dumps(notebook), encoding="utf-8")
    (course.release_dir / FIRST / "stray.txt").write_text("not generated\n")

    result = grading_cli("--course", small_course, "release", "--check")
    assert result.returncode == 1
    assert "cell 0: source" in result.stdout and "stray.txt" in result.stdout

    assert release.release(course, [FIRST]) == [FIRST]
    assert release.check(course, [FIRST]) == []
    assert not (course.release_dir / FIRST / "stray.txt").exists()


def test_release_refuses_an_unknown_assignment(small_course):
    result = grading_cli("--course", small_course, "release", "99_nothing")
    assert result.returncode == 2
    assert "99_nothing" in result.stderr and FIRST in result.stderr


def test_notebook_difference_ignores_volatile_metadata_only(tmp_path):
    base = json.loads(notebook_path(ROOT / "notebooks", FIRST).read_text(encoding="utf-8"))
    a, b = tmp_path / "a.ipynb", tmp_path / "b.ipynb"
    a.write_text(json.dumps(base), encoding="utf-8")
    base["cells"][1]["metadata"]["collapsed"] = True
    b.write_text(json.dumps(base), encoding="utf-8")
    assert release.notebook_difference(a, b) == ""
    base["cells"][1]["metadata"]["nbgrader"]["points"] = 99
    b.write_text(json.dumps(base), encoding="utf-8")
    assert "metadata" in release.notebook_difference(a, b)


# ---------------------------------------------------------------------------------------------
# validate (the students' self-check)


@pytest.mark.slow
def test_validate_passes_a_solution_and_names_the_failing_cells_of_an_unfilled_notebook(tmp_path):
    ok = grading_cli("validate", notebook_path(ROOT / "solutions", FIRST))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "every visible test passes" in ok.stdout
    assert "without encryption" not in ok.stdout + ok.stderr, "the kernel's start-up warning reached the student"

    unfilled = grading_cli("validate", notebook_path(ROOT / "notebooks", FIRST))
    assert unfilled.returncode == 1
    assert "predict-tests: NotImplementedError" in unfilled.stdout
    assert "closed_form-tests: NotImplementedError" in unfilled.stdout

    broken = tmp_path / "broken.ipynb"
    broken.write_text(notebook_path(ROOT / "notebooks", FIRST).read_text(encoding="utf-8")[:500])
    bad = grading_cli("validate", broken, tmp_path / "absent.ipynb")
    assert bad.returncode == 1
    assert "cannot be read as a notebook" in bad.stdout and "no such notebook" in bad.stdout


@pytest.mark.slow
def test_validate_names_an_edited_test_cell(tmp_path):
    notebook = json.loads(notebook_path(ROOT / "notebooks", FIRST).read_text(encoding="utf-8"))
    cell = next(c for c in notebook["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == "predict-tests")
    cell["source"] = "".join(cell["source"]) + "\npass  # my own test instead\n"
    edited = tmp_path / f"{FIRST}.ipynb"
    edited.write_text(json.dumps(notebook), encoding="utf-8")
    result = grading_cli("validate", edited)
    assert result.returncode == 1
    assert "test cell(s) edited: predict-tests." in result.stdout, result.stdout


# ---------------------------------------------------------------------------------------------
# autograde, end to end, on the synthetic class (grading/demo.py) built from assignments 01 and 03


def autograde_cli(course, submissions, out, *extra):
    from grading.demo import DEMO_LIMITS

    return grading_cli("--course", course, "autograde", submissions, "--out", out, "--workers", 2,
                       "--cell-timeout", DEMO_LIMITS["cell_timeout"],
                       "--notebook-timeout", DEMO_LIMITS["notebook_timeout"],
                       "--memory-limit", DEMO_LIMITS["memory_limit_mb"], *extra)


def read_csv(path: Path) -> list[dict]:
    import csv

    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def dump_gradebook(path: Path) -> dict:
    """Every row of every table of a SQLite gradebook, sorted: equal dumps mean an unchanged gradebook."""
    import sqlite3

    with sqlite3.connect(path) as db:
        tables = [t for (t,) in db.execute("select name from sqlite_master where type = 'table'")]
        return {t: sorted(map(repr, db.execute(f"select * from {t}").fetchall())) for t in tables}


def snapshot(out: Path) -> dict:
    return {"csv": (out / "grades.csv").read_text(), "report": (out / "report.json").read_text(),
            "gradebook": dump_gradebook(out / "gradebook.db")}


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    """The demo class, autograded three times: once, again unchanged, again with one change and one newcomer."""
    from grading.demo import build_demo, write_notebook

    base = tmp_path_factory.mktemp("class")
    # A private copy of the two assignments: other people editing solutions/ must not look like a change.
    course = base / "course"
    for name in (FIRST, SECOND):
        for part in ("solutions", "notebooks"):
            shutil.copytree(ROOT / part / name, course / part / name)
    demo = build_demo(base / "submissions", Course(course))
    demo.course = course
    out = base / "graded"
    first = autograde_cli(course, demo.root, out)
    assert first.returncode == 0, first.stdout + first.stderr[-3000:]
    runs = {"first": (first, snapshot(out))}

    second = autograde_cli(course, demo.root, out)
    assert second.returncode == 0, second.stdout + second.stderr[-3000:]
    runs["second"] = (second, snapshot(out))

    # s02 finally solves assignment 01; a late student hands in 03.
    changed = json.loads((demo.root / "s01_full" / FIRST / f"{FIRST}.ipynb").read_text(encoding="utf-8"))
    write_notebook(changed, demo.root / "s02_untouched" / f"{FIRST}.ipynb")
    shutil.copytree(demo.root / "s01_full" / SECOND, demo.root / "s22_late" / SECOND)
    third = autograde_cli(course, demo.root, out)
    assert third.returncode == 0, third.stdout + third.stderr[-3000:]
    runs["third"] = (third, snapshot(out))
    return demo, out, runs


@pytest.mark.slow
def test_every_student_gets_exactly_the_expected_score(graded_class):
    demo, out, runs = graded_class
    rows = read_csv(out / "grades.csv")
    first_rows = list(__import__("csv").DictReader(runs["first"][1]["csv"].splitlines()))
    got = {(r["student"], r["assignment"]): (float(r["score"]), float(r["max_score"]), r["status"])
           for r in first_rows}
    want = {key: (score, demo.max_scores[key[1]], demo.statuses[key]) for key, score in demo.scores.items()}
    assert got == want
    assert len(demo.scores) >= 2 * 12
    for row in first_rows:  # a missing or failed score always says why
        assert (row["reason"] != "") == (row["status"] != "graded"), row
    assert "per-notebook limit" in next(r["reason"] for r in first_rows if r["student"] == "s20_slow")
    assert "invalid JSON" in next(r["reason"] for r in first_rows if r["student"] == "s05_invalid_json")
    assert "misnamed" in next(r["reason"] for r in first_rows if r["student"] == "s07_misnamed")
    # The third run regraded exactly the changed and the new submission.
    final = {(r["student"], r["assignment"]): float(r["score"]) for r in rows}
    assert final[("s02_untouched", FIRST)] == demo.max_scores[FIRST]
    assert final[("s22_late", SECOND)] == demo.max_scores[SECOND]
    assert "autograded 2 submission(s)" in runs["third"][0].stdout


@pytest.mark.slow
def test_class_analytics_agree_with_the_gradebook(graded_class):
    from nbgrader.api import Gradebook

    demo, out, runs = graded_class
    rows = read_csv(out / "grades.csv")
    assert "analytics/01_linear_regression.html" in (out / "report.md").read_text()
    with Gradebook(f"sqlite:///{out / 'gradebook.db'}", "nn-from-scratch") as gb:
        for assignment in (FIRST, SECOND):
            page = (out / "analytics" / f"{assignment}.html").read_text(encoding="utf-8")
            assert page.count("<img") >= 3 and "Failing checks" in page
            table = read_csv(out / "analytics" / f"{assignment}.csv")
            handed_in = [r for r in rows if r["assignment"] == assignment and r["status"] != "missing"]
            distribution = {r["name"]: int(r["students"]) for r in table if r["kind"] == "score"}
            assert distribution == dict(__import__("collections").Counter(f"{float(r['score']):g}" for r in handed_in))
            for cell in graded_test_cells(demo.course, assignment):
                scores = {r["student"]: gb.find_grade(cell, assignment, assignment, r["student"]).score or 0.0
                          for r in handed_in}
                row = next(r for r in table if r["kind"] == "exercise" and r["name"] == cell)
                assert float(row["mean"]) == pytest.approx(sum(scores.values()) / len(scores), abs=1e-4)  # 4 decimals
                full = gb.find_grade(cell, assignment, assignment, handed_in[0]["student"]).max_score
                assert float(row["full_marks_share"]) == pytest.approx(
                    sum(s >= full for s in scores.values()) / len(scores), abs=1e-4)
                # Every graded submission that lost this cell failed exactly one check of it.
                lost = sum(scores[r["student"]] == 0 for r in handed_in if r["status"] == "graded")
                failing = sum(int(r["students"]) for r in table if r["kind"] == "check"
                              and r["name"].startswith(f"{cell}: "))
                assert failing == lost, cell
    table = read_csv(out / "analytics" / f"{FIRST}.csv")
    untouched = next(r for r in table if r["kind"] == "exercise" and r["name"] == "predict-tests")
    assert 0 < float(untouched["attempted_share"]) < 1
    assert any(r["kind"] == "cell" and float(r["max_seconds"]) > 0 for r in table)


@pytest.mark.slow
def test_the_analytics_page_renders_in_the_browser(graded_class, tmp_path):
    """The instructor opens the page in a real browser: every plot decodes to a picture, nothing
    runs past the page's width, and the tables have rows."""
    sys.path.insert(0, str(ROOT / "tests" / "browser"))
    from lab import launch_chromium, require_browser

    require_browser()
    sync_api = pytest.importorskip("playwright.sync_api")
    demo, out, runs = graded_class
    page_path = out / "analytics" / f"{FIRST}.html"
    with sync_api.sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            errors = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto(page_path.as_uri())
            page.wait_for_load_state("load")
            images = page.eval_on_selector_all("img", "els => els.map(e => [e.complete, e.naturalWidth])")
            assert len(images) >= 3 and all(done and width > 100 for done, width in images), images
            width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
            assert width[0] <= width[1], f"the page is wider than the window: {width}"
            assert page.locator("table tr").count() >= 5
            assert not errors, errors
            page.screenshot(path=str(tmp_path / "analytics.png"), full_page=True)
        finally:
            browser.close()


@pytest.mark.slow
def test_a_second_run_changes_nothing(graded_class):
    demo, out, runs = graded_class
    assert "autograded 0 submission(s)" in runs["second"][0].stdout
    assert runs["second"][1] == runs["first"][1]


@pytest.mark.slow
def test_the_report_flags_exactly_the_dishonest_students_with_cell_and_line(graded_class):
    demo, out, runs = graded_class
    report = json.loads(runs["first"][1]["report"])
    flagged = {s["student"] for s in report["submissions"] if s["flags"]}
    assert flagged == demo.flagged
    for submission in report["submissions"]:
        for flag in submission["flags"]:
            if flag["category"] == "no-proof":  # found while grading: the cell, and why
                assert flag["cell"] and flag["message"], flag
            elif flag["notebook"].endswith(".ipynb"):
                assert flag["cell"] and flag["line"] >= 1 and flag["code"], flag
    categories = {s["student"]: {f["category"] for f in s["flags"]} for s in report["submissions"] if s["flags"]}
    assert categories["s04_hardcoded"] == {"hard-coded"}
    assert {"rebinding", "hard-coded"} <= categories["s17_rebinding"]
    assert "files" in categories["s19_reads_solutions"] and "kernel" in categories["s10_os_exit"]
    # Issue 12's attack: flagged where it is written, and at run time in every test cell it emptied.
    blank = next(s for s in report["submissions"] if s["student"] == "s21_blank_tests")
    assert {(f["category"], f["cell"]) for f in blank["flags"] if f["category"] == "machinery"} >= {
        ("machinery", demo_first_exercise(demo))}
    no_proof = {f["cell"] for f in blank["flags"] if f["category"] == "no-proof"}
    assert no_proof == set(graded_test_cells(demo.course, FIRST)), blank["flags"]
    notes = {(s["student"], s["assignment"]): " ".join(n["message"] for n in s["notes"])
             for s in report["submissions"]}
    for key, phrase in demo.notes.items():
        assert phrase in notes[key], (key, notes[key])
    markdown = (out / "report.md").read_text()
    assert "s17_rebinding / 01_linear_regression" in markdown and "nnlib.checks.expect_close" in markdown


def graded_test_cells(course: Path, assignment: str) -> list[str]:
    source = json.loads(notebook_path(course / "solutions", assignment).read_text(encoding="utf-8"))
    return [c["metadata"]["nbgrader"]["grade_id"] for c in source["cells"]
            if c["metadata"].get("nbgrader", {}).get("grade") and not c["metadata"]["nbgrader"].get("solution")]


def demo_first_exercise(demo) -> str:
    source = json.loads(notebook_path(demo.course / "solutions", FIRST).read_text(encoding="utf-8"))
    return next(c["metadata"]["nbgrader"]["grade_id"] for c in source["cells"]
                if c["metadata"].get("nbgrader", {}).get("solution"))


@pytest.mark.slow
def test_nbgrader_restores_deleted_and_edited_test_cells_and_locked_cells(graded_class):
    demo, out, runs = graded_class
    source = json.loads(notebook_path(demo.course / "solutions", FIRST).read_text(encoding="utf-8"))
    test_id = "closed_form-tests"
    original = next(c for c in source["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == test_id)
    for student in ("s12_deleted_test", "s13_edited_test"):
        graded = json.loads(notebook_path(out / "autograded" / student, FIRST).read_text(encoding="utf-8"))
        cells = [c for c in graded["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == test_id]
        assert len(cells) == 1, student
        # The instructor's version, hidden tests included (nbgrader may prepend a comment saying so).
        assert "".join(cells[0]["source"]).endswith("".join(original["source"])), student
        assert any(o.get("output_type") == "error" for o in cells[0]["outputs"]), student
    # The edited locked cell (the imports) ran as the instructor wrote it: hence s14's full score.
    graded = json.loads(notebook_path(out / "autograded" / "s14_edited_locked", FIRST).read_text(encoding="utf-8"))
    setup = next(c for c in graded["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == "setup")
    original = next(c for c in source["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == "setup")
    assert "".join(setup["source"]) == "".join(original["source"])
    assert demo.scores[("s14_edited_locked", FIRST)] == demo.max_scores[FIRST]


@pytest.mark.slow
def test_feedback_exists_for_every_submission_and_never_shows_hidden_tests(graded_class):
    import html
    import re

    demo, out, runs = graded_class
    hidden, visible, shown_lines = set(), set(), set()
    for assignment in (FIRST, SECOND):
        source = json.loads(notebook_path(demo.course / "solutions", assignment).read_text(encoding="utf-8"))
        for cell in source["cells"]:
            if cell["metadata"].get("nbgrader", {}).get("grade"):
                text = "".join(cell["source"])
                shown, _, rest = text.partition("### BEGIN HIDDEN TESTS")
                squash = lambda line: re.sub(r"\s+", "", line)  # noqa: E731
                hidden |= {squash(line) for line in rest.split("### END HIDDEN TESTS")[0].splitlines()
                           if len(line.strip()) > 25}
                visible |= {squash(line) for line in shown.splitlines() if "expect_close" in line}
                shown_lines |= {squash(line) for line in shown.splitlines()}
    hidden -= shown_lines  # a line in both parts (``with checks.using(...)``) is no secret
    assert hidden and visible
    rows = read_csv(out / "grades.csv")
    seen_visible = 0
    for row in rows:
        page = out / "feedback" / row["student"] / row["assignment"] / f"{row['assignment']}.html"
        assert page.is_file() == (row["status"] != "missing"), row
        if not page.is_file():
            continue
        text = re.sub(r"\s+", "", html.unescape(re.sub(r"<[^>]+>", "", page.read_text(encoding="utf-8"))))
        assert not [line for line in hidden if line in text], row
        seen_visible += any(line in text for line in visible)
    assert seen_visible > 10  # the comparison does find test code in the pages


@pytest.mark.slow
def test_parallel_workers_left_the_sqlite_gradebook_intact(graded_class):
    import sqlite3

    from nbgrader.api import Gradebook

    demo, out, runs = graded_class
    with sqlite3.connect(out / "gradebook.db") as db:
        assert db.execute("pragma integrity_check").fetchone() == ("ok",)
    logs = "".join(p.read_text(errors="replace") for p in (out / "logs").glob("*.log"))
    assert "database is locked" not in logs
    with Gradebook(f"sqlite:///{out / 'gradebook.db'}", "nn-from-scratch") as gb:
        for row in read_csv(out / "grades.csv"):
            if row["status"] != "missing":
                assert gb.find_submission(row["assignment"], row["student"]).score == float(row["score"]), row


@pytest.mark.slow
def test_an_lms_zip_is_collected_by_nbgrader_and_redo_regrades(graded_class, tmp_path):
    from grading.demo import lms_zip

    demo, _, _ = graded_class
    archive = lms_zip(demo.root, FIRST, tmp_path / "export.zip", ["s01_full", "s03_partly"])
    with __import__("zipfile").ZipFile(archive, "a") as handle:
        handle.writestr("a-note-from-nobody.txt", "not a submission\n")
    out = tmp_path / "graded"
    database = f"sqlite:///{tmp_path / 'elsewhere.db'}"  # any SQLAlchemy URL; PostgreSQL in a large course
    first = autograde_cli(demo.course, archive, out, "--assignment", FIRST, "--db", database)
    assert first.returncode == 0, first.stdout + first.stderr[-3000:]
    assert (tmp_path / "elsewhere.db").is_file() and not (out / "gradebook.db").exists()
    scores = {(r["student"], r["assignment"]): float(r["score"]) for r in read_csv(out / "grades.csv")}
    assert scores == {("s01-full", FIRST): demo.scores[("s01_full", FIRST)],
                      ("s03-partly", FIRST): demo.scores[("s03_partly", FIRST)]}
    assert "a-note-from-nobody.txt" in (out / "report.md").read_text()
    before = read_csv(out / "grades.csv")
    redo = autograde_cli(demo.course, archive, out, "--assignment", FIRST, "--redo", "--db", database)
    assert "autograded 2 submission(s)" in redo.stdout
    assert read_csv(out / "grades.csv") == before


@pytest.mark.slow
def test_what_was_graded_without_the_sandbox_is_graded_again_with_it(graded_class, tmp_path):
    from grading.sandbox import available

    if not available()[0]:
        pytest.skip("no sandbox here")
    demo, _, _ = graded_class
    submissions, out = tmp_path / "submissions", tmp_path / "graded"
    for student in ("s01_full", "s19_reads_solutions"):
        shutil.copytree(demo.root / student, submissions / student)

    def autograde(*extra):
        result = autograde_cli(demo.course, submissions, out, "--assignment", FIRST, *extra)
        assert result.returncode == 0, result.stdout + result.stderr[-3000:]
        return result.stdout, {r["student"]: float(r["score"]) for r in read_csv(out / "grades.csv")}

    full = demo.scores[("s01_full", FIRST)]
    said, scores = autograde("--no-sandbox")
    assert scores == {"s01_full": full, "s19_reads_solutions": full}  # it copied the solution
    said, scores = autograde()
    assert "autograded 2 submission(s)" in said
    assert scores == {"s01_full": full, "s19_reads_solutions": demo.scores[("s19_reads_solutions", FIRST)]}
    said, _ = autograde("--no-sandbox")  # grades made in the sandbox stand
    assert "autograded 0 submission(s)" in said


def test_demo_class_writes_the_synthetic_class_and_refuses_a_used_folder(tmp_path):
    result = grading_cli("demo-class", tmp_path / "demo")
    assert result.returncode == 0, result.stderr
    students = sorted(p.name for p in (tmp_path / "demo").iterdir())
    assert len(students) == 21 and students[0] == "s01_full" and "autograde" in result.stdout
    again = grading_cli("demo-class", tmp_path / "demo")
    assert again.returncode == 2 and "not empty" in again.stderr


def test_cluster_without_the_dask_engine_is_a_clear_error(tmp_path, monkeypatch):
    import importlib.util

    from grading.autograde import Options, run

    find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *args: None if name == "grading.cluster" else find_spec(name, *args))
    with pytest.raises(ValueError, match=r"--cluster tcp://scheduler:8786: .*no Dask engine"):
        run(Options(submissions=tmp_path, out=tmp_path / "out", cluster="tcp://scheduler:8786", progress=False))
