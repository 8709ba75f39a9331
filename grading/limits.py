"""Resource limits for the kernels that run students' code.

``LimitedExecute`` is nbgrader's ``Execute`` preprocessor with a kernel manager
that caps each kernel's address space (``RLIMIT_AS``) before the kernel starts:
code that allocates without end gets a ``MemoryError`` in its own cell instead
of taking the machine down.  The limit is set in the kernel process only (through
Popen's ``preexec_fn``), so nbgrader itself is not constrained.  On systems
without the ``resource`` module (Windows) the limit is skipped.

Configure with ``c.LimitedKernelManager.memory_limit_mb`` (0 = no limit);
``python -m grading autograde --memory-limit MB`` sets it.
"""
from __future__ import annotations

from jupyter_client.manager import AsyncKernelManager
from nbgrader.preprocessors import Execute, LimitOutput
from traitlets import Integer

TRUNCATED = "... Output truncated ..."  # nbgrader's own marker (LimitOutput)

try:
    import resource
except ImportError:  # Windows
    resource = None


def _address_space_limiter(limit_bytes: int):
    def apply_limit():  # runs in the child between fork and exec
        resource.setrlimit(resource.RLIMIT_AS, (limit_bytes, limit_bytes))
    return apply_limit


class LimitedKernelManager(AsyncKernelManager):
    """An AsyncKernelManager whose kernels start with a memory (address space) limit."""

    memory_limit_mb = Integer(
        4096, help="Address-space limit of each kernel in MiB (0: none)."
    ).tag(config=True)

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        if resource is not None and self.memory_limit_mb > 0:
            kw["preexec_fn"] = _address_space_limiter(self.memory_limit_mb * 1024 * 1024)
        return await super()._async_launch_kernel(kernel_cmd, **kw)


class LimitedExecute(Execute):
    """nbgrader's Execute preprocessor, starting its kernels with LimitedKernelManager."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("kernel_manager_class", LimitedKernelManager)
        super().__init__(*args, **kwargs)


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
