"""The guard that runs inside every grading kernel (grading/proof.py sends this file's source).

It is installed before the notebook's first cell, while the kernel is still fresh, and
lives only in the closure of a ``sys.addaudithook`` hook, which Python code cannot remove
or list.  From then on it sees the interpreter's audit events and keeps:

* the text IPython parsed for each cell (the ``compile`` event of the cell's file) and the
  AST of every statement compiled and executed from that file (``compile`` and ``exec``);
* *taints*: events that honest notebook code never raises and that reach into the
  interpreter (trace and profile functions, ``gc`` object searches, ``ctypes`` memory
  access, new code objects, more audit hooks);
* a snapshot of the kernel's execution machinery taken while fresh (see ``snapshot``).

A test cell ends with ``__import__("sys").audit("grading.proof", NONCE)``.  On that event
the guard checks that it was raised by the last statement of the cell's file, that every
statement of the parsed text ran unchanged, in order, and compares the machinery with the
fresh snapshot.  It then prints one line, ``GRADING-PROOF <verdict> <mac>``: the verdict
(the nonce, the SHA-256 of the parsed text, and every problem found) authenticated with
HMAC-SHA256 under a key the grader wrote to a file that this guard read and deleted before
any student code ran.  Student code never sees the key, so it cannot print a valid proof.
"""


def _grading_guard(key_file, nnlib_folder):
    import ast
    import builtins
    import hashlib
    import hmac
    import json
    import os
    import sys
    import threading

    with open(key_file) as handle:
        key = bytes.fromhex(handle.read().strip())
    os.unlink(key_file)

    shell = get_ipython()  # noqa: F821  (IPython's, in the kernel)
    kernel = getattr(shell, "kernel", None)
    out = sys.stdout
    dump, parse, getframe, mac = ast.dump, ast.parse, sys._getframe, hmac.new
    sha256, dumps, isinstance_, getattr_, vars_, list_, dict_ = (
        hashlib.sha256, json.dumps, isinstance, getattr, vars, list, dict)
    library = tuple({sys.prefix, sys.base_prefix, sys.exec_prefix, nnlib_folder})

    taint_events = {
        "sys.settrace": "set a trace function (sys.settrace)",
        "sys.setprofile": "set a profile function (sys.setprofile)",
        "gc.get_objects": "searched the interpreter's objects (gc.get_objects)",
        "gc.get_referrers": "searched the interpreter's objects (gc.get_referrers)",
        "gc.get_referents": "searched the interpreter's objects (gc.get_referents)",
        "code.__new__": "built a code object by hand",
        "sys.addaudithook": "added an audit hook",
        "ctypes.addressof": "read raw memory (ctypes)", "ctypes.cdata": "read raw memory (ctypes)",
        "ctypes.string_at": "read raw memory (ctypes)", "ctypes.wstring_at": "read raw memory (ctypes)",
        "ctypes.cdata/buffer": "read raw memory (ctypes)", "ctypes.dlsym": "called native code (ctypes)",
        "ctypes.call_function": "called native code (ctypes)",
    }
    sys_names = ("excepthook", "displayhook", "stdout", "stderr", "audit", "breakpointhook",
                 "unraisablehook", "settrace", "setprofile", "_getframe")
    watched_modules = ("sys", "IPython.core.interactiveshell", "IPython.core.compilerop",
                       "IPython.core.inputtransformer2", "IPython.core.events", "IPython.core.displayhook",
                       "IPython.core.ultratb", "IPython.core.formatters", "ipykernel.ipkernel",
                       "ipykernel.kernelbase", "ipykernel.zmqshell", "ipykernel.iostream",
                       "ipykernel.displayhook", "importlib", "ast", "hashlib", "hmac", "json", "linecache")

    def classes():
        found = set(type(shell).__mro__) | (set(type(kernel).__mro__) if kernel is not None else set())
        found |= {type(out), type(sys.displayhook), type(shell.input_transformer_manager), type(shell.compile)}
        for name in watched_modules:
            module = sys.modules.get(name)
            for value in (vars_(module).values() if module is not None else ()):
                if isinstance_(value, type) and getattr_(value, "__module__", None) == name:
                    found.add(value)
        return [c for c in found if c is not object]

    def snapshot():
        """What decides how a cell runs: every attribute of the classes and modules of the
        execution path, hooks, transformers, callbacks and the shell's own overrides."""
        taken = {
            "sys": dict_({n: getattr_(sys, n, None) for n in sys_names}, **{
                "gettrace()": sys.gettrace(), "getprofile()": sys.getprofile(),
                # IPython swaps these for its own while a cell runs; what they are between cells:
                "excepthook (between cells)": getattr_(shell, "sys_excepthook", None),
                "displayhook (between cells)": getattr_(shell.display_trap, "old_hook", None)}),
            "builtins": dict_(vars_(builtins)),
            "shell": {n: v for n, v in vars_(shell).items() if callable(v)},
            "kernel": {n: v for n, v in vars_(kernel).items() if callable(v)} if kernel is not None else {},
            "kernel.shell_handlers": dict_(getattr_(kernel, "shell_handlers", {}) or {}),
            "hooks": {"input_transformers_cleanup": list_(shell.input_transformers_cleanup),
                      "input_transformers_post": list_(shell.input_transformers_post),
                      "ast_transformers": list_(shell.ast_transformers),
                      "input_transformer_manager": [shell.input_transformer_manager],
                      "line_transforms": list_(shell.input_transformer_manager.line_transforms),
                      "token_transformers": list_(shell.input_transformer_manager.token_transformers),
                      "compile": [shell.compile], "displayhook": [shell.displayhook],
                      "custom_exceptions": list_(shell.custom_exceptions)},
        }
        for name in watched_modules:
            module = sys.modules.get(name)
            if module is not None:
                taken[f"module {name}"] = {n: v for n, v in vars_(module).items() if callable(v)}
        for cls in classes():
            taken[f"class {cls.__module__}.{cls.__qualname__}"] = dict_(vars_(cls))
        taken["events"] = {n: list_(c) for n, c in shell.events.callbacks.items()}
        # A thread of the notebook's own can change any of the above at any moment.
        taken["threads"] = {"running": [getattr_(t, "_target", None) for t in threading.enumerate()]}
        return taken

    def from_library(function):
        function = getattr_(function, "func", function)        # functools.partial
        function = getattr_(function, "__func__", function)    # bound method
        code = getattr_(function, "__code__", None) or getattr_(getattr_(type(function), "__call__", None),
                                                                  "__code__", None)
        return code is None or code.co_filename.startswith(library)

    def same(old, new):
        """The same object, or the same method of the same object (bound methods are made on access)."""
        return old is new or (getattr_(old, "__self__", old) is getattr_(new, "__self__", new) is not None
                              and getattr_(old, "__func__", None) is getattr_(new, "__func__", 0))

    def compare(fresh, now):
        problems = []
        for section, before in fresh.items():
            after = now.get(section, {})
            for name in sorted(set(before) | set(after)):
                old, new = before.get(name), after.get(name)
                if section in ("events", "threads"):
                    added = [c for c in new or [] if c is not None and not any(c is o for o in old or [])]
                    if any(not from_library(c) for c in added):
                        problems.append(f"registers a callback for the '{name}' event" if section == "events"
                                        else "runs a thread of its own, which can change how cells run at any time")
                elif section == "hooks":
                    if len(old) != len(new) or not all(same(a, b) for a, b in zip(old, new)):
                        problems.append(f"changes the shell's {name}")
                elif name not in after:
                    problems.append(f"deletes {section}.{name}")
                elif name not in before:
                    if not section.startswith("module ") and section != "builtins":
                        problems.append(f"adds {section}.{name}")
                elif not same(old, new):
                    problems.append(f"replaces {section}.{name}")
        return problems  # (a class first imported later has no fresh state to compare with)

    fresh = snapshot()
    state = {"busy": False, "taints": [], "errors": [], "texts": {}, "runs": {}, "pending": None}

    def prove(nonce, frame):
        code = frame.f_code
        text = state["texts"].get(code.co_filename)
        problems = list_(state["taints"]) + state["errors"]
        state["errors"] = []
        if text is None:
            problems.append("the proof was not raised by a notebook cell")
            text = ""
        else:
            expected = [dump(node) for node in parse(text).body]
            ran = state["runs"].get(code.co_filename, [])
            if [d for d, _ in ran] != expected or not ran or ran[-1][1] is not code:
                problems.append("the statements that ran are not the cell's statements, in order, unchanged")
        problems += compare(fresh, snapshot())
        emit(nonce, sha256(text.encode("utf-8")).hexdigest(), problems)

    def emit(nonce, digest, problems):
        verdict = dumps({"nonce": nonce, "sha256": digest, "problems": problems}, sort_keys=True)
        signature = mac(key, verdict.encode("utf-8"), "sha256").hexdigest()
        out.write(f"GRADING-PROOF {verdict} {signature}\n")
        out.flush()

    def hook(event, args):
        if state["busy"]:
            return
        state["busy"] = True
        try:
            if event == "compile":
                source, filename = args[0], args[1]
                if isinstance_(source, (bytes, str)) and isinstance_(filename, str):
                    text = source.decode("utf-8") if isinstance_(source, bytes) else source
                    state["texts"][filename] = text
                    state["runs"][filename] = []
                    if len(state["texts"]) > 64:
                        oldest = next(iter(state["texts"]))
                        del state["texts"][oldest], state["runs"][oldest]
                elif isinstance_(source, (ast.Module, ast.Interactive)):
                    state["pending"] = [dump(node) for node in source.body]
                else:
                    state["pending"] = None
            elif event == "exec":
                code = args[0]
                runs = state["runs"].get(getattr_(code, "co_filename", None))
                if runs is not None and state["pending"] is not None:
                    runs.extend((d, code) for d in state["pending"])
                state["pending"] = None
            elif event == "grading.proof":
                prove(str(args[0]) if args else "", getframe(1))
            elif event == "object.__setattr__" and len(args) > 1 and args[1] == "__code__":
                if "replaced a function's code" not in state["taints"]:
                    state["taints"].append("replaced a function's code")
            elif event in taint_events and taint_events[event] not in state["taints"]:
                state["taints"].append(taint_events[event])
        except Exception as error:  # never break a cell; the next verdict says the guard could not judge
            message = f"the guard could not check the cell ({type(error).__name__})"
            try:
                if event == "grading.proof":
                    emit(str(args[0]) if args else "", "", [message])
                elif message not in state["errors"]:
                    state["errors"].append(message)
            except Exception:
                pass  # no proof at all: the cell scores 0 ("its last line never ran")
        finally:
            state["busy"] = False

    sys.addaudithook(hook)
