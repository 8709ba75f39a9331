"""The kernels that grade students' code start with a memory cap, seen from inside a kernel."""
import asyncio

import pytest

from grading.limits import LimitedKernelManager

pytestmark = pytest.mark.slow


def kernel_says(code: str) -> str:
    """What ``code`` prints in a kernel started the way the grader starts them."""
    async def run():
        manager = LimitedKernelManager(kernel_name="python3")
        await manager.start_kernel()
        client = manager.client()
        client.start_channels()
        try:
            await client.wait_for_ready(timeout=60)
            printed = []
            await client.execute_interactive(code, timeout=30,
                                             output_hook=lambda m: printed.append(m["content"].get("text", "")))
            return "".join(printed).strip()
        finally:
            client.stop_channels()
            await manager.shutdown_kernel(now=True)
    return asyncio.run(run())


def test_grading_kernels_have_a_memory_cap():
    said = kernel_says("import resource; print(resource.getrlimit(resource.RLIMIT_AS)[0] // 2**20)")
    assert said == str(LimitedKernelManager().memory_limit_mb)
