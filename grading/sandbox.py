"""Hide the instructor's files from the kernels that run students' code (Linux).

A student's notebook runs, at grading time, as the instructor's user: it could read
the solution notebooks, the gradebook (which holds the hidden tests) or another
student's submission, and copy an answer.  This wrapper starts a kernel in a mount
namespace of its own in which those paths are covered: every hidden folder by an
empty read-only tmpfs, every hidden file by /dev/null.  Nothing changes outside the
namespace, and the kernel's working folder stays usable by relative paths (a process
keeps its current folder even when the path above it is covered); its absolute path,
os.getcwd(), leads into the cover when a hidden folder holds it, as the work folder
holds every autograded notebook's.

    python grading/sandbox.py --hide PATH [--hide PATH ...] -- KERNEL COMMAND ...

It needs Linux user namespaces (``unshare(CLONE_NEWUSER | CLONE_NEWNS)``), which some
systems do not allow to ordinary users; ``available()`` tries it once.  Where it fails
the kernel starts anyway (the grading must go on) with a warning on stderr, and the
autograde report says that the kernels were not sandboxed.

This file is run as a script by the kernel manager (grading/limits.py), so it imports
nothing from the grading package.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys

CLONE_NEWNS, CLONE_NEWUSER = 0x00020000, 0x10000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_BIND, MS_REC, MS_PRIVATE = 1, 2, 4, 4096, 16384, 1 << 18
ROOT_INSIDE = 1000  # the uid that root runs as in the sandbox (see enter())


class SandboxError(OSError):
    pass


def _libc():
    if not sys.platform.startswith("linux"):
        raise SandboxError("mount namespaces exist on Linux only")
    return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)


def _call(result, what):
    if result != 0:
        error = ctypes.get_errno()
        raise SandboxError(f"{what} failed: {os.strerror(error)}")


def _write(path, text):
    with open(path, "w") as handle:
        handle.write(text)


def enter(hidden):
    """Move this process into new user and mount namespaces and cover every path of
    ``hidden`` (folders with an empty read-only tmpfs, files with /dev/null); paths that
    do not exist are skipped.  The user and group ids stay what they were, but for root:
    root in the new namespaces would keep every capability in them across exec, and
    could unmount the covers, so root is mapped to the ordinary id ``ROOT_INSIDE``
    (files stay root's; the kernel starts with no capabilities)."""
    libc = _libc()
    uid, gid = os.getuid(), os.getgid()
    _call(libc.unshare(CLONE_NEWUSER | CLONE_NEWNS), "unshare(CLONE_NEWUSER | CLONE_NEWNS)")
    _write("/proc/self/setgroups", "deny")
    _write("/proc/self/uid_map", f"{uid or ROOT_INSIDE} {uid} 1")
    _write("/proc/self/gid_map", f"{gid} {gid} 1")
    _call(libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None), "making the mounts private")
    for path in hidden:
        path = os.path.abspath(path)
        if os.path.isdir(path):
            _call(libc.mount(b"tmpfs", path.encode(), b"tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV, b"size=4k"),
                  f"covering {path}")
        elif os.path.exists(path):
            _call(libc.mount(b"/dev/null", path.encode(), None, MS_BIND, None), f"covering {path}")


def available() -> tuple[bool, str]:
    """(True, "") if a sandboxed process here cannot see a hidden folder, else (False, why)."""
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        secret = os.path.join(folder, "secret")
        os.mkdir(secret)
        _write(os.path.join(secret, "answer.txt"), "42")
        check = f"import os, sys; sys.exit(3 if os.listdir({secret!r}) else 0)"
        try:
            result = subprocess.run([sys.executable, os.path.abspath(__file__), "--strict", "--hide", secret, "--",
                                     sys.executable, "-c", check], capture_output=True, text=True, timeout=60)
        except (OSError, subprocess.SubprocessError) as error:
            return False, str(error)
        if result.returncode == 0:
            return True, ""
        if result.returncode == 3:
            return False, "the hidden folder was still visible"
        return False, (result.stderr.strip().splitlines() or [f"exit status {result.returncode}"])[-1]


def main(argv):
    """``[--strict] --hide PATH ... -- COMMAND ...``: enter the sandbox and exec COMMAND.
    Without --strict a sandbox that cannot be made is reported on stderr and COMMAND runs
    unsandboxed; with --strict the script exits with status 2 instead."""
    if "--" not in argv:
        sys.exit("usage: sandbox.py [--strict] --hide PATH [--hide PATH ...] -- COMMAND ...")
    options, command = argv[: argv.index("--")], argv[argv.index("--") + 1:]
    strict = "--strict" in options
    hidden = [options[i + 1] for i, option in enumerate(options[:-1]) if option == "--hide"]
    if not command:
        sys.exit("sandbox.py: no command after --")
    try:
        enter(hidden)
    except (OSError, SandboxError) as error:
        print(f"sandbox.py: could not hide the course's files from this kernel: {error}", file=sys.stderr)
        if strict:
            sys.exit(2)
    os.execvp(command[0], command)


if __name__ == "__main__":
    main(sys.argv[1:])
