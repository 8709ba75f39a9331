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
from nbgrader.preprocessors import Execute
from traitlets import Integer

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
