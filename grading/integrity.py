"""The integrity report: code in a submission that a person should look at.

The test cells are built so that none of this earns points (they reload
``nnlib.checks`` and compute their own expected values); the report is the
second line of defence, and a list for review, not a verdict.  Every code cell
the student controls (cells nbgrader does not overwrite with the instructor's
version) is parsed with ``ast`` after IPython's own transformation of magics
and shell escapes, and these patterns are flagged, naming the notebook, the
cell (its nbgrader grade_id, or its position) and the line:

* ``rebinding``: assigning to or deleting attributes of modules
  (``np.testing.assert_allclose = ...``, ``nnlib.checks.expect_close = ...``,
  ``importlib.reload = ...``, ``math.isclose = ...``), ``setattr`` on a module,
  ``builtins``/``__builtins__``, ``sys.modules``, ``globals()[...] =``, and
  top-level names that shadow a builtin or a name the test cells use; files
  shipped next to the notebook that would shadow a module (``numpy.py``);
* ``frame-inspection``: reading the caller's frame (``sys._getframe``,
  ``inspect.stack``, ``f_back``, ``f_locals``), e.g. to copy a test's expected value;
* ``kernel``: ending or steering the Python process (``os._exit``,
  ``sys.exit``, ``exit()``, ``os.kill``, ``signal.signal``, ``raise
  SystemExit``, ``except KeyboardInterrupt``: defeats the time limit);
* ``shell``: ``subprocess``, ``os.system``, ``!cmd`` and ``%%bash``;
* ``files``: opening, loading or listing a path that is absolute, climbs out
  with ``..``, names the course's folders (``solutions``, ``source``,
  ``gradebook.db``...) or is computed at run time;
* ``writes``: writing, moving or deleting a file outside the kernel's own folder
  (``open(path, 'w')``, ``Path.write_text``/``unlink``, ``os.remove``, ``shutil.*``, ``np.save``...
  on a path that is absolute, under ``~``, climbs out with ``..`` or is computed at run time);
  ``sandbox_notes`` adds a note for each write the grading sandbox refused at run time;
* ``dynamic-code``: ``exec``, ``eval``, ``compile``, ``__import__``, ``ctypes``;
* ``hard-coded``: a graded function whose every ``return`` is a constant, or
  that returns a number that appears in the visible tests (heuristics);
* ``machinery``: code that changes how later cells run: IPython's input and AST
  transformers, ``events`` callbacks, the shell's or the kernel's methods
  (``run_cell``, ``run_code``, ``showtraceback``, ``do_execute``...), ``sys.excepthook``,
  ``sys.displayhook``, ``sys.stdout``/``stderr``, trace and profile functions, threads,
  attribute names computed at run time (``getattr(x, "run_" + "code")``) and strings that
  name any of these, however they are built from constants.

Flags found while grading (``runtime_findings``): ``no-proof``, a test cell that gave no
valid proof that it ran to its end (grading/proof.py says why: a changed execution
machinery, code other than the test's, interpreter tampering).

Notes (not flags) list what nbgrader repairs or ignores: deleted, edited (by nbgrader's
checksum, ``cells.edited``) or reordered test and locked cells, extra files, and cells stopped
by a limit.  Notebooks are nbformat nodes (a path or a JSON dict is read into one), their cells
classified by ``nbgrader.utils``.
"""
from __future__ import annotations

import ast
import builtins
import math
import re
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .cells import as_notebook, edited, grade_id, is_grade, is_locked, is_solution
from .limits import DEAD_KERNEL, STUCK_CELL, TRUNCATED, kernel_died
from .proof import PROOF_ERROR

# Most serious first (the report's summary ranks students by it).
FLAG_CATEGORIES = ("no-proof", "machinery", "rebinding", "frame-inspection", "files", "writes", "hard-coded",
                   "dynamic-code", "kernel", "shell")

# Names the graded test cells rely on, besides builtins.
TEST_NAMES = {"np", "numpy", "checks", "importlib", "nnlib", "math"}
_BUILTIN_NAMES = {name for name in dir(builtins) if not name.startswith("_")} | {"__builtins__", "__import__"}
_DEFAULT_ALIASES = {"np": "numpy", "plt": "matplotlib.pyplot", "checks": "nnlib.checks"}

_KERNEL_CALLS = {
    "os._exit": "exits the kernel process", "sys.exit": "exits the kernel", "exit": "exits the kernel",
    "quit": "exits the kernel", "os.abort": "aborts the kernel process", "os.kill": "sends a signal to a process",
    "os.killpg": "sends a signal to a process group", "signal.signal": "changes a signal handler",
    "signal.alarm": "sets an alarm signal", "signal.setitimer": "sets a timer signal",
    "signal.pthread_kill": "sends a signal to a thread", "signal.pthread_sigmask": "blocks signals",
    "os.fork": "forks the kernel", "os.setsid": "detaches from the kernel's session",
    "resource.setrlimit": "changes the kernel's resource limits", "faulthandler.enable": "changes crash handling",
}
_SHELL_CALLS = ("subprocess.", "os.system", "os.popen", "os.exec", "os.spawn", "os.posix_spawn", "pty.spawn")
_FILE_CALLS = {
    "open", "io.open", "os.open", "codecs.open", "numpy.load", "numpy.loadtxt", "numpy.genfromtxt",
    "numpy.fromfile", "numpy.memmap", "os.listdir", "os.scandir", "os.walk", "glob.glob", "glob.iglob",
    "shutil.copy", "shutil.copyfile", "shutil.copytree", "shutil.move", "shutil.rmtree", "os.remove",
    "os.unlink", "os.rename", "os.replace", "pathlib.Path", "Path", "os.chdir", "pickle.load",
    "nbformat.read", "json.load", "runpy.run_path", "linecache.getlines", "tokenize.open",
}
_FILE_METHODS = {"read_text", "read_bytes", "write_text", "write_bytes", "iterdir", "rglob"}
_DYNAMIC_CALLS = {"exec": "runs code from a string", "eval": "evaluates code from a string",
                  "compile": "compiles code from a string", "__import__": "imports dynamically",
                  "importlib.import_module": "imports dynamically", "ctypes.CDLL": "loads native code"}
_FRAME_CALLS = {"sys._getframe", "inspect.currentframe", "inspect.stack", "inspect.getouterframes",
                "inspect.getframeinfo", "inspect.trace", "traceback.extract_stack", "sys.exc_info"}
_FRAME_ATTRIBUTES = {"f_back", "f_locals", "f_globals", "gi_frame", "tb_frame", "cr_frame", "f_code"}
_LOW_LEVEL_MODULES = {"ctypes", "gc", "builtins", "cffi"}
_COURSE_PATH = re.compile(r"(^|[/\\])(solutions|source|autograded|submitted|release|feedback|notebooks|"
                          r"gradebook\.db|\.nbgrader)([/\\]|$)|(^|[/\\])\.\.([/\\]|$)|^[/~]|^[A-Za-z]:[/\\]")
_SHELL_MAGICS = {"bash", "sh", "script", "system", "sx", "writefile", "file", "perl", "ruby", "python",
                 "python3", "pypy", "svg", "javascript", "js", "html"}
_FILE_MAGICS = {"run", "load", "cat", "more", "pycat", "less", "cd", "bookmark", "load_ext", "env"}
# What decides how a cell runs (grading/proof.py audits the same at run time).
_MACHINERY_NAMES = {
    "input_transformers_cleanup", "input_transformers_post", "input_transformer_manager", "ast_transformers",
    "run_cell", "run_cell_async", "_run_cell", "run_code", "run_ast_nodes", "transform_cell", "transform_ast",
    "showtraceback", "_showtraceback", "showsyntaxerror", "showindentationerror", "set_custom_exc",
    "custom_exceptions", "display_trap", "sys_excepthook", "shell_handlers", "do_execute", "execute_request",
    "pre_run_cell", "post_run_cell", "pre_execute", "post_execute", "settrace", "setprofile", "addaudithook",
    "excepthook", "displayhook", "display_pub", "NodeTransformer", "InteractiveShell", "ipykernel",
}
_MACHINERY_STORES = {"sys.excepthook", "sys.displayhook", "sys.stdout", "sys.stderr", "sys.__stdout__",
                     "sys.__stderr__", "sys.breakpointhook", "sys.unraisablehook"}
_MACHINERY_CALLS = {"sys.settrace": "sets a trace function", "sys.setprofile": "sets a profile function",
                    "threading.settrace": "sets a trace function", "threading.setprofile": "sets a profile function",
                    "sys.addaudithook": "adds an audit hook", "threading.Thread": "starts a thread",
                    "threading.Timer": "starts a thread", "_thread.start_new_thread": "starts a thread",
                    "contextlib.redirect_stdout": "captures the output", "contextlib.redirect_stderr":
                    "captures the output"}
_MAGIC_METHODS = {"run_line_magic", "run_cell_magic", "system", "getoutput"}


@dataclass
class Finding:
    """One line of the report: where, which kind, and what."""
    notebook: str
    cell: str
    line: int
    category: str
    message: str
    code: str = ""


@dataclass
class Scan:
    flags: list = field(default_factory=list)
    notes: list = field(default_factory=list)

    def as_dict(self):
        return {"flags": [asdict(f) for f in self.flags], "notes": [asdict(n) for n in self.notes]}

    def __iadd__(self, other: "Scan") -> "Scan":
        self.flags += other.flags
        self.notes += other.notes
        return self


# ---------------------------------------------------------------------------------------------
# Notebooks


def _label(cell, index) -> str:
    return grade_id(cell) or f"cell {index + 1}"


def _restored_ids(notebook) -> list[str]:
    """grade_ids of the cells nbgrader overwrites with the instructor's version (test and locked cells)."""
    return [grade_id(c) for c in notebook.cells if grade_id(c) and is_locked(c)]


def _solution_ids(notebook) -> set:
    return {grade_id(c) for c in notebook.cells if grade_id(c) and is_solution(c)}


def to_python(source: str) -> str:
    """IPython's transformation of a cell (magics and ``!`` become calls), one line per line."""
    try:
        from IPython.core.inputtransformer2 import TransformerManager
        return TransformerManager().transform_cell(source)
    except Exception:  # IPython absent, or a cell it cannot transform: parse what is there
        return source


def visible_test_numbers(source_notebook) -> set:
    """Non-trivial numbers written in the visible part of the instructor's test cells."""
    numbers = set()
    for cell in as_notebook(source_notebook).cells:
        if cell.cell_type != "code" or not is_grade(cell):
            continue
        visible = cell.source.split("### BEGIN HIDDEN TESTS")[0]
        try:
            tree = ast.parse(to_python(visible))
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and type(node.value) in (int, float):
                if not _trivial_number(node.value):
                    numbers.add(float(node.value))
    return numbers


def _trivial_number(value) -> bool:
    value = abs(float(value))
    if value == int(value) and value <= 10:
        return True
    return value != 0 and abs(round(math.log10(value)) - math.log10(value)) < 1e-12  # 0.01, 1e-8, 1000


# ---------------------------------------------------------------------------------------------
# The AST walk


def _dotted(node) -> str | None:
    """'np.testing.assert_allclose' for an attribute chain on a name; None otherwise."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "get_ipython":
        parts.append("get_ipython()")
        return ".".join(reversed(parts))
    return None


def _is_constant(node) -> bool:
    """A literal, or a container / np.array(...) / arithmetic of literals."""
    if isinstance(node, ast.Constant):
        return node.value is not None
    if isinstance(node, ast.UnaryOp):
        return _is_constant(node.operand)
    if isinstance(node, ast.BinOp):
        return _is_constant(node.left) and _is_constant(node.right)
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return len(node.elts) > 0 and all(_is_constant(e) for e in node.elts)
    if isinstance(node, ast.Dict):
        return all(k is not None and _is_constant(k) and _is_constant(v) for k, v in zip(node.keys, node.values))
    if isinstance(node, ast.Call):
        name = _dotted(node.func) or ""
        if name.split(".")[-1] in {"array", "asarray", "float", "int", "float64", "tuple", "list"}:
            return bool(node.args) and all(_is_constant(a) for a in node.args) and \
                all(_is_constant(k.value) for k in node.keywords)
    return False


def _constant_text(node) -> str | None:
    """The string a constant expression spells (``"run_" + "code"``, ``"".join(["a", "b"])``, an
    f-string of constants); None when it is computed from anything else."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _constant_text(node.left), _constant_text(node.right)
        return None if left is None or right is None else left + right
    if isinstance(node, ast.JoinedStr):
        parts = [_constant_text(v) for v in node.values]
        return None if None in parts else "".join(parts)
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "join"
            and len(node.args) == 1 and isinstance(node.args[0], (ast.List, ast.Tuple))):
        glue, parts = _constant_text(node.func.value), [_constant_text(e) for e in node.args[0].elts]
        return None if glue is None or None in parts else glue.join(parts)
    return None


def _numbers_in(node) -> set:
    return {float(n.value) for n in ast.walk(node)
            if isinstance(n, ast.Constant) and type(n.value) in (int, float) and not _trivial_number(n.value)}


class _Visitor(ast.NodeVisitor):
    def __init__(self, scanner, cell_label, lines, graded_function_cell):
        self.scanner = scanner
        self.cell = cell_label
        self.lines = lines
        self.graded = graded_function_cell
        self.depth = 0  # >0 inside a function or class body
        self.magic_calls = set()  # get_ipython() calls that only run a magic (``%matplotlib``, ``!ls``)

    # -- helpers
    def flag(self, node, category, message):
        line = getattr(node, "lineno", 1)
        code = self.lines[line - 1].strip() if 0 < line <= len(self.lines) else ""
        self.scanner.add_flag(self.cell, line, category, message, code)

    def resolve(self, dotted: str | None) -> str | None:
        if not dotted:
            return None
        head, _, rest = dotted.partition(".")
        base = self.scanner.aliases.get(head, head)
        return base + ("." + rest if rest else "")

    def is_module_root(self, node) -> bool:
        dotted = _dotted(node)
        if not dotted:
            return False
        head = dotted.split(".")[0]
        return head in self.scanner.aliases or head in self.scanner.known_modules or head == "__builtins__"

    # -- stores
    def check_target(self, target, node, verb="rebinds"):
        if isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                self.check_target(element, node, verb)
        elif isinstance(target, ast.Starred):
            self.check_target(target.value, node, verb)
        elif isinstance(target, ast.Attribute):
            dotted = self.resolve(_dotted(target))
            if dotted in _MACHINERY_STORES:
                self.flag(node, "machinery", f"changes {dotted}")
            elif self.is_module_root(target.value):
                self.flag(node, "rebinding", f"{verb} {dotted}")
        elif isinstance(target, ast.Subscript):
            container = target.value
            dotted = self.resolve(_dotted(container)) or ""
            if dotted in ("sys.modules", "__builtins__", "builtins.__dict__") or dotted.endswith(".__dict__") \
                    and self.is_module_root(container):
                self.flag(node, "rebinding", f"{verb} an entry of {dotted}")
            elif isinstance(container, ast.Call) and _dotted(container.func) in ("globals", "vars", "locals"):
                self.flag(node, "rebinding", f"{verb} a name through {_dotted(container.func)}()")
        elif isinstance(target, ast.Name) and self.depth == 0:
            self.check_global_name(target.id, node)

    def check_global_name(self, name, node):
        if name in _BUILTIN_NAMES:
            self.flag(node, "rebinding", f"rebinds the builtin {name!r} for every later cell")
        elif name in TEST_NAMES:
            self.flag(node, "rebinding", f"rebinds {name!r}, a name the test cells use")

    def visit_Assign(self, node):
        for target in node.targets:
            self.check_target(target, node)
        self.generic_visit(node)

    def _visit_one_target(self, node):
        self.check_target(node.target, node)
        self.generic_visit(node)

    visit_AugAssign = visit_AnnAssign = visit_For = _visit_one_target

    def visit_Delete(self, node):
        for target in node.targets:
            self.check_target(target, node, verb="deletes")
        self.generic_visit(node)

    def visit_With(self, node):
        for item in node.items:
            if item.optional_vars is not None:
                self.check_target(item.optional_vars, node)
        self.generic_visit(node)

    def visit_Global(self, node):
        for name in node.names:
            if name in _BUILTIN_NAMES or name in TEST_NAMES:
                self.flag(node, "rebinding", f"declares {name!r} global to rebind it")

    # -- imports
    def visit_Import(self, node):
        for alias in node.names:
            root = alias.name.split(".")[0]
            if root in _LOW_LEVEL_MODULES:
                self.flag(node, "dynamic-code" if root != "builtins" else "rebinding",
                          f"imports {alias.name}")
            if alias.asname and self.depth == 0 and (alias.asname in _BUILTIN_NAMES or
                                                     (alias.asname in TEST_NAMES and
                                                      _DEFAULT_ALIASES.get(alias.asname, alias.asname) != alias.name)):
                self.flag(node, "rebinding", f"binds {alias.asname!r} to the module {alias.name}")

    def visit_ImportFrom(self, node):
        module = node.module or ""
        if module.split(".")[0] in _LOW_LEVEL_MODULES:
            self.flag(node, "dynamic-code" if module != "builtins" else "rebinding", f"imports from {module}")
        for alias in node.names:
            bound = alias.asname or alias.name
            if self.depth == 0 and (bound in _BUILTIN_NAMES or bound in TEST_NAMES):
                if f"{module}.{alias.name}" not in ("nnlib.checks", "numpy.numpy"):
                    self.flag(node, "rebinding", f"binds {bound!r} to {module}.{alias.name}")

    # -- definitions
    def _visit_definition(self, node):
        if self.depth == 0 and node.name in _BUILTIN_NAMES | TEST_NAMES:
            self.check_global_name(node.name, node)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and self.graded:
            self.check_hard_coded(node)
        self.depth += 1
        self.generic_visit(node)
        self.depth -= 1

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = _visit_definition

    def visit_Lambda(self, node):
        self.depth += 1
        self.generic_visit(node)
        self.depth -= 1

    # -- calls and names
    def visit_Call(self, node):
        raw = _dotted(node.func)
        name = self.resolve(raw) or ""
        short = node.func.attr if isinstance(node.func, ast.Attribute) else name.split(".")[-1]
        self.check_text(node, _constant_text(node))
        if name.split(".")[-1] == "get_ipython" and id(node) not in self.magic_calls:
            self.flag(node, "machinery", "reaches the IPython shell (get_ipython()) beyond running a magic")
        if name in ("getattr", "setattr", "delattr", "hasattr") and len(node.args) >= 2 and \
                _constant_text(node.args[1]) is None:
            self.flag(node, "dynamic-code", f"computes an attribute name at run time ({name})")
        if name in _MACHINERY_CALLS:
            self.flag(node, "machinery", f"{_MACHINERY_CALLS[name]} ({name})")
        elif name in _KERNEL_CALLS:
            self.flag(node, "kernel", f"{_KERNEL_CALLS[name]} ({name})")
        elif name.startswith(_SHELL_CALLS):
            self.flag(node, "shell", f"runs a program ({name})")
        elif name in _DYNAMIC_CALLS:
            self.flag(node, "dynamic-code", f"{_DYNAMIC_CALLS[name]} ({name})")
        elif name in _FRAME_CALLS:
            self.flag(node, "frame-inspection", f"inspects the call stack ({name})")
        elif name in ("setattr", "delattr") and node.args and self.is_module_root(node.args[0]):
            self.flag(node, "rebinding", f"{name} on {self.resolve(_dotted(node.args[0]))}")
        elif name.startswith("get_ipython()"):
            self.check_ipython_call(node, short)
        elif name in _FILE_CALLS or name.startswith("pandas.read_") or (
                isinstance(node.func, ast.Attribute) and short in _FILE_METHODS):
            self.check_file_call(node, name)
        if (name.startswith("sys.modules.") and short in ("update", "pop", "setdefault", "clear", "__setitem__",
                                                           "__delitem__", "popitem")):
            self.flag(node, "rebinding", f"changes sys.modules ({short})")
        self.generic_visit(node)

    def check_ipython_call(self, node, method):
        magic = node.args[0].value if node.args and isinstance(node.args[0], ast.Constant) else ""
        if method in ("system", "getoutput"):
            self.flag(node, "shell", "runs a shell command (!)")
        elif method == "run_cell_magic" and magic in _SHELL_MAGICS:
            self.flag(node, "shell", f"runs the cell magic %%{magic}")
        elif method == "run_line_magic" and magic in _SHELL_MAGICS | _FILE_MAGICS:
            self.flag(node, "files" if magic in _FILE_MAGICS else "shell", f"runs the magic %{magic}")
        elif method in ("ask_exit", "kernel"):
            self.flag(node, "kernel", "asks the kernel to exit")

    def check_file_call(self, node, name):
        target = node.args[0] if node.args else None
        if target is None:
            for keyword in node.keywords:
                if keyword.arg in ("file", "fname", "path", "filepath_or_buffer", "src", "top"):
                    target = keyword.value
        label = name or "a file method"
        if target is None:
            if name in ("os.listdir", "os.scandir", "os.walk", "pathlib.Path", "Path", "glob.glob"):
                return  # the current folder
            if isinstance(node.func, ast.Attribute):
                self.flag(node, "files", f"accesses files through .{node.func.attr}()")
            return
        if isinstance(target, ast.Constant) and isinstance(target.value, str):
            if _COURSE_PATH.search(target.value.strip()):
                self.flag(node, "files", f"{label} on {target.value!r}, outside the student's folder")
        else:
            self.flag(node, "files", f"{label} on a path computed at run time")

    def visit_Attribute(self, node):
        if isinstance(node.value, ast.Call) and node.attr in _MAGIC_METHODS:
            self.magic_calls.add(id(node.value))
        if node.attr in _MACHINERY_NAMES:
            self.flag(node, "machinery", f"reaches {node.attr}, which decides how cells run")
        if node.attr in _FRAME_ATTRIBUTES:
            self.flag(node, "frame-inspection", f"reads the frame attribute {node.attr}")
        elif node.attr == "__file__" and isinstance(node.ctx, ast.Load):
            self.flag(node, "files", f"locates files through {_dotted(node) or '__file__'}")
        elif (self.resolve(_dotted(node)) or "") == "sys.modules" and not isinstance(node.ctx, ast.Store):
            self.flag(node, "rebinding", "reaches into sys.modules")
        self.generic_visit(node)

    def visit_Name(self, node):
        if node.id == "__builtins__":
            self.flag(node, "rebinding", "reaches into __builtins__")
        self.generic_visit(node)

    def visit_BinOp(self, node):
        self.check_text(node, _constant_text(node))
        self.generic_visit(node)

    def visit_JoinedStr(self, node):
        self.check_text(node, _constant_text(node))
        self.generic_visit(node)

    def check_text(self, node, text):
        """Flag a string built from constants that names the execution machinery."""
        if text and (text in _MACHINERY_NAMES or text.split(".")[-1] in _MACHINERY_NAMES):
            self.flag(node, "machinery", f"names {text!r}, which decides how cells run")

    def visit_Constant(self, node):
        if isinstance(node.value, str):
            self.check_text(node, node.value)
        if isinstance(node.value, str) and len(node.value) < 300 and re.search(
                r"(^|[/\\])(solutions|autograded|gradebook\.db)([/\\]|$)", node.value):
            self.flag(node, "files", f"mentions the path {node.value!r}")

    def visit_Raise(self, node):
        exc = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
        if isinstance(exc, ast.Name) and exc.id in ("SystemExit", "KeyboardInterrupt"):
            self.flag(node, "kernel", f"raises {exc.id}")
        self.generic_visit(node)

    def visit_ExceptHandler(self, node):
        types = node.type.elts if isinstance(node.type, ast.Tuple) else [node.type] if node.type else []
        for kind in types:
            if isinstance(kind, ast.Name) and kind.id in ("KeyboardInterrupt", "BaseException", "SystemExit"):
                self.flag(node, "kernel", f"catches {kind.id}, which defeats the time limit")
        self.generic_visit(node)

    # -- hard-coding
    def check_hard_coded(self, function):
        returns = [n for n in _own_nodes(function) if isinstance(n, ast.Return) and n.value is not None
                   and not (isinstance(n.value, ast.Name) and n.value.id == "self")
                   and not (isinstance(n.value, ast.Constant) and n.value.value is None)]
        has_parameters = bool(function.args.args or function.args.posonlyargs or function.args.kwonlyargs)
        if returns and has_parameters and all(_is_constant(r.value) for r in returns):
            self.flag(returns[0], "hard-coded", f"{function.name}() returns only constants, whatever its input")
            return
        for ret in returns:
            parts = ret.value.elts if isinstance(ret.value, ast.Tuple) else [ret.value]
            literal = [p for p in parts if _is_constant(p) and _numbers_in(p)]
            if literal and len(parts) > 1:
                self.flag(ret, "hard-coded", f"{function.name}() returns the fixed value {ast.unparse(literal[0])[:60]}")
                return
            shared = sorted({n for leaf in _value_leaves(ret.value) if _is_constant(leaf)
                             for n in _numbers_in(leaf)} & self.scanner.test_numbers)
            if shared:
                values = ", ".join(repr(v) for v in shared[:3])
                self.flag(ret, "hard-coded", f"{function.name}() returns {values}, a value the visible tests check")
                return
        constant_returns = [r for r in returns if any(_is_constant(leaf) for leaf in _value_leaves(r.value))]
        for node in _own_nodes(function):
            if isinstance(node, ast.Constant) and type(node.value) is float and _significant_digits(node.value) >= 9:
                self.flag(node, "hard-coded", f"{function.name}() writes in the number {node.value!r} "
                                              "(a computed result, copied?)")
                return
            if isinstance(node, ast.Assign):
                value = node.value.value if isinstance(node.value, ast.Subscript) else node.value
                shared = sorted(_numbers_in(value) & self.scanner.test_numbers) if _is_constant(value) else []
                if shared:
                    self.flag(node, "hard-coded", f"{function.name}() stores {shared[0]!r}, "
                                                  "a value the visible tests check")
                    return
            if isinstance(node, ast.Compare) and constant_returns and any(
                    _is_shape_of_input(part) for part in [node.left, *node.comparators]) and any(
                    _is_constant(part) for part in [node.left, *node.comparators]):
                self.flag(node, "hard-coded", f"{function.name}() returns a fixed value when its input has "
                                              "one particular shape or length")
                return
            if isinstance(node, ast.Compare):
                shared = sorted({n for part in [node.left, *node.comparators] if _is_constant(part)
                                 for n in _numbers_in(part)} & self.scanner.test_numbers)
                if shared:
                    self.flag(node, "hard-coded", f"{function.name}() compares with {shared[0]!r}, "
                                                  "an input of the visible tests")
                    return


def _significant_digits(value: float) -> int:
    digits = repr(abs(value)).split("e")[0].replace(".", "").lstrip("0")
    return len(digits.rstrip("0")) if digits else 0


def _is_shape_of_input(node) -> bool:
    """``np.shape(x)``, ``x.shape``, ``len(x)``, ``x.ndim``, ``x.size`` (and ``x.shape[0]``)."""
    if isinstance(node, ast.Subscript):
        node = node.value
    if isinstance(node, ast.Attribute):
        return node.attr in ("shape", "ndim", "size")
    if isinstance(node, ast.Call):
        name = _dotted(node.func) or ""
        return name.split(".")[-1] in ("shape", "len", "ndim", "size")
    return False


def _value_leaves(node):
    """The sub-expressions a return statement can hand back as they are: the branches of
    ``a if c else b``, the items of a tuple or list, the operands of ``and``/``or``."""
    if isinstance(node, ast.IfExp):
        return _value_leaves(node.body) + _value_leaves(node.orelse)
    if isinstance(node, ast.BoolOp):
        return [leaf for value in node.values for leaf in _value_leaves(value)]
    if isinstance(node, (ast.Tuple, ast.List)) and not _is_constant(node):
        return [leaf for element in node.elts for leaf in _value_leaves(element)]
    return [node]


def _own_nodes(function):
    """The nodes of a function body, not descending into nested functions or classes."""
    stack = list(function.body)
    while stack:
        node = stack.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
                stack.append(child)


# ---------------------------------------------------------------------------------------------
# Scanning a submission


class _Scanner:
    def __init__(self, notebook_name, known_modules, test_numbers):
        self.notebook = notebook_name
        self.known_modules = known_modules
        self.test_numbers = test_numbers
        self.aliases = dict(_DEFAULT_ALIASES)
        self.scan = Scan()

    def add_flag(self, cell, line, category, message, code=""):
        finding = Finding(self.notebook, cell, line, category, message, code)
        if finding not in self.scan.flags:
            self.scan.flags.append(finding)

    def add_note(self, cell, category, message):
        self.scan.notes.append(Finding(self.notebook, cell, 0, category, message))

    def learn_imports(self, tree):
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        self.aliases[alias.asname] = alias.name
                    else:
                        head = alias.name.split(".")[0]
                        self.aliases[head] = head
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:
                    self.aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"


def known_module_names() -> set:
    names = set(sys.builtin_module_names) | set(getattr(sys, "stdlib_module_names", ()))
    names |= {name.split(".")[0] for name in sys.modules}
    return names | {"numpy", "nnlib", "matplotlib", "scipy", "pandas", "torch", "sklearn", "IPython", "nbgrader"}


def scan_notebook(notebook, source_notebook, release_notebook=None, known_modules: set | None = None,
                  test_numbers: set | None = None, name: str | None = None) -> Scan:
    """Scan one submitted notebook (a path, or a notebook read already with its file ``name``);
    ``source_notebook`` is the instructor's, ``release_notebook`` the student's copy."""
    name = name or Path(notebook).name
    source_notebook = as_notebook(source_notebook)
    scanner = _Scanner(name, known_modules or known_module_names(),
                       visible_test_numbers(source_notebook) if test_numbers is None else test_numbers)
    try:
        cells = as_notebook(notebook).cells
    except Exception:  # not a notebook (nbformat raises several kinds): the grades CSV says so
        return scanner.scan
    restored = set(_restored_ids(source_notebook))
    graded_functions = _solution_ids(source_notebook)

    parsed = []
    for index, cell in enumerate(cells):
        if cell.cell_type != "code":
            continue
        source = cell.source
        python = to_python(source)
        try:
            tree = ast.parse(python)
        except SyntaxError:
            tree = None
        if tree is not None:
            scanner.learn_imports(tree)
        if grade_id(cell) in restored:
            continue  # nbgrader replaces this cell with the instructor's version before running it
        parsed.append((index, cell, source, python, tree))

    for index, cell, source, python, tree in parsed:
        label = _label(cell, index)
        if tree is None:
            scanner.add_note(label, "syntax", "does not parse as Python (it will fail when run)")
            continue
        _visit(scanner, label, source, python, tree, grade_id(cell) in graded_functions)

    _note_tampering(scanner, cells, as_notebook(release_notebook or source_notebook), restored)
    return scanner.scan


def _visit(scanner, label, source, python, tree, graded):
    lines = source.splitlines() if len(source.splitlines()) == len(python.splitlines()) else python.splitlines()
    _Visitor(scanner, label, lines, graded).visit(tree)
    flag_file_writes(scanner, label, lines, tree)


def scan_source(source: str, notebook: str = "", cell: str = "") -> list[Finding]:
    """The flags of one cell's code on its own (what ``scan_notebook`` finds in each cell)."""
    scanner = _Scanner(notebook, known_module_names(), set())
    python = to_python(source)
    tree = ast.parse(python)
    scanner.learn_imports(tree)
    _visit(scanner, cell, source, python, tree, graded=False)
    return scanner.scan.flags


def _note_tampering(scanner, cells, release_notebook, restored):
    release_cells = {grade_id(c): c for c in release_notebook.cells if grade_id(c) in restored}
    submitted = {}
    for cell in cells:
        if grade_id(cell) in restored:
            submitted.setdefault(grade_id(cell), cell)
    for name, original in release_cells.items():
        kind = "test cell" if is_grade(original) else "locked cell"
        if name not in submitted:
            scanner.add_note(name, "cells", f"{kind} deleted or its metadata removed (nbgrader restores it)")
        elif edited(submitted[name], original):
            scanner.add_note(name, "cells", f"{kind} edited (nbgrader runs the instructor's version)")
    # Order: every cell with a grade_id (exercises, tests, locked cells) that both notebooks have.
    released = [grade_id(c) for c in release_notebook.cells if grade_id(c)]
    seen = []
    for cell in cells:
        if grade_id(cell) in released and grade_id(cell) not in seen:
            seen.append(grade_id(cell))
    want = [g for g in released if g in seen]
    if seen != want:
        moved = next(h for w, h in zip(want, seen) if w != h)
        scanner.add_note(moved, "cells", "cells moved out of their order (nbgrader runs them in the "
                                         "student's order, so a test may run before its exercise)")


def scan_extra_files(names: list[str], known_modules: set | None = None) -> Scan:
    """Flag shipped files that would shadow a module; note the rest (they are not graded)."""
    known_modules = known_modules or known_module_names()
    scan = Scan()
    shadowing = []
    for name in names:
        first = Path(name).parts[0]
        stem = Path(first).stem if first.endswith((".py", ".pth", ".so", ".pyc")) else first
        if (first.endswith((".py", ".pth", ".so", ".pyc")) or "/" in name) and stem in known_modules:
            shadowing.append(name)
        if first in ("sitecustomize.py", "usercustomize.py") or name.endswith(".pth"):
            shadowing.append(name)
    for name in sorted(set(shadowing)):
        scan.flags.append(Finding(name, "", 0, "rebinding",
                                  f"ships {name}, which would shadow a module if it were imported"))
    if names:
        listed = ", ".join(sorted(names)[:8]) + (f" and {len(names) - 8} more" if len(names) > 8 else "")
        scan.notes.append(Finding("", "", 0, "extra-files", f"files besides the notebooks, not graded: {listed}"))
    return scan


def runtime_findings(notebook, name: str, cell_timeout: int = 0, memory_limit_mb: int = 0):
    """(flags, notes) from an autograded notebook (an nbformat node): test cells without valid
    proof of completion (flags, grading/proof.py), and cells a time or memory limit stopped or
    whose output was cut (notes)."""
    flags, notes = [], []
    for index, cell in enumerate(notebook.cells):
        label = _label(cell, index)
        for output in cell.get("outputs", []):
            if output.get("output_type") != "error":
                continue
            ename = output.get("ename", "")
            if ename == PROOF_ERROR:
                flags.append(Finding(name, label, 0, "no-proof", output.get("evalue", "")))
                continue
            message = _LIMIT_MESSAGES.get(ename)
            note = message and Finding(name, label, 0, "limits",
                                       message.format(cell_timeout=cell_timeout, memory_limit_mb=memory_limit_mb,
                                                      kernel_died=kernel_died(memory_limit_mb)))
            if note and note not in notes:
                notes.append(note)
        if any(TRUNCATED in "".join(output.get("text", "")) or
               TRUNCATED in str(output.get("data", {}).get("text/plain", "")) for output in cell.get("outputs", [])):
            notes.append(Finding(name, label, 0, "limits", "output too long: cut in the graded notebook and the feedback"))
    return flags, notes


_LIMIT_MESSAGES = {
    "KeyboardInterrupt": "stopped by the {cell_timeout} s per-cell time limit",
    "CellTimeoutError": "stopped by the {cell_timeout} s per-cell time limit",
    STUCK_CELL: ("ignored the interrupt at the {cell_timeout} s per-cell time limit: the kernel was restarted and "
                 "grading went on after this cell"),
    DEAD_KERNEL: "{kernel_died}: the kernel was restarted and grading went on after this cell",
    "MemoryError": "ran out of memory (limit {memory_limit_mb} MiB per kernel)",
}


# ---------------------------------------------------------------------------------------------
# Writes outside the kernel's folder (the grading sandbox, issue 17)

_WRITE_CALLS = {  # function: the index of its argument that names the file it writes or deletes
    "os.remove": 0, "os.unlink": 0, "os.rmdir": 0, "os.removedirs": 0, "os.mkdir": 0, "os.makedirs": 0,
    "os.rename": 1, "os.replace": 1, "os.symlink": 1, "os.link": 1, "os.truncate": 0, "os.chmod": 0,
    "os.chown": 0, "os.utime": 0, "os.mkfifo": 0, "shutil.copy": 1, "shutil.copy2": 1, "shutil.copyfile": 1,
    "shutil.copytree": 1, "shutil.copymode": 1, "shutil.copystat": 1, "shutil.move": 1, "shutil.rmtree": 0,
    "shutil.make_archive": 0, "shutil.unpack_archive": 1, "numpy.save": 0, "numpy.savez": 0,
    "numpy.savez_compressed": 0, "numpy.savetxt": 0, "matplotlib.pyplot.savefig": 0, "sqlite3.connect": 0,
}
_WRITE_METHODS = {"write_text", "write_bytes", "unlink", "rmdir", "touch", "mkdir", "rename", "replace",
                  "symlink_to", "hardlink_to", "chmod", "tofile", "savefig"}
_WRITE_FLAGS = {"O_WRONLY", "O_RDWR", "O_CREAT", "O_TRUNC", "O_APPEND"}


def _inside_own_folder(node) -> bool:
    """A path written as a plain relative string that stays in the kernel's folder ('out.png')."""
    if isinstance(node, ast.Call) and (_dotted(node.func) or "").split(".")[-1] in ("Path", "PurePath") \
            and len(node.args) == 1:
        node = node.args[0]
    if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
        return False
    path = node.value.strip()
    return bool(path) and not re.match(r"^[/~\\]|^[A-Za-z]:", path) and ".." not in re.split(r"[/\\]", path)


def _write_target(node, name):
    """The expression naming the file a call writes or deletes, or None when it does not write."""
    def argument(index, *keywords):
        if len(node.args) > index:
            return node.args[index]
        return next((k.value for k in node.keywords if k.arg in keywords), None)

    if name in ("open", "io.open", "codecs.open", "os.fdopen"):
        mode = argument(1, "mode")
        writes = isinstance(mode, ast.Constant) and isinstance(mode.value, str) and set(mode.value) & set("wax+")
        return argument(0, "file", "filename") if writes or (mode is not None and not isinstance(mode, ast.Constant)) \
            else None
    if name == "os.open":
        flags = {n.attr if isinstance(n, ast.Attribute) else getattr(n, "id", "")
                 for n in ast.walk(argument(1, "flags") or ast.Constant(0))}
        return argument(0, "path") if flags & _WRITE_FLAGS else None
    if name in _WRITE_CALLS:
        return argument(_WRITE_CALLS[name], "dst", "path", "file", "fname", "name", "base_name", "extract_dir")
    if isinstance(node.func, ast.Attribute) and node.func.attr in _WRITE_METHODS and name not in _WRITE_CALLS:
        if node.func.attr == "savefig":  # fig.savefig(path)
            return argument(0, "fname")
        if node.func.attr in ("rename", "replace", "symlink_to", "hardlink_to"):
            return argument(0, "target")  # p.rename(target) writes the target (and removes p)
        if node.func.attr == "tofile":
            return argument(0, "fid", "file")
        return node.func.value  # Path(...).write_text(...): the path is the receiver
    return None


def flag_file_writes(scanner, cell_label, lines, tree) -> None:
    """Flag (category ``writes``) each call that writes, moves or deletes a file outside the kernel's
    own folder: its target is absolute, under ``~``, climbs out with ``..`` or is computed at run
    time.  The sandbox makes such a write fail or stay private; the flag says who tried."""
    visitor = _Visitor(scanner, cell_label, lines, False)
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = visitor.resolve(_dotted(node.func)) or ""
        target = _write_target(node, name)
        if target is None or _inside_own_folder(target):
            continue
        what = name or f".{node.func.attr}()"
        where = (repr(target.value) if isinstance(target, ast.Constant) else "a path computed at run time")
        visitor.flag(node, "writes", f"writes or deletes files outside its own folder ({what} on {where})")


_REFUSED = (  # (text in a cell's error or printed output, what the note says)
    ("Read-only file system", "the sandbox refused a write (read-only file system)"),
    ("[Errno 27] File too large", "hit the file-size limit"),
    ("No space left on device", "hit the disk limit (its private /tmp or /dev/shm is full)"),
    ("[Errno 11] Resource temporarily unavailable", "hit the process limit (fork or thread refused)"),
    ("can't start new thread", "hit the process limit (fork or thread refused)"),
)
LIMIT_HITS = ("file-size limit", "disk limit (its private /tmp or /dev/shm is full)",
              "process limit (fork or thread refused)")  # the ends of the notes that also go into the CSV's reason


def sandbox_notes(autograded_notebook, name: str | None = None) -> list[Finding]:
    """Cells of an autograded notebook (a path, or a notebook read already with its file ``name``)
    in which the sandbox refused a write or a limit stopped something (read from the cells' error
    and printed outputs), one note per cell and kind."""
    name = name or Path(autograded_notebook).name
    try:
        cells = as_notebook(autograded_notebook).cells
    except (OSError, ValueError):
        return []
    notes = []
    for index, cell in enumerate(cells):
        for output in cell.get("outputs", []) or []:
            text = " ".join([str(output.get("evalue", "")), "".join(output.get("text", "")),
                             *map(str, output.get("traceback", []))])
            for phrase, message in _REFUSED:
                note = Finding(name, _label(cell, index), 0, "sandbox", message)
                if phrase in text and note not in notes:
                    notes.append(note)
    return notes
