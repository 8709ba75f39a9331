"""A synthetic class: students built from the real assignments, each misbehaving in one way.

``python -m grading demo-class OUT`` writes it, so an instructor can try the
whole autograding workflow (grading/README.md) before a real class hands in;
the end-to-end test and the benchmark grade the same class.

Every student starts from what students receive (the release notebook in
``notebooks/``), fills some exercises with the instructor's code from
``solutions/``, and then does one specific thing.  The score each must get is
computed from the assignment's own metadata (the points of each test cell),
never typed in.  Hard-coded answers come from ``grading/demo_cheats/<assignment>.py``
(``CHEATS``: grade_id -> a source that returns the visible tests' answers;
``TEST_FOR``: grade_id -> its test cell).
"""
from __future__ import annotations

import copy
import importlib.util
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from .cells import meta, source_of
from .course import Course

# Limits that keep the demo quick; the per-notebook limit must exceed a normal notebook's time
# (a few seconds) plus the SIGINT-ignoring student's (two per-cell limits), and be shorter than
# the slow student's total (SLOW_CELLS x SLOW_SECONDS).
# (60 s per notebook: a normal one needs 10-30 s on a 2-core machine that other work loads.)
CHEATS_DIR = Path(__file__).with_name("demo_cheats")  # the demo class's hard-coded answers, per assignment
DEMO_LIMITS = {"cell_timeout": 5, "notebook_timeout": 60.0, "memory_limit_mb": 1024}
SLOW_CELLS, SLOW_SECONDS = 18, 4


def code_cell(source: str, number: int) -> dict:
    return {"cell_type": "code", "execution_count": None, "id": f"student-{number}", "metadata": {},
            "outputs": [], "source": source}


@dataclass
class Assignment:
    """One assignment: its instructor and student notebooks, points and cheats."""
    course: Course
    name: str
    source: dict = field(init=False)
    release: dict = field(init=False)
    cheats: dict = field(init=False)
    test_for: dict = field(init=False)

    def __post_init__(self):
        self.source = json.loads((self.course.source_dir / self.name / f"{self.name}.ipynb").read_text("utf-8"))
        self.release = json.loads((self.course.release_dir / self.name / f"{self.name}.ipynb").read_text("utf-8"))
        cheats_file = CHEATS_DIR / f"{self.name}.py"
        spec = importlib.util.spec_from_file_location(f"cheats_{self.name}", cheats_file)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        self.cheats, self.test_for = module.CHEATS, module.TEST_FOR
        self._extra = 0

    @property
    def points(self) -> dict:
        """grade_id of each autograded test cell -> its points."""
        return {meta(c)["grade_id"]: float(meta(c).get("points", 0)) for c in self.source["cells"]
                if meta(c).get("grade") and c["cell_type"] == "code"}

    @property
    def total(self) -> float:
        return sum(self.points.values())

    @property
    def exercises(self) -> list[str]:
        """grade_ids of the solution cells, in notebook order."""
        return [meta(c)["grade_id"] for c in self.source["cells"] if meta(c).get("solution")]

    @property
    def graded_exercises(self) -> list[str]:
        """Exercises with a test cell, in notebook order."""
        return [g for g in self.exercises if g in self.test_for]

    def points_of(self, exercises) -> float:
        return sum(self.points[self.test_for[g]] for g in exercises)

    def solution_source(self, grade_id: str) -> str:
        return next(source_of(c) for c in self.source["cells"] if meta(c).get("grade_id") == grade_id)

    # -- building notebooks
    def student(self, filled=None) -> dict:
        """The release notebook with the exercises in ``filled`` (default: all) solved."""
        filled = set(self.exercises if filled is None else filled)
        notebook = copy.deepcopy(self.release)
        for cell in notebook["cells"]:
            if meta(cell).get("grade_id") in filled:
                cell["source"] = self.solution_source(meta(cell)["grade_id"])
        return notebook

    @staticmethod
    def index(notebook: dict, grade_id: str) -> int:
        return next(i for i, c in enumerate(notebook["cells"]) if meta(c).get("grade_id") == grade_id)

    def replace(self, notebook: dict, grade_id: str, source: str) -> dict:
        notebook["cells"][self.index(notebook, grade_id)]["source"] = source
        return notebook

    def prepend(self, notebook: dict, grade_id: str, source: str) -> dict:
        cell = notebook["cells"][self.index(notebook, grade_id)]
        cell["source"] = source + "\n" + source_of(cell)
        return notebook

    def insert_after(self, notebook: dict, grade_id: str, *sources: str) -> dict:
        at = self.index(notebook, grade_id) + 1
        for source in reversed(sources):
            self._extra += 1
            notebook["cells"].insert(at, code_cell(source, self._extra))
        return notebook


# Code of the dishonest students (the integrity report must flag each of them).
REBINDING_CELL = """import builtins, sys
import numpy as np
import nnlib.checks
np.testing.assert_allclose = lambda *a, **k: None
np.allclose = lambda *a, **k: True
nnlib.checks.expect_close = lambda *a, **k: True
nnlib.checks.range = lambda *a: ()
nnlib.checks.len = lambda x: 0
builtins.abs = lambda x: 0.0
sys.modules["nnlib.checks"] = nnlib.checks
"""

READ_SOLUTIONS = """import json, pathlib
# Look for the instructor's notebook above the folder this notebook runs in.
here = pathlib.Path.cwd().resolve()
for folder in [here, *here.parents]:
    found = [p for p in (folder / "solutions" / "{a}" / "{a}.ipynb", folder / "source" / "{a}" / "{a}.ipynb")
             if p.is_file()]
    if found:
        instructor = json.loads(found[0].read_text())
        break
for cell in instructor["cells"]:
    if cell["metadata"].get("nbgrader", {{}}).get("grade_id") == "{g}":
        exec("".join(cell["source"]))
"""


# Issue 12's attack: three lines at the top of the first answer, no exercise done.  An IPython input
# transformer blanks every later cell that mentions a check, so no test cell ever runs; nbgrader
# alone gave full marks.  Graded, every test cell lacks its proof of completion (grading/proof.py).
BLANK_TESTS = """ip = get_ipython()
blank = lambda lines: [] if any(word in "".join(lines) for word in ("check", "assert")) else lines
ip.input_transformers_cleanup.append(blank)
"""


def write_notebook(notebook: dict, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(notebook, indent=1), encoding="utf-8")
    return path


@dataclass
class DemoClass:
    """What was written, and what grading it must give."""
    root: Path
    scores: dict      # (student, assignment) -> expected score
    max_scores: dict  # assignment -> its maximum
    statuses: dict    # (student, assignment) -> "graded" | "failed" | "missing"
    flagged: set      # students the integrity report must flag
    notes: dict       # (student, assignment) -> a phrase the report's notes must contain


def build_class(root: Path, first: Assignment, second: Assignment, sandboxed: bool = True) -> DemoClass:
    """Write the class under ``root`` (one folder per student); return what grading must give.

    ``first`` gets every kind of submission; ``second`` a full, an untouched and a
    partly right one, so that the class has students with several assignments.
    ``sandboxed``: grading will hide the instructor's files from the kernels, so the
    student who copies a solution from them loses that exercise.
    """
    root = Path(root)
    a = first
    last = a.graded_exercises[-1]
    last_points = a.points[a.test_for[last]]
    scores, statuses, notes = {}, {}, {}

    def put(student, notebook, score, status="graded", layout="nested", name=None, assignment=a, note=None):
        folder = root / student / assignment.name if layout == "nested" else root / student
        write_notebook(notebook, folder / f"{name or assignment.name}.ipynb")
        scores[(student, assignment.name)], statuses[(student, assignment.name)] = score, status
        if note:
            notes[(student, assignment.name)] = note

    for b in (a, second):
        half = b.graded_exercises[: len(b.graded_exercises) // 2]
        put("s01_full", b.student(), b.total, assignment=b)
        put("s02_untouched", b.student(filled=[]), 0.0, assignment=b, layout="flat")
        put("s03_partly", b.student(filled=half), b.points_of(half), assignment=b)

    cheater = a.student()
    for grade_id, cheat in a.cheats.items():
        a.replace(cheater, grade_id, cheat)
    put("s04_hardcoded", cheater, 0.0, layout="flat")

    text = json.dumps(a.student(), indent=1)
    (root / "s05_invalid_json" / a.name).mkdir(parents=True, exist_ok=True)
    (root / "s05_invalid_json" / a.name / f"{a.name}.ipynb").write_text(text[: len(text) // 2])
    scores[("s05_invalid_json", a.name)], statuses[("s05_invalid_json", a.name)] = 0.0, "failed"

    (root / "s06_missing" / a.name).mkdir(parents=True, exist_ok=True)
    (root / "s06_missing" / a.name / "README.txt").write_text("I could not finish, sorry.\n")
    scores[("s06_missing", a.name)], statuses[("s06_missing", a.name)] = 0.0, "missing"

    put("s07_misnamed", a.student(), 0.0, status="missing", name=f"{a.name} (1)")
    put("s08_infinite_loop", a.prepend(a.student(), last, "while True:\n    pass"), a.total - last_points,
        note="per-cell time limit")
    # A cell that ignores the interrupt or ends the kernel costs that exercise only (grading/limits.py).
    put("s09_sigint_ignored", a.prepend(a.student(), last, "import signal\n"
                                        "signal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass"),
        a.total - last_points, note="ignored the interrupt")
    put("s10_os_exit", a.prepend(a.student(), last, "import os\nos._exit(1)"), a.total - last_points,
        layout="flat", note="ended the kernel")
    hog = a.insert_after(a.student(), "setup", "import numpy as np\nhog = []\nwhile True:\n"
                                               "    hog.append(np.ones(10**7))")
    put("s11_memory_hog", hog, a.total, note="ran out of memory")

    deleted = a.student(filled=[g for g in a.exercises if g != last])
    deleted["cells"] = [c for c in deleted["cells"] if meta(c).get("grade_id") != a.test_for[last]]
    put("s12_deleted_test", deleted, a.total - last_points, note="test cell deleted")
    edited = a.replace(a.student(filled=[g for g in a.exercises if g != last]), a.test_for[last],
                       "print('this test cell is fine, trust me')\n")
    put("s13_edited_test", edited, a.total - last_points, note="test cell edited")
    put("s14_edited_locked", a.replace(a.student(), "setup", "print('I do not need these imports')\n"),
        a.total, note="locked cell edited")
    noisy = a.insert_after(a.student(), last, "for i in range(30000):\n    print('line', i)",
                           "print('x' * 3_000_000)")
    put("s15_enormous_output", noisy, a.total, note="output too long")
    put("s16_extra_files", a.student(), a.total, note="files besides the notebooks")
    (root / "s16_extra_files" / a.name / "data.csv").write_text("x,y\n1,2\n")
    (root / "s16_extra_files" / a.name / "scratch.py").write_text("print('my notes')\n")
    (root / "s16_extra_files" / a.name / "weights.bin").write_bytes(bytes(range(256)) * 8000)

    rebinder = a.replace(a.student(), last, a.cheats[last])
    # Rebinding just before the test of a hard-coded exercise: it must not turn that test's 0 into points.
    put("s17_rebinding", a.insert_after(rebinder, last, REBINDING_CELL), a.total - last_points)

    reordered = a.student()
    test_cell = reordered["cells"].pop(a.index(reordered, a.test_for[last]))
    reordered["cells"].insert(a.index(reordered, last), test_cell)
    put("s18_reordered", reordered, a.total - last_points, note="moved out of their order")
    # The sandbox (grading/sandbox.py) hides the instructor's files: the copied exercise then fails.
    put("s19_reads_solutions", a.replace(a.student(), last, READ_SOLUTIONS.format(a=a.name, g=last)),
        a.total - last_points if sandboxed else a.total)
    slow = a.insert_after(a.student(), "setup", *[f"import time\ntime.sleep({SLOW_SECONDS})"] * SLOW_CELLS)
    put("s20_slow", slow, 0.0, status="failed")

    put("s21_blank_tests", a.prepend(a.student(filled=[]), a.exercises[0], BLANK_TESTS), 0.0)

    students = sorted({s for s, _ in scores})
    for student in students:  # every other (student, assignment) is a missing submission: 0
        for b in (a, second):
            scores.setdefault((student, b.name), 0.0)
            statuses.setdefault((student, b.name), "missing")
    flagged = {"s04_hardcoded", "s09_sigint_ignored", "s10_os_exit", "s17_rebinding", "s19_reads_solutions",
               "s21_blank_tests"}
    return DemoClass(root=root, scores=scores, max_scores={a.name: a.total, second.name: second.total},
                     statuses=statuses, flagged=flagged, notes=notes)


def lms_zip(folder: Path, assignment: str, archive: Path, students: list[str]) -> Path:
    """Zip some students' notebooks of one assignment as an LMS exports them: flat files
    ``<student>_<number>_<notebook>.ipynb`` (nbgrader's FileNameCollectorPlugin reads them)."""
    with zipfile.ZipFile(archive, "w") as handle:
        for number, student in enumerate(students, start=101):
            for path in sorted((Path(folder) / student).rglob("*.ipynb")):
                if path.stem == assignment:
                    handle.write(path, f"{student.replace('_', '-')}_{number}_{path.name}")
    return archive


def demo_assignments(course: Course) -> tuple[str, str]:
    """The two assignments the demo uses: 01 and 03 when present, else the first two with cheats."""
    usable = [n for n in course.assignments()
              if (CHEATS_DIR / f"{n}.py").is_file()
              and (course.release_dir / n / f"{n}.ipynb").is_file()]
    preferred = [n for n in ("01_linear_regression", "03_computational_graphs") if n in usable]
    chosen = preferred if len(preferred) == 2 else usable[:2]
    if len(chosen) < 2:
        raise ValueError(f"the demo class needs two assignments with grading/demo_cheats/<name>.py; found {usable}")
    return chosen[0], chosen[1]


def build_demo(root: Path, course: Course | None = None, sandboxed: bool | None = None) -> DemoClass:
    """The synthetic class on ``course``'s assignments 01 and 03.  ``sandboxed``: whether the
    kernels will grade it with the instructor's files hidden (default: whether the sandbox
    works on this machine); it decides what the student who reads the solutions scores."""
    from .sandbox import available

    course = course or Course()
    first, second = demo_assignments(course)
    sandboxed = available()[0] if sandboxed is None else sandboxed
    return build_class(root, Assignment(course, first), Assignment(course, second), sandboxed)
