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


def notebook_of(*sources):
    from nbformat.v4 import new_code_cell, new_notebook

    nb = new_notebook(cells=[new_code_cell(source) for source in sources])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


IGNORES_INTERRUPT = "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass"
ENDS_KERNEL = "import os\nos._exit(1)"


def test_a_cell_that_ignores_the_interrupt_or_ends_the_kernel_costs_only_that_cell(tmp_path):
    from grading.integrity import runtime_notes
    from grading.limits import DEAD_KERNEL, STUCK_CELL, LimitedExecute

    nb = notebook_of("a = 1\nprint('start')", IGNORES_INTERRUPT, "print('after the loop', a + 1)",
                     ENDS_KERNEL, "a += 10\nprint('after the exit', a)")
    LimitedExecute(timeout=2).preprocess(nb, {"metadata": {"path": str(tmp_path)}})
    outputs = [[o.get("text") or f"{o.ename}: {o.evalue}" for o in cell.outputs] for cell in nb.cells]
    assert outputs[0] == ["start\n"]          # the first run's output, not the replays'
    assert outputs[2] == ["after the loop 2\n"] and outputs[4] == ["after the exit 11\n"]
    assert len(outputs[1]) == 1 and outputs[1][0].startswith(f"{STUCK_CELL}: ") and "2 s" in outputs[1][0]
    assert len(outputs[3]) == 1 and outputs[3][0].startswith(f"{DEAD_KERNEL}: ") and "MiB" in outputs[3][0]
    import nbformat
    path = tmp_path / "graded.ipynb"
    nbformat.write(nb, path)
    notes = [note.message for note in runtime_notes(path, 2, 512)]
    assert len(notes) == 2 and "ignored the interrupt" in notes[0] and "ended the kernel" in notes[1]


def test_after_max_stopped_cells_the_notebook_fails_as_nbgrader_would(tmp_path):
    from nbclient.exceptions import DeadKernelError

    from grading.limits import LimitedExecute

    nb = notebook_of(ENDS_KERNEL, "print('fine')", ENDS_KERNEL)
    with pytest.raises(DeadKernelError):
        LimitedExecute(timeout=2, max_stopped_cells=1).preprocess(nb, {"metadata": {"path": str(tmp_path)}})
