"""Resource limits for the kernels that run students' code.

``LimitedExecute`` is nbgrader's ``Execute`` preprocessor with a kernel manager
that caps each kernel's address space (``RLIMIT_AS``) before the kernel starts:
code that allocates without end gets a ``MemoryError`` in its own cell instead
of taking the machine down.  The limit is set in the kernel process only (through
Popen's ``preexec_fn``), so nbgrader itself is not constrained.  On systems
without the ``resource`` module (Windows) the limit is skipped.

Configure with ``c.LimitedKernelManager.memory_limit_mb`` (0 = no limit);
``python -m grading autograde --memory-limit MB`` sets it.  With ``sandbox`` (or
``hidden_paths``) each kernel starts in grading/sandbox.py's sandbox, with
``process_limit``, ``file_size_limit_mb`` (applied without the sandbox too) and
``disk_limit_mb`` (``--process-limit``, ``--file-size-limit``, ``--disk-limit``).

``LimitedExecute`` also survives a cell that no limit can stop gently.  nbgrader
interrupts a cell that overruns its time limit, and the student's code goes on
with an error in that cell.  But a loop that ignores the interrupt (one that
sets SIGINT to be ignored, or catches KeyboardInterrupt and loops on), a call to ``os._exit``, or a crash
under the memory cap leaves no kernel to go on with, and nbgrader would fail the
whole notebook: every exercise 0.  Instead, the cell gets an error output that
says what happened, the kernel is restarted, the cells before it are run again
(their outputs are kept from the first run), and grading goes on with the next
cell.  After ``max_stopped_cells`` such cells the notebook fails as before.
"""
from __future__ import annotations

import copy
import json
import sys
import time
from functools import partial
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat import NotebookNode
from nbgrader.preprocessors import Execute, LimitOutput
from traitlets import Bool, Integer, List, Unicode

from .proof import Guard, TestCellProof, failure_output, is_test_cell
from .sandbox import Limits

TRUNCATED = "... Output truncated ..."  # nbgrader's own marker (LimitOutput)

try:
    import resource
except ImportError:  # Windows
    resource = None


SANDBOX = Path(__file__).with_name("sandbox.py")
MEMORY_LIMIT_MB = 4096  # the default address-space limit of a grading kernel (--memory-limit)


def kernel_died(memory_limit_mb: int) -> str:
    """Why a kernel is gone: the one wording of the cell's error, the CSV's reason and the report's note."""
    return (f"the code ended the kernel (os._exit, a crash, or the {memory_limit_mb} MiB memory limit)"
            if memory_limit_mb else "the code ended the kernel (os._exit or a crash)")


class LimitedKernelManager(AsyncKernelManager):
    """An AsyncKernelManager whose kernels start with a memory (address space) limit and,
    when ``sandbox`` is on or ``hidden_paths`` is set, in grading/sandbox.py's sandbox: with
    bubblewrap, read-only but for private folders, alone in their PID and network namespaces,
    with limits on processes, file size and disk (the kernel then talks over ZeroMQ's ipc
    transport); without it, only the hidden paths are covered."""

    memory_limit_mb = Integer(
        MEMORY_LIMIT_MB, help="Address-space limit of each kernel in MiB (0: none)."
    ).tag(config=True)

    hidden_paths = List(
        Unicode(), help="Folders and files the kernels must not see (grading/sandbox.py; Linux)."
    ).tag(config=True)

    sandbox = Bool(False, help="Start each kernel in the sandbox (implied by hidden_paths).").tag(config=True)
    process_limit = Integer(Limits.processes, help="Processes and threads of a sandboxed kernel (0: none).").tag(
        config=True)
    file_size_limit_mb = Integer(Limits.file_size_mb, help="Largest file a kernel may write, in MiB (0: none).").tag(
        config=True)
    disk_limit_mb = Integer(Limits.disk_mb, help="Size of a sandboxed kernel's private /tmp and /dev/shm, in MiB.").tag(
        config=True)

    _box = None

    def _sandboxed(self):
        return self.sandbox or bool(self.hidden_paths)

    def _full_sandbox(self):
        from . import sandbox

        return self._sandboxed() and sandbox.probe()[0] == "full"

    async def _async_pre_start_kernel(self, **kw):
        if self._full_sandbox() and self._box is None:  # once per manager: restarts keep the same sockets
            from .sandbox import KernelBox

            self._box = KernelBox(self.hidden_paths, Limits(self.process_limit, self.file_size_limit_mb,
                                                            self.disk_limit_mb), self.memory_limit_mb)
            self.transport, self.ip = "ipc", self._box.ipc_prefix
            if not self.connection_file:  # in the box's own folder: nothing else touches it
                self.connection_file = self._box.connection_file
        return await super()._async_pre_start_kernel(**kw)

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        if self._box is not None:
            kernel_cmd = self._box.command(kernel_cmd, kw.get("cwd"), self.connection_file)
            kw["preexec_fn"] = self._box.preexec
            info = await super()._async_launch_kernel(kernel_cmd, **kw)
            await self._box.started(self.provisioner.process.pid)
            return info
        if resource is not None and (self.memory_limit_mb > 0 or self.file_size_limit_mb > 0):
            from .sandbox import set_limits

            kw["preexec_fn"] = partial(set_limits, self.memory_limit_mb, self.file_size_limit_mb)
        if self._sandboxed():
            hide = [part for path in self.hidden_paths for part in ("--hide", path)]
            kernel_cmd = [sys.executable, str(SANDBOX), *hide, "--", *kernel_cmd]
        return await super()._async_launch_kernel(kernel_cmd, **kw)

    async def _async_cleanup_resources(self, restart=False):
        await super()._async_cleanup_resources(restart=restart)
        if self._box is not None:
            self._box.end()
            if not restart:
                self._box.close()
                self._box = None


TIMES_FILE = ".grading-cell-seconds.json"  # seconds each cell ran, beside the autograded notebook (analytics)

# The ``ename`` of the error output a stopped cell gets (integrity.runtime_notes reads them).
STUCK_CELL, DEAD_KERNEL = "InterruptIgnored", "KernelDied"


class LimitedExecute(Execute):
    """nbgrader's Execute preprocessor, starting its kernels with LimitedKernelManager, and
    going on after a cell that hangs through the interrupt or ends the kernel (see above)."""

    max_stopped_cells = Integer(
        3, help="Cells per notebook that may hang or end the kernel before the notebook fails."
    ).tag(config=True)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("kernel_manager_class", LimitedKernelManager)
        super().__init__(*args, **kwargs)

    def preprocess(self, nb, resources=None, km=None):
        self._stopped = []   # indices of the cells stopped so far in this notebook
        self._guard = None   # the kernel's guard (grading/proof.py), installed before the first cell
        self._seconds = {}   # cell -> seconds it ran (the class analytics' slowest cells)
        result = super().preprocess(nb, resources, km)
        self._write_times()
        return result

    def preprocess_cell(self, cell, resources, index):
        started = time.monotonic()
        try:
            return self._run_cell(cell, resources, index)
        finally:
            label = (cell.get("metadata", {}).get("nbgrader") or {}).get("grade_id") or f"cell {index + 1}"
            self._seconds[label] = round(time.monotonic() - started, 3)

    def _write_times(self):
        box = getattr(self.km, "_box", None)  # in the full sandbox the kernel's folder is private: reach it there
        folder = (box and box.work_folder()) or Path((self.resources.get("metadata") or {}).get("path") or ".")
        name = self.resources.get("unique_key") or "notebook"
        try:
            times = json.loads((folder / TIMES_FILE).read_text()) if (folder / TIMES_FILE).exists() else {}
            times[name] = self._seconds
            (folder / TIMES_FILE).write_text(json.dumps(times))
        except (OSError, ValueError):
            pass  # analytics only

    def _run_cell(self, cell, resources, index):
        """Run one cell; a test cell runs with its proof line and keeps its points only on valid proof."""
        if self._guard is None:
            self._install_guard()
        proof = TestCellProof(cell, self._guard) if is_test_cell(cell) else None
        try:
            if proof is None:
                return super().preprocess_cell(cell, resources, index)
            ran, resources = super().preprocess_cell(proof.cell_to_run(cell), resources, index)
            cell.outputs, cell.execution_count = ran.outputs, ran.execution_count
            problems = proof.check(cell)
            if problems:
                cell.outputs.append(failure_output(problems))
            self.nb.cells[index] = cell  # the instructor's source, never the proof line
            return cell, self.resources
        except (CellTimeoutError, DeadKernelError) as error:
            if len(self._stopped) >= self.max_stopped_cells:
                raise
            self._stopped.append(index)
            cell.outputs = [self._stopped_output(error)]
            self.nb.cells[index] = cell
            try:
                self._restart_and_replay(index)
            except Exception as replay_error:  # no kernel to go on with: fail the notebook as nbgrader would
                self.log.error("After cell %d, could not restart the kernel and run the cells above again: %r",
                               index, replay_error)
                raise error from None
            return cell, self.resources

    def _install_guard(self):
        """Install grading/kernel_guard.py in the fresh kernel, before any of the notebook's code."""
        self._guard = Guard()
        box = getattr(self.km, "_box", None)  # in the full sandbox the kernel's folder is private: reach it there
        folder = (box and box.work_folder()) or Path((self.resources.get("metadata") or {}).get("path") or ".")
        message = self.kc.execute(self._guard.setup_code(folder), store_history=False)
        reply = self.wait_for_reply(message)
        if not reply or reply["content"]["status"] != "ok":
            raise RuntimeError(f"could not install the grading guard in the kernel: {reply and reply['content']}")

    def _stopped_output(self, error):
        if isinstance(error, DeadKernelError):
            name, text = DEAD_KERNEL, kernel_died(getattr(self.km, "memory_limit_mb", 0))
        else:
            name, text = STUCK_CELL, (f"the cell was still running after the {self.timeout} s time limit and "
                                      "ignored the interrupt (does a loop ignore SIGINT or catch "
                                      "KeyboardInterrupt and go on?)")
        text += "; the kernel was restarted, the cells above were run again, and grading went on"
        return NotebookNode(output_type="error", ename=name, evalue=text, traceback=[f"{name}: {text}"])

    def _restart_and_replay(self, index):
        """Restart the kernel and run the code cells before ``index`` again (but the stopped ones)."""
        if self.kc is not None:
            self.kc.stop_channels()
        run_sync(self.km.restart_kernel)(now=True)
        self.start_new_kernel_client()
        self._install_guard()
        for earlier in range(index):
            original = self.nb.cells[earlier]
            if original.cell_type != "code" or earlier in self._stopped:
                continue
            self.execute_cell(copy.deepcopy(original), earlier, store_history=False)
            self.nb.cells[earlier] = original  # execute_cell put the copy there; keep the first run's outputs


class LimitOutputSize(LimitOutput):
    """nbgrader's LimitOutput (lines per cell), plus a cap on the size of each output.

    nbgrader cuts a cell's text output after ``max_lines`` lines, but one enormous
    line (``print("x" * 10**8)``) or a huge HTML output passes through and bloats
    the autograded notebook and the feedback.  A text stream beyond ``max_chars``
    is cut and marked with nbgrader's own "... Output truncated ..." line; a rich
    output (HTML, images, JSON) beyond ``max_rich_chars`` is replaced by that line.
    """

    max_chars = Integer(
        10000, help="Maximum characters kept of each text output of a cell (-1: no limit)."
    ).tag(config=True)
    max_rich_chars = Integer(
        2_000_000, help="Largest rich output (images, HTML) kept, in characters of its JSON (-1: no limit)."
    ).tag(config=True)

    def preprocess_cell(self, cell, resources, cell_index):
        cell, resources = super().preprocess_cell(cell, resources, cell_index)
        if cell.cell_type != "code":
            return cell, resources
        for output in cell.outputs:
            if output.output_type == "stream" and 0 <= self.max_chars < len(output.text):
                output.text = output.text[: self.max_chars] + "\n" + TRUNCATED
            elif output.output_type in ("execute_result", "display_data"):
                data = output.get("data", {})
                text = str(data.get("text/plain", ""))
                if 0 <= self.max_rich_chars < sum(len(str(value)) for value in data.values()):
                    output["data"] = {"text/plain": TRUNCATED}
                elif 0 <= self.max_chars < len(text):
                    data["text/plain"] = text[: self.max_chars] + "\n" + TRUNCATED
        return cell, resources
