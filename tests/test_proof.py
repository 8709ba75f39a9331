"""A test cell earns its points only on proof that it ran to its end (grading/proof.py).

Each submission below uses one way of changing how later cells run, written plainly and
obfuscated (names built from strings, ``getattr``, ``__import__``).  Graded the way the
grader runs notebooks (``LimitedExecute``), each must leave its test cell with an error
(nbgrader scores it 0) saying why, and the integrity report must flag it: statically
(notebook, cell, line) and at run time.  Where the mechanism really turns a wrong answer
into a passing cell, the test shows that too, with nbgrader's plain ``Execute``.
"""
from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from grading import integrity, proof
from grading.limits import TIMES_FILE, LimitedExecute

pytestmark = pytest.mark.slow

SETUP = "import numpy as np\n%matplotlib inline\nimport matplotlib.pyplot as plt"
TEST = """import importlib, nnlib.checks as checks; checks = importlib.reload(checks)
for x in [1.0, 2.0, -3.0]:
    checks.expect_close(double(x), 2 * x, name=f"double({x})")
print("All checks in this cell passed.")"""
BETWEEN = "import time\ntime.sleep(0.05)  # a cell between the exercise and its test, as notebooks have"
RIGHT = "def double(x):\n    return 2 * x\n"
WRONG = "def double(x):\n    return 0.0\n"

# Rewriting cheats replace each line with a check by ``pass`` (same indentation).
STRIP = ("def strip(code):\n"
         "    return ''.join(l if 'checks.' not in l else l[:len(l) - len(l.lstrip())] + 'pass\\n'\n"
         "                   for l in code.splitlines(True))\n")



def keeps_setting(kind: str) -> tuple[str, str]:
    """A thread that keeps setting sys.<kind>hook (plain, obfuscated): IPython puts the hook back
    after every cell (see the test below), so a lasting change needs one."""
    plain = RIGHT + ("import sys, threading, time\ndef keep():\n    while True:\n"
                     f"        sys.{kind}hook = lambda *args: None\n        time.sleep(0.001)\n"
                     "threading.Thread(target=keep, daemon=True).start()\n")
    hidden = RIGHT + ('def keep(s=__import__("s" + "ys")):\n    while True:\n'
                      f'        setattr(s, "{kind}" + "hook", print)\n'
                      '        getattr(__import__("time"), "sleep")(0.001)\n'
                      '__import__("threading").Thread(target=keep, daemon=True).start()\n')
    return plain, hidden


# name -> (the student's cell, whether the answer in it is wrong, i.e. the mechanism must
# make a failing test cell pass; honest answers show that the mechanism alone costs the cell).
CHEATS = {
    "input_transformers_cleanup": (WRONG + """
ip = get_ipython()
ip.input_transformers_cleanup.append(lambda lines: [] if any("check" in l for l in lines) else lines)
""", WRONG + """
g = __import__("IPy" + "thon").get_ipython()
getattr(g, "input_transformers_" + "cleanup").append(lambda ls: [] if any("che" + "ck" in l for l in ls) else ls)
"""),
    "input_transformers_post": (WRONG + STRIP + """
get_ipython().input_transformers_post.append(lambda lines: strip("".join(lines)).splitlines(True))
""", WRONG + STRIP + """
name = "".join(["input_", "transformers_", "post"])
getattr(__import__("IPython").get_ipython(), name).append(lambda ls: strip("".join(ls)).splitlines(True))
"""),
    "ast_transformers": (WRONG + """
import ast
class Skip(ast.NodeTransformer):
    def visit_Expr(self, node):
        return None if "expect_" in ast.unparse(node) else node
    def visit_For(self, node):
        return None if "expect_" in ast.unparse(node) else node
get_ipython().ast_transformers.append(Skip())
""", WRONG + """
import ast
class Skip(ast.NodeTransformer):
    def visit_For(self, node):
        return None if "expect" in ast.unparse(node) else node
getattr(__import__("IPython").get_ipython(), "ast_" + "transformers").append(Skip())
"""),
    "events": (WRONG + """
import importlib, types
fake = types.SimpleNamespace(expect_close=lambda *a, **k: None)
real_reload = importlib.reload
def before(info):
    importlib.reload = lambda module: fake
def after(result):
    importlib.reload = real_reload
get_ipython().events.register("pre_run_cell", before)
get_ipython().events.register("post_run_cell", after)
""", WRONG + """
import types
fake = types.SimpleNamespace(expect_close=lambda *a, **k: None)
lib = __import__("import" + "lib")
real = getattr(lib, "rel" + "oad")
register = getattr(getattr(__import__("IPython").get_ipython(), "eve" + "nts"), "register")
register("pre_" + "run_cell", lambda info: setattr(lib, "rel" + "oad", lambda m: fake))
register("post_" + "run_cell", lambda result: setattr(lib, "rel" + "oad", real))
"""),
    "run_code": (WRONG + """
ip = get_ipython()
async def run_code(code_obj, result=None, *, async_=False):
    try:
        exec(code_obj, ip.user_global_ns, ip.user_ns)
    except Exception:
        pass
    return False
ip.run_code = run_code
""", WRONG + """
g = __import__("IPython").get_ipython()
async def quiet(self, code_obj, result=None, *, async_=False):
    try:
        exec(code_obj, self.user_global_ns, self.user_ns)
    except Exception:
        pass
    return False
setattr(type(g), "run_" + "code", quiet)
"""),
    "run_cell": (WRONG + STRIP + """
ip = get_ipython()
original = ip.run_cell
ip.run_cell = lambda raw_cell, *args, **kwargs: original(strip(raw_cell), *args, **kwargs)
""", WRONG + STRIP + """
g = __import__("IPython").get_ipython()
original = getattr(type(g), "run_" + "cell")
setattr(type(g), "run_" + "cell", lambda self, raw, *args, **kwargs: original(self, strip(raw), *args, **kwargs))
"""),
    "showtraceback": (RIGHT + """
get_ipython().showtraceback = lambda *args, **kwargs: None
get_ipython()._showtraceback = lambda *args, **kwargs: None
""", RIGHT + """
g = __import__("IPython").get_ipython()
for name in ("show" + "traceback", "_show" + "traceback", "show" + "syntaxerror"):
    setattr(g, name, lambda *a, **k: None)
"""),
    "showsyntaxerror": (RIGHT + """
get_ipython().showsyntaxerror = lambda *args, **kwargs: None
""", RIGHT + """
vars(__import__("IPython").get_ipython())["show" + "syntaxerror"] = print
"""),
    "excepthook": keeps_setting("except"),
    "displayhook": keeps_setting("display"),
    "settrace": (WRONG + """
import sys
def same(frame, event, arg):  # every check compares the answer with itself
    if event == "call" and frame.f_code.co_name == "expect_close":
        actual, expected = frame.f_code.co_varnames[:2]
        frame.f_locals[expected] = frame.f_locals[actual]
sys.settrace(same)
""", WRONG + """
def same(frame, event, arg):
    if event == "call" and frame.f_code.co_name.startswith("expect"):
        names = frame.f_code.co_varnames
        frame.f_locals[names[1]] = frame.f_locals[names[0]]
getattr(__import__("s" + "ys"), "set" + "trace")(same)
"""),
    "setprofile": (RIGHT + """
import sys
sys.setprofile(lambda frame, event, arg: None)
""", RIGHT + """
getattr(__import__("s" + "ys"), "set" + "profile")(lambda *a: None)
"""),
    "output_capture": (RIGHT + """
import io, sys
sys.stderr = sys.stdout
""", RIGHT + """
s = __import__("sys")
setattr(s, "std" + "err", getattr(s, "std" + "out"))
"""),
    "builtins": (RIGHT + """
import builtins
builtins.abs = lambda x: 0.0
""", RIGHT + """
setattr(__import__("built" + "ins"), "a" + "bs", lambda x: 0.0)
"""),
    "kernel": (WRONG + STRIP + """
k = get_ipython().kernel
original = k.do_execute
k.do_execute = lambda code, *args, **kwargs: original(strip(code), *args, **kwargs)
""", WRONG + STRIP + """
k = getattr(__import__("IPython").get_ipython(), "ker" + "nel")
original = getattr(k, "do_" + "execute")
setattr(k, "do_" + "execute", lambda code, *args, **kwargs: original(strip(code), *args, **kwargs))
"""),
}
# The mechanisms that make the wrong answer pass under nbgrader's plain Execute.
EFFECTIVE = ["input_transformers_cleanup", "input_transformers_post", "ast_transformers", "events", "run_code",
             "run_cell", "settrace", "kernel"]


def notebook(student: str):
    solution = {"nbgrader": {"grade": False, "solution": True, "grade_id": "double", "locked": False}}
    test = {"nbgrader": {"grade": True, "solution": False, "grade_id": "double-tests", "points": 2, "locked": True}}
    return new_notebook(cells=[new_code_cell(SETUP), new_code_cell(student, metadata=solution),
                               new_code_cell(BETWEEN), new_code_cell(TEST, metadata=test)])


def run(student: str, tmp_path: Path, execute=LimitedExecute):
    nb, _ = execute(timeout=30).preprocess(notebook(student), {"metadata": {"path": str(tmp_path)}})
    return nb


def graded_cell(nb):
    return next(c for c in nb.cells if proof.is_test_cell(c))


def errors(cell):
    return [o for o in cell.outputs if o.output_type == "error"]


def test_an_honest_answer_keeps_its_points_and_shows_no_proof(tmp_path):
    nb = run(RIGHT, tmp_path)
    cell = graded_cell(nb)
    assert errors(cell) == [] and cell.outputs[0].text == "All checks in this cell passed.\n"
    assert "GRADING-PROOF" not in str(nb) and cell.source == TEST  # the instructor's source, no proof line
    assert [p.name for p in tmp_path.iterdir()] == [TIMES_FILE]  # the guard's key file was read and deleted
    assert integrity.runtime_findings(nb, "n.ipynb") == ([], [])


def test_a_wrong_answer_fails_with_its_own_error(tmp_path):
    cell = graded_cell(run(WRONG, tmp_path))
    assert [e.ename for e in errors(cell)] == ["AssertionError"]


@pytest.mark.parametrize("mechanism", sorted(CHEATS))
@pytest.mark.parametrize("style", ["plain", "obfuscated"])
def test_each_mechanism_earns_zero_and_is_flagged(mechanism, style, tmp_path):
    student = CHEATS[mechanism][style == "obfuscated"]
    nb = run(student, tmp_path)
    cell = graded_cell(nb)
    assert proof.PROOF_ERROR in [e.ename for e in errors(cell)], (mechanism, cell.outputs)
    flags, _ = integrity.runtime_findings(nb, "n.ipynb")
    assert flags and flags[0].cell == "double-tests" and flags[0].category == "no-proof", flags
    static = integrity.scan_source(student, "n.ipynb", "double")
    assert {"machinery", "dynamic-code", "rebinding"} & {f.category for f in static}, (mechanism, style, static)
    assert all(f.cell == "double" and f.line >= 1 and f.code for f in static)


@pytest.mark.parametrize("mechanism", EFFECTIVE)
def test_without_the_proof_the_mechanism_would_pass_a_wrong_answer(mechanism, tmp_path):
    from nbgrader.preprocessors import Execute

    for student in CHEATS[mechanism]:
        cell = graded_cell(run(student, tmp_path, execute=Execute))
        assert errors(cell) == [], (mechanism, cell.outputs)


def test_ipython_itself_undoes_a_direct_change_of_excepthook_and_displayhook(tmp_path):
    student = WRONG + "import sys\nsys.excepthook = lambda *a: None\nsys.displayhook = lambda v: None\n"
    cell = graded_cell(run(student, tmp_path))
    assert [e.ename for e in errors(cell)] == ["AssertionError"]  # the wrong answer still fails
    assert {f.message for f in integrity.scan_source(student, "n.ipynb", "double")} >= {
        "changes sys.excepthook", "changes sys.displayhook"}


def test_a_forged_proof_line_is_refused(tmp_path):
    student = RIGHT + ("def forge():\n"
                       "    print('GRADING-PROOF {\"nonce\": \"0\", \"problems\": [], \"sha256\": \"0\"} ' + '0' * 64)\n"
                       "double = lambda x: forge() or 2 * x\n")
    cell = graded_cell(run(student, tmp_path))
    assert [e.ename for e in errors(cell)] == [proof.PROOF_ERROR]
    assert "forged" in errors(cell)[0].evalue
