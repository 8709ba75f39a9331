"""A test cell earns its points only on proof that it ran to its end (grader side).

nbgrader gives a test cell its points when it shows no error.  Code in a student's cell
can change how later cells run (an input or AST transformer that blanks the checks, an
``events`` callback, a wrapped ``run_cell`` or ``showtraceback``, a trace function...) so
that a test cell shows no error without its checks having run.  So the grader asks for
positive proof instead, in three steps (``LimitedExecute`` in grading/limits.py):

1. ``Guard.install``: before the notebook's first cell, while the kernel is still fresh,
   install grading/kernel_guard.py in it with a random key (a file the guard reads and
   deletes before any student code runs).
2. ``TestCellProof``: each test cell runs with one more line at its end,
   ``__import__("sys").audit("grading.proof", NONCE)``, with a fresh random nonce that is
   in no file.  On that line the guard prints ``GRADING-PROOF <verdict> <mac>``: the
   nonce, the SHA-256 of the text IPython parsed for the cell, and the problems it found
   (statements that did not run as parsed, a changed execution machinery, interpreter
   tampering), authenticated with the key.
3. ``TestCellProof.check``: the grader removes that line from the outputs (the gradebook
   and the feedback never show it) and accepts the cell only if exactly one verdict is
   authentic, carries its nonce, names the text the grader expected (the instructor's
   cell as IPython transforms it, plus the proof line) and lists no problem.  Otherwise
   the cell gets an error output saying why, so nbgrader scores it 0 and the integrity
   report flags it (``integrity.runtime_findings``).

What this does and does not guarantee is in grading/README.md ("Proof that a test cell ran").
"""
from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from pathlib import Path

from nbformat import NotebookNode

PROOF_ERROR = "NoProofOfCompletion"   # ename of the error output a cell without valid proof gets
_LINE = re.compile(r"GRADING-PROOF (\{.*\}) ([0-9a-f]{64})\n")
_MARK = "GRADING-PROOF"
KERNEL_GUARD = Path(__file__).with_name("kernel_guard.py")


def is_test_cell(cell) -> bool:
    """An autograded test cell: graded code that is not the student's answer."""
    from nbgrader.utils import is_grade, is_solution

    return cell.cell_type == "code" and is_grade(cell) and not is_solution(cell)


def ipython_text(source: str) -> str:
    """The text IPython parses for a multi-line cell (magics and ``!`` lines become Python)."""
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager().transform_cell(source)


class Guard:
    """The grader's half of the guard of one kernel: its key, and how to install it."""

    def __init__(self):
        self.key = secrets.token_bytes(32)

    def setup_code(self, folder: Path) -> str:
        """Write the key where the kernel runs; return the code that installs the guard there."""
        import nnlib

        name = f".grading-guard-{secrets.token_hex(8)}"
        path = Path(folder) / name
        path.write_text(self.key.hex())
        path.chmod(0o600)
        nnlib_folder = str(Path(nnlib.__file__).resolve().parent)
        return (KERNEL_GUARD.read_text(encoding="utf-8") +
                f"\n_grading_guard({name!r}, {nnlib_folder!r})\ndel _grading_guard\n")

    def authentic(self, verdict: str, signature: str) -> bool:
        expected = hmac.new(self.key, verdict.encode("utf-8"), "sha256").hexdigest()
        return hmac.compare_digest(expected, signature)


class TestCellProof:
    """One run of one test cell: the source to execute, then the check of its outputs."""

    def __init__(self, cell, guard: Guard):
        self.guard = guard
        self.nonce = secrets.token_hex(16)
        self.source = cell.source.rstrip() + f'\n__import__("sys").audit("grading.proof", {self.nonce!r})\n'
        self.sha256 = hashlib.sha256(ipython_text(self.source).encode("utf-8")).hexdigest()

    def cell_to_run(self, cell) -> NotebookNode:
        run = NotebookNode(dict(cell))
        run.source = self.source
        run.outputs = []
        return run

    def check(self, cell) -> list[str]:
        """Strip the proof from ``cell``'s outputs; return why the cell lacks a valid proof ([] if it has one)."""
        verdicts = self._take_proofs(cell)
        if any(o.output_type == "error" for o in cell.outputs):
            return []  # it failed anyway: scored 0 by nbgrader
        authentic = [json.loads(v) for v, s in verdicts if self.guard.authentic(v, s)]
        if len(authentic) < len(verdicts):
            return ["the cell printed a forged proof of completion"]
        if not authentic:
            return ["its last line never ran (its code was changed, skipped or cut short)"]
        problems = []
        for verdict in authentic:
            if verdict.get("nonce") != self.nonce:
                problems.append("a proof of another run was printed")
            elif verdict.get("sha256") != self.sha256:
                problems.append("the code that ran is not the test cell's code (changed before it ran: an input "
                                "transformer or a replaced run_cell)")
            problems += [p for p in verdict.get("problems", []) if p not in problems]
        if len(authentic) > 1 and not problems:
            problems.append("the proof was given more than once")
        return list(dict.fromkeys(problems))

    @staticmethod
    def _take_proofs(cell) -> list[tuple[str, str]]:
        """Remove the proof lines (and join the stream outputs they split); return (verdict, mac) of each."""
        found, kept = [], []
        for output in cell.outputs:
            if output.output_type == "stream" and kept and kept[-1].output_type == "stream" \
                    and kept[-1].name == output.name:
                kept[-1].text += output.text
            else:
                kept.append(output)
        for output in kept:
            if output.output_type == "stream" and _MARK in output.text:
                found += _LINE.findall(output.text)
                output.text = _LINE.sub("", output.text)
        cell.outputs = [o for o in kept if o.output_type != "stream" or o.text]
        return found


def failure_output(problems: list[str]) -> NotebookNode:
    """The error output of a test cell without valid proof: nbgrader scores it 0, and it says why."""
    text = "no proof that this test cell ran all its checks to the end: " + "; ".join(problems)
    return NotebookNode(output_type="error", ename=PROOF_ERROR, evalue=text, traceback=[f"{PROOF_ERROR}: {text}"])
