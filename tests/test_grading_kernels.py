"""The kernels that grade students' code, seen from inside: they start with a memory cap and,
in the sandbox, cannot see the instructor's files; a cell that hangs through the interrupt or
ends the kernel costs only that cell."""
import asyncio
import os
from pathlib import Path

import pytest

from grading.limits import LimitedKernelManager

pytestmark = pytest.mark.slow


def kernel_says(code: str, cwd=None, **manager_options) -> str:
    """What ``code`` prints in a kernel started the way the grader starts them."""
    async def run():
        manager = LimitedKernelManager(kernel_name="python3", **manager_options)
        await manager.start_kernel(**({"cwd": str(cwd)} if cwd else {}))
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


def sandbox_or_skip():
    from grading.sandbox import available

    works, why = available()
    if not works:
        if os.environ.get("CI") == "true":
            pytest.fail(f"the grading sandbox does not work on this machine: {why}")
        pytest.skip(f"no sandbox here: {why}")


def test_a_sandboxed_kernel_sees_its_own_folder_but_not_the_hidden_ones(tmp_path):
    sandbox_or_skip()
    work = tmp_path / "work"
    own = work / "autograded" / "s01" / "a01"
    own.mkdir(parents=True)
    (own / "data.csv").write_text("x,y\n")
    (work / "gradebook.db").write_text("hidden tests")
    (tmp_path / "solutions").mkdir()
    (tmp_path / "solutions" / "a01.ipynb").write_text("{}")
    hidden = [str(work), str(tmp_path / "solutions")]
    said = kernel_says(f"import os, resource; print(os.listdir({str(work)!r}), os.listdir({str(tmp_path / 'solutions')!r}),"
                       " open('data.csv').read().strip(), resource.getrlimit(resource.RLIMIT_AS)[0] // 2**20)",
                       cwd=own, hidden_paths=hidden, memory_limit_mb=2048)
    assert said == "[] [] x,y 2048"
    assert sorted(os.listdir(work)) == ["autograded", "gradebook.db"]  # nothing changed outside the kernel


def test_a_sandboxed_kernel_cannot_uncover_what_is_hidden(tmp_path):
    """Not even when grading runs as root (a container): the kernel holds no capabilities,
    so it cannot unmount a cover, in its namespaces or in new ones of its own."""
    sandbox_or_skip()
    hidden = tmp_path / "solutions"
    hidden.mkdir()
    (hidden / "a01.ipynb").write_text("{}")
    said = kernel_says(
        "import ctypes, os\nlibc = ctypes.CDLL(None, use_errno=True)\n"
        "caps = [l.split()[1] for l in open('/proc/self/status') if l.startswith('CapEff')][0]\n"
        f"first = libc.umount2({str(hidden)!r}.encode(), 2)\n"
        "libc.unshare(0x10000000 | 0x00020000)\n"
        f"again = libc.umount2({str(hidden)!r}.encode(), 2)\n"
        f"print(int(caps, 16), first, again, os.listdir({str(hidden)!r}))",
        cwd=tmp_path, hidden_paths=[str(hidden)])
    assert said == "0 -1 -1 []"


def test_the_sandbox_hides_the_instructors_files_but_not_what_the_kernel_needs(tmp_path):
    import sys

    import nnlib
    from grading.autograde import hidden_paths
    from grading.course import Course

    course = Course()
    hidden = hidden_paths(course, tmp_path / "out", tmp_path / "subs", "sqlite:////elsewhere/gb.db?timeout=60")
    assert hidden == [str(course.source_dir), str(course.root / ".git"), str(tmp_path / "out"),
                      str(tmp_path / "subs"), "/elsewhere/gb.db"]
    # Submissions handed in as the course folder itself (or /) must not hide nnlib or Python.
    # Nor the standard library of the Python a venv was made from (sys.base_prefix, often elsewhere),
    # nor the runtime folder where the kernel finds its connection file.
    from jupyter_core.paths import jupyter_runtime_dir

    runtime = Path(jupyter_runtime_dir()).resolve()
    for root in (course.root, "/", Path(sys.base_prefix).resolve().parent, runtime.parent):
        kept = hidden_paths(course, tmp_path / "out", root, "postgresql://x")
        assert str(root) not in kept and not any(sys.prefix.startswith(p) for p in kept)
        assert not any(str(Path(sys.base_prefix).resolve()).startswith(p) for p in kept)
        assert not any(str(runtime).startswith(p) for p in kept)
        assert not any(str(Path(nnlib.__file__).parent).startswith(p + "/") for p in kept)


def notebook_of(*sources):
    from nbformat.v4 import new_code_cell, new_notebook

    nb = new_notebook(cells=[new_code_cell(source) for source in sources])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


IGNORES_INTERRUPT = "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass"
ENDS_KERNEL = "import os\nos._exit(1)"


def test_a_cell_that_ignores_the_interrupt_or_ends_the_kernel_costs_only_that_cell(tmp_path):
    from grading.integrity import runtime_findings
    from grading.limits import DEAD_KERNEL, STUCK_CELL, LimitedExecute

    nb = notebook_of("a = 1\nprint('start')", IGNORES_INTERRUPT, "print('after the loop', a + 1)",
                     ENDS_KERNEL, "a += 10\nprint('after the exit', a)")
    LimitedExecute(timeout=2).preprocess(nb, {"metadata": {"path": str(tmp_path)}})
    outputs = [[o.get("text") or f"{o.ename}: {o.evalue}" for o in cell.outputs] for cell in nb.cells]
    assert outputs[0] == ["start\n"]          # the first run's output, not the replays'
    assert outputs[2] == ["after the loop 2\n"] and outputs[4] == ["after the exit 11\n"]
    assert len(outputs[1]) == 1 and outputs[1][0].startswith(f"{STUCK_CELL}: ") and "2 s" in outputs[1][0]
    assert len(outputs[3]) == 1 and outputs[3][0].startswith(f"{DEAD_KERNEL}: ") and "MiB" in outputs[3][0]
    notes = [note.message for note in runtime_findings(nb, "graded.ipynb", 2, 512)[1]]
    assert len(notes) == 2 and "ignored the interrupt" in notes[0] and "ended the kernel" in notes[1]


def test_after_max_stopped_cells_the_notebook_fails_as_nbgrader_would(tmp_path):
    from nbclient.exceptions import DeadKernelError

    from grading.limits import LimitedExecute

    nb = notebook_of(ENDS_KERNEL, "print('fine')", ENDS_KERNEL)
    with pytest.raises(DeadKernelError):
        LimitedExecute(timeout=2, max_stopped_cells=1).preprocess(nb, {"metadata": {"path": str(tmp_path)}})


def test_when_the_replay_itself_fails_the_notebook_fails_with_the_first_error(tmp_path, caplog):
    from nbclient.exceptions import CellTimeoutError

    from grading.limits import LimitedExecute

    ends_on_second_run = "import os\nif os.path.exists('ran'):\n    os._exit(1)\nopen('ran', 'w').close()"
    nb = notebook_of(ends_on_second_run, "print('fine')", IGNORES_INTERRUPT)
    executor = LimitedExecute(timeout=2)
    with pytest.raises(CellTimeoutError):
        executor.preprocess(nb, {"metadata": {"path": str(tmp_path)}})
    assert any("could not restart the kernel and run the cells above again" in r.getMessage()
               and "DeadKernelError" in r.getMessage() for r in caplog.records)


def test_without_namespaces_the_kernel_still_starts_with_a_warning_unless_strict(monkeypatch, capsys):
    from grading import sandbox

    def refuse(hidden):
        raise sandbox.SandboxError("unshare(CLONE_NEWUSER | CLONE_NEWNS) failed: Operation not permitted")

    started = []
    monkeypatch.setattr(sandbox, "enter", refuse)
    monkeypatch.setattr(sandbox.os, "execvp", lambda program, command: started.append(command))
    sandbox.main(["--hide", "/somewhere", "--", "python", "-m", "ipykernel_launcher"])
    assert started == [["python", "-m", "ipykernel_launcher"]]
    assert "could not hide the course's files" in capsys.readouterr().err
    with pytest.raises(SystemExit) as stopped:
        sandbox.main(["--strict", "--hide", "/somewhere", "--", "python"])
    assert stopped.value.code == 2 and len(started) == 1
