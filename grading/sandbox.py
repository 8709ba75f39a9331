"""The grading sandbox: a kernel that runs a student's code changes nothing outside its own
folders, sees and signals only its own processes, reaches no network, and is bounded (Linux).

A student's notebook runs, at grading time, as the instructor's user.  Every grading kernel
therefore starts inside Debian's bubblewrap (``bwrap``, https://github.com/containers/bubblewrap),
which puts it in new user, mount, PID, network, IPC and UTS namespaces:

* the whole file system is mounted read-only (the course checkout and nnlib, the Python
  installation and its virtual environment, the home folder with its IPython and Jupyter
  configuration and startup folders): a write fails with ``OSError: [Errno 30] Read-only file
  system``;
* the instructor's files (the solutions, the work folder with the gradebook and every
  submission ...; ``hidden``) are covered by empty read-only folders, files by /dev/null;
* the kernel writes only in its own ``/tmp``, a tmpfs of ``disk_mb`` MiB that holds its working
  folder (``/tmp/work``, where the files of nbgrader's grading folder appear read-only), its
  ``HOME`` and IPython, Jupyter and matplotlib folders; ``/dev/shm`` is another such tmpfs.
  Both vanish with the kernel;
* it sees and can signal only its own processes (PID 1 of its namespace is bubblewrap's), has
  no network but its own loopback (nothing on the machine's localhost is reachable), holds no
  capabilities and cannot make new user namespaces;
* at most ``processes`` processes and threads (``RLIMIT_NPROC``, counted in its own user
  namespace; for root, whom that limit does not bind, a pids cgroup where one can be made),
  files of at most ``file_size_mb`` MiB (``RLIMIT_FSIZE``: a larger write fails with
  ``OSError: [Errno 27] File too large``);
* when the kernel ends (or the grader, ``--die-with-parent``), everything in its PID namespace
  is killed and its tmpfs are gone.

The kernel talks to the grader over ZeroMQ's ``ipc`` transport (Unix sockets), since it has no
network: it binds its sockets in its private ``/tmp``, and the grader reaches them through
``/proc/<pid>/root`` of the sandbox (``KernelBox.started``).

Without bubblewrap (or where it cannot run), ``python grading/sandbox.py --hide PATH ... --
COMMAND`` only hides the instructor's files: it moves itself into new user and mount namespaces
with ``unshare``, covers the hidden paths and execs the kernel.  Writes are then NOT contained
and the kernel shares the grader's processes and network; the autograde report says so.  Where
not even that works the kernel starts anyway (the grading must go on) with a warning on stderr.

This file is run as a script by the kernel manager (grading/limits.py) in that fallback, so it
imports nothing from the grading package.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import functools
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

CLONE_NEWNS, CLONE_NEWUSER = 0x00020000, 0x10000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_BIND, MS_REC, MS_PRIVATE = 1, 2, 4, 4096, 16384, 1 << 18
ROOT_INSIDE = 1000  # the uid that root runs as in the sandbox (see enter())

# Inside the sandbox: the private /tmp and what lives in it.
TMP, WORK, HOME, IPC = "/tmp", "/tmp/work", "/tmp/home", "/tmp/.kernel-ipc"
PRIVATE_ENV = {  # fresh, private, writable configuration and caches
    "HOME": HOME, "TMPDIR": TMP, "IPYTHONDIR": f"{HOME}/.ipython", "MPLCONFIGDIR": f"{HOME}/.config/matplotlib",
    "JUPYTER_CONFIG_DIR": f"{HOME}/.jupyter", "JUPYTER_DATA_DIR": f"{HOME}/.local/share/jupyter",
    "JUPYTER_RUNTIME_DIR": f"{HOME}/.local/share/jupyter/runtime", "XDG_CACHE_HOME": f"{HOME}/.cache",
    "XDG_CONFIG_HOME": f"{HOME}/.config", "XDG_DATA_HOME": f"{HOME}/.local/share",
    "PYTHONUSERBASE": f"{HOME}/.local",
}
# Sets RLIMIT_NPROC inside the user namespace, then becomes the kernel (see KernelBox.command).
_NPROC_THEN_EXEC = ("import os, resource, sys; n = int(sys.argv[1]); "
                    "resource.setrlimit(resource.RLIMIT_NPROC, (n, n)); os.execvp(sys.argv[2], sys.argv[2:])")


class SandboxError(OSError):
    pass


@dataclass(frozen=True)
class Limits:
    """What one kernel may use besides memory (``LimitedKernelManager.memory_limit_mb``)."""
    processes: int = 512     # processes and threads (0: no limit)
    file_size_mb: int = 256  # largest file it may write (0: no limit)
    disk_mb: int = 512       # size of its private /tmp and of its /dev/shm

    def describe(self) -> str:
        """For the report's 'Limits:' line, with the option that changes each."""
        return (f"{self.processes or 'no limit on'} processes and threads (--process-limit), "
                f"files of {self.file_size_mb or 'any'} MiB (--file-size-limit), {self.disk_mb} MiB of private "
                f"/tmp (its folder and home) and {self.disk_mb} MiB of /dev/shm (--disk-limit)")


# ---------------------------------------------------------------------------------------------
# bubblewrap: the full sandbox


def bwrap() -> str | None:
    return shutil.which("bwrap")


def _under(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def _pids_cgroup(limit: int) -> Path | None:
    """A new pids cgroup capped at ``limit`` (cgroup v2 or v1), or None where none can be made.
    Only for root: RLIMIT_NPROC does not bind processes that are root outside the sandbox."""
    v2, v1 = Path("/sys/fs/cgroup"), Path("/sys/fs/cgroup/pids")
    try:
        if (v2 / "cgroup.controllers").exists():
            parent = v2 if "pids" in (v2 / "cgroup.subtree_control").read_text().split() else None
        else:
            parent = v1 if (v1 / "cgroup.procs").exists() else None
        if parent is None:
            return None
        group = Path(tempfile.mkdtemp(prefix="grading-kernel-", dir=parent))
    except OSError:
        return None
    try:
        (group / "pids.max").write_text(str(limit))
        return group
    except OSError:
        group.rmdir()
        return None


def _matplotlib_font_caches() -> list[str]:
    """The font list matplotlib built for this user (found the way matplotlib looks for it)."""
    folder = os.environ.get("MPLCONFIGDIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "matplotlib")
    try:
        return sorted(os.path.join(folder, n) for n in os.listdir(folder) if n.startswith("fontlist-"))
    except OSError:
        return []


def _needed_paths() -> list[str]:
    """What a kernel needs to start: this Python, its standard library and nnlib (when installed)."""
    import importlib.util

    paths = {sys.prefix, sys.base_prefix, os.path.dirname(os.path.realpath(sys.executable))}
    spec = importlib.util.find_spec("nnlib")
    if spec and spec.origin:
        paths.add(os.path.dirname(os.path.dirname(os.path.realpath(spec.origin))))
    return sorted(os.path.realpath(p) for p in paths)


class KernelBox:
    """The sandbox of one kernel manager's kernel: ``command()`` wraps the kernel's command in
    bwrap, ``preexec`` runs in the child before exec, ``started(pid)`` after each (re)start,
    ``close()`` when the manager is done with it.  The ZeroMQ ``ipc`` prefix the manager must
    use is ``ipc_prefix`` (it lies in ``base``, a private folder of this box)."""

    def __init__(self, hidden=(), limits: Limits = Limits(), memory_limit_mb: int = 0):
        self.hidden = [os.path.abspath(p) for p in hidden]
        self.limits, self.memory_limit_mb = limits, memory_limit_mb
        self.base = tempfile.mkdtemp(prefix="grading-kernel-", dir="/tmp")  # the same path inside: /tmp is private
        self.ipc_prefix = f"{self.base}/ipc/kernel"
        self.connection_file = f"{self.base}/connection.json"
        self.cgroup = _pids_cgroup(limits.processes) if os.geteuid() == 0 and limits.processes else None

    def command(self, kernel_cmd, cwd=None, connection_file=None) -> list[str]:
        """bwrap's command line around ``kernel_cmd`` (order matters: later mounts cover earlier ones)."""
        size = str(self.limits.disk_mb * 2**20)
        cmd = [bwrap(), "--unshare-all", "--unshare-user", "--disable-userns", "--die-with-parent", "--cap-drop", "ALL",
               "--hostname", "grading"]
        if os.geteuid() == 0:  # root would keep its capabilities in the namespaces
            cmd += ["--uid", str(ROOT_INSIDE), "--gid", str(ROOT_INSIDE)]
        cmd += ["--ro-bind", "/", "/", "--proc", "/proc", "--dev", "/dev",
                "--size", size, "--tmpfs", "/dev/shm", "--remount-ro", "/dev",
                "--size", size, "--tmpfs", TMP, "--dir", WORK, "--dir", HOME, "--dir", IPC,
                "--symlink", IPC, f"{self.base}/ipc"]
        covered = []
        for path in self.hidden:
            if not os.path.lexists(path):
                continue
            if os.path.isdir(path):
                cmd += ["--tmpfs", path]
                covered.append(path)
            else:
                cmd += ["--ro-bind", "/dev/null", path]
        keep = _needed_paths() + ([os.path.realpath(connection_file)] if connection_file else [])
        for path in keep:  # under the private /tmp, or under a cover: bring it back, read-only
            if _under(path, TMP) or any(_under(path, h) for h in covered):
                cmd += ["--ro-bind", path, path]
        for cache in _matplotlib_font_caches():  # else each kernel would spend seconds scanning the fonts again
            cmd += ["--ro-bind", cache, f"{PRIVATE_ENV['MPLCONFIGDIR']}/{os.path.basename(cache)}"]
        if cwd and os.path.isdir(cwd):  # nbgrader's grading folder: its files appear in /tmp/work, read-only
            for name in sorted(os.listdir(cwd)):
                cmd += ["--ro-bind", os.path.join(cwd, name), f"{WORK}/{name}"]
        for path in covered:
            cmd += ["--remount-ro", path]
        cmd += ["--chdir", WORK, "--setenv", "JPY_PARENT_PID", "1"]  # no parent poller: --die-with-parent instead
        for name, value in PRIVATE_ENV.items():
            cmd += ["--setenv", name, value]
        if self.limits.processes and os.geteuid() != 0:  # root: the pids cgroup (RLIMIT_NPROC does not bind it)
            cmd += ["--", sys.executable, "-I", "-S", "-c", _NPROC_THEN_EXEC, str(self.limits.processes)]
            return cmd + list(kernel_cmd)
        return cmd + ["--", *kernel_cmd]

    def preexec(self) -> None:
        """In the child, between fork and exec: limits inherited by bwrap and the kernel.  SIGINT is
        ignored so that bwrap survives the interrupts jupyter_client sends to the kernel's process
        group (the kernel sets its own handler while it runs a cell)."""
        set_limits(self.memory_limit_mb, self.limits.file_size_mb)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        if self.cgroup is not None:
            (self.cgroup / "cgroup.procs").write_text(str(os.getpid()))

    async def started(self, pid: int, timeout: float = 10.0) -> None:
        """Point ``base/ipc`` at the sandbox's ``/tmp/.kernel-ipc`` once bwrap (``pid``) has made
        it: through ``/proc/<child>/root``.  ZeroMQ keeps retrying until the sockets are there."""
        import asyncio

        children, waited = Path(f"/proc/{pid}/task/{pid}/children"), 0.0
        while waited < timeout:
            try:
                child = children.read_text().split()
            except OSError:  # bwrap already ended: the kernel did not start; the manager will see it
                return
            if child:
                self.root = f"/proc/{child[0]}/root"  # the sandbox's file system, seen from the grader
                link = Path(self.base) / f"ipc.{child[0]}"
                link.symlink_to(f"/proc/{child[0]}/root{IPC}")
                os.replace(link, Path(self.base) / "ipc")
                return
            await asyncio.sleep(0.005)
            waited += 0.005

    def work_folder(self) -> Path | None:
        """The kernel's private working folder (``/tmp/work`` inside) as the grader reaches it, or None
        before the kernel started.  The grader hands the kernel private files there (the proof guard's key)."""
        root = getattr(self, "root", None)
        return Path(root + WORK) if root else None

    def end(self) -> None:
        """After the kernel ended: kill whatever is left in its cgroup (the PID namespace makes
        that nothing, as a rule)."""
        if self.cgroup is None:
            return
        for _ in range(100):
            try:
                left = (self.cgroup / "cgroup.procs").read_text().split()
            except OSError:
                return
            if not left:
                return
            for pid in left:
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except OSError:
                    pass
            time.sleep(0.01)

    def close(self) -> None:
        self.end()
        shutil.rmtree(self.base, ignore_errors=True)
        for _ in range(200 if self.cgroup is not None else 0):  # its last processes may still be exiting
            try:
                self.cgroup.rmdir()
                break
            except OSError:
                time.sleep(0.01)


def set_limits(memory_limit_mb: int = 0, file_size_mb: int = 0) -> None:
    """Cap this process's address space and file size (and core dumps); for Popen's preexec_fn."""
    import resource

    if memory_limit_mb > 0:
        resource.setrlimit(resource.RLIMIT_AS, (memory_limit_mb * 2**20,) * 2)
    if file_size_mb > 0:
        resource.setrlimit(resource.RLIMIT_FSIZE, (file_size_mb * 2**20,) * 2)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


# ---------------------------------------------------------------------------------------------
# unshare: the fallback that only hides


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


# ---------------------------------------------------------------------------------------------
# What works here


_PROBE = """import os, sys
secret, outside = sys.argv[1], sys.argv[2]
if os.listdir(secret):
    sys.exit(3)
try:
    open(os.path.join(outside, "written"), "w").close()
    sys.exit(4)
except OSError:
    pass
"""


@functools.lru_cache(maxsize=None)
def probe() -> tuple[str, str]:
    """What the sandbox can do on this machine: ("full", "") when bubblewrap hides the instructor's
    files and refuses writes; ("hide-only", why) when only the unshare fallback hides them;
    ("off", why) when neither works.  Tried once per process, in /var/tmp (the sandbox's /tmp is
    private, so a folder there would be hidden whatever bwrap did)."""
    with tempfile.TemporaryDirectory(dir="/var/tmp" if os.access("/var/tmp", os.W_OK) else None) as folder:
        secret = os.path.join(folder, "secret")
        os.mkdir(secret)
        _write(os.path.join(secret, "answer.txt"), "42")
        why = "bubblewrap (bwrap) is not installed"
        if bwrap():
            box = KernelBox([secret], Limits(processes=0))
            try:
                command = box.command([sys.executable, "-c", _PROBE, secret, folder])
                result = subprocess.run(command, capture_output=True, text=True, timeout=60, preexec_fn=box.preexec)
                why = {0: "", 3: "bwrap left the hidden folder visible",
                       4: "bwrap let the kernel write outside its folders"}.get(
                    result.returncode, "bwrap failed: " + (result.stderr.strip().splitlines() or
                                                           [f"exit status {result.returncode}"])[-1])
            except (OSError, subprocess.SubprocessError) as error:
                why = f"bwrap failed: {error}"
            finally:
                box.close()
            if not why:
                return "full", ""
        check = f"import os, sys; sys.exit(3 if os.listdir({secret!r}) else 0)"
        try:
            result = subprocess.run([sys.executable, os.path.abspath(__file__), "--strict", "--hide", secret, "--",
                                     sys.executable, "-c", check], capture_output=True, text=True, timeout=60)
        except (OSError, subprocess.SubprocessError) as error:
            return "off", f"{why}; unshare: {error}"
        if result.returncode == 0:
            return "hide-only", why
        if result.returncode == 3:
            return "off", f"{why}; unshare left the hidden folder visible"
        return "off", f"{why}; " + (result.stderr.strip().splitlines() or [f"exit status {result.returncode}"])[-1]


def available() -> tuple[bool, str]:
    """(True, "") if a sandboxed kernel here cannot see a hidden folder, else (False, why)."""
    mode, why = probe()
    return mode != "off", ("" if mode != "off" else why)


def describe(mode: str, why: str, hidden, limits: Limits) -> str:
    """The report's 'Sandbox:' line: what the kernels could and could not do."""
    if mode == "full":
        root = ("" if os.geteuid() != 0 or not limits.processes else "; processes capped by a pids cgroup (root)"
                if _pids_cgroup_possible() else "; the process limit did NOT bind (root, and no pids cgroup here)")
        return ("on (bubblewrap): the kernels could not see " + ", ".join(hidden) + "; everything else was "
                "read-only, each kernel wrote only in its private /tmp and /dev/shm, saw only its own processes "
                f"and had no network{root}")
    if mode == "hide-only":
        return ("PARTLY on (" + why + "): the kernels could not see " + ", ".join(hidden) + ", but writes were NOT "
                "contained (the course, nnlib, the Python environment and the home folder were writable), the "
                "kernels shared the grader's processes and network, and only the file-size limit applied")
    return (f"NOT available here ({why}): the kernels could read the instructor's files, writes were NOT "
            "contained, the kernels shared the grader's processes and network, and only the file-size limit applied")


@functools.lru_cache(maxsize=None)
def _pids_cgroup_possible() -> bool:
    group = _pids_cgroup(1)
    if group is None:
        return False
    group.rmdir()
    return True


# ---------------------------------------------------------------------------------------------
# Did a kernel change the environment?


def watched_paths(course_root) -> list[Path]:
    """The files that, changed, would alter later kernels or the grader itself: the course's
    library (nnlib) and grading code, every ``.pth``, ``sitecustomize`` and ``usercustomize`` on
    this Python's path, the kernelspecs, and IPython's and Jupyter's configuration and startup
    folders."""
    import site

    course_root = Path(course_root)
    folders = [(course_root / "nnlib", "**/*.py"), (course_root / "grading", "**/*.py")]
    for entry in dict.fromkeys([*site.getsitepackages(), site.getusersitepackages(), *sys.path]):
        if entry and os.path.isdir(entry):
            folders += [(Path(entry), "*.pth"), (Path(entry), "sitecustomize*"), (Path(entry), "usercustomize*")]
    ipython = Path(os.environ.get("IPYTHONDIR") or Path.home() / ".ipython")
    folders += [(ipython, "profile_*/startup/*.py"), (ipython, "profile_*/startup/*.ipy"),
                (ipython, "profile_*/*config.py")]
    try:
        from jupyter_core.paths import jupyter_config_path, jupyter_path

        folders += [(Path(p), "*config.*") for p in jupyter_config_path()]
        folders += [(Path(p), "kernels/*/kernel.json") for p in jupyter_path()]
    except ImportError:
        pass
    return sorted({p for folder, pattern in folders if folder.is_dir() for p in folder.glob(pattern) if p.is_file()})


def environment_fingerprint(course_root) -> dict[str, str]:
    """{path: sha256 of its bytes} of ``watched_paths`` (a file added where they are looked for shows
    as a new path)."""
    prints = {}
    for path in watched_paths(course_root):
        try:
            prints[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError:
            prints[str(path)] = "unreadable"
    return prints


def fingerprint_changes(before: dict, after: dict) -> list[str]:
    """'changed X', 'added X', 'removed X' for every difference."""
    changes = [f"changed {p}" for p in sorted(before) if p in after and before[p] != after[p]]
    changes += [f"added {p}" for p in sorted(set(after) - set(before))]
    return changes + [f"removed {p}" for p in sorted(set(before) - set(after))]


class EnvironmentWatch:
    """``environment_fingerprint`` before grading and after each submission: which submission's
    grading changed the course or the environment, and which were graded after that."""

    def __init__(self, course_root):
        self.course_root = course_root
        self.baseline = self.last = environment_fingerprint(course_root)
        self.changes = []   # [(submission, [changes])], in the order noticed
        self.suspects = []  # every submission whose grading ended from the first change on

    def check(self, submission: str) -> None:
        now = environment_fingerprint(self.course_root)
        if now != self.last:
            self.changes.append((submission, fingerprint_changes(self.last, now)))
            self.last = now
            print("\n" + "!" * 78 + f"\nWARNING: the course or the Python environment CHANGED while {submission} was "
                  "graded\n(or a submission graded at the same time):\n  " + "\n  ".join(self.changes[-1][1]) +
                  "\nEvery submission graded from now on is graded again once the files are restored.\n" + "!" * 78,
                  file=sys.stderr, flush=True)
        if self.changes:
            self.suspects.append(submission)

    def restored(self) -> bool:
        return environment_fingerprint(self.course_root) == self.baseline

    def reason(self) -> str:
        first, changes = self.changes[0]
        return (f"graded after the environment changed (noticed after {first}: {'; '.join(changes[:3])}): "
                "restore those files and run again to grade it again")

    def report(self) -> list[dict]:
        return [{"submission": s, "changes": c, "restored": self.restored(), "graded_again": self.suspects}
                for s, c in self.changes]


def environment_warning(changes) -> list[str]:
    """The report's loud section (markdown lines) on ``EnvironmentWatch.report()``; none when nothing changed."""
    if not changes:
        return []
    lines = ["## WARNING: a kernel changed the course or the Python environment", ""]
    for change in changes:
        lines += [f"Noticed after grading **{change['submission']}** (or a submission graded at the same time):", ""]
        lines += [f"- `{line}`" for line in change["changes"]] + [""]
    graded = ", ".join(changes[0]["graded_again"])
    lines.append(f"Those files were restored during the run, and {graded} were graded again." if changes[-1]["restored"]
                 else f"Restore those files (e.g. `git checkout`, reinstall the package) and run again: {graded} "
                      "will be graded again.")
    return lines + [""]


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
