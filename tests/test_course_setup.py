"""The README's two commands, the pins they install, and CI's use of them."""
import importlib.util
import re

import pytest


@pytest.fixture(scope="module")
def course(repo_root):
    spec = importlib.util.spec_from_file_location("course", repo_root / "course.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_requirement_is_pinned(repo_root):
    for name in ("requirements.txt", "requirements-crosscheck.txt"):
        lines = [line.split("#")[0].strip() for line in (repo_root / name).read_text().splitlines()]
        for line in filter(None, lines):
            assert re.fullmatch(r"[A-Za-z0-9_.\-\[\]]+==[0-9][0-9A-Za-z.+]*", line), f"{name}: {line!r} is not pinned"


def test_torch_is_only_a_crosscheck_dependency(repo_root):
    runtime = (repo_root / "requirements.txt").read_text().lower()
    assert not re.search(r"^torch\b", runtime, re.MULTILINE)
    assert "torch==2.13.0" in (repo_root / "requirements-crosscheck.txt").read_text()
    assert "torch" not in (repo_root / "pyproject.toml").read_text().split("dependencies")[1].split("]")[0]


def test_readme_commands_are_the_ones_course_py_and_ci_run(repo_root, course):
    readme = (repo_root / "README.md").read_text()
    commands = re.findall(r"^python3 course\.py (\w+)", readme, re.MULTILINE)
    assert commands[:2] == ["lab", "test"]
    assert "python3 course.py test" in (repo_root / ".ci" / "run").read_text()
    for command in commands:
        with pytest.raises(SystemExit) as exit_info:
            course.main([command, "--help"])
        assert exit_info.value.code == 0


def test_install_stamp_changes_with_the_requirements(tmp_path, course, monkeypatch):
    monkeypatch.setattr(course, "ROOT", tmp_path)
    (tmp_path / "req.txt").write_text("numpy==2.4.6\n")
    before = course.fingerprint("req.txt")
    assert course.fingerprint("req.txt") == before
    (tmp_path / "req.txt").write_text("numpy==2.4.7\n")
    assert course.fingerprint("req.txt") != before


def test_install_once_skips_a_second_identical_install(tmp_path, course, monkeypatch):
    calls = []
    monkeypatch.setattr(course, "ROOT", tmp_path)
    monkeypatch.setattr(course, "VENV", tmp_path)
    monkeypatch.setattr(course, "run", lambda cmd, **kw: calls.append(cmd))
    (tmp_path / "req.txt").write_text("numpy==2.4.6\n")
    course.install_once(".stamp", ("req.txt",), ["-r", "req.txt"])
    course.install_once(".stamp", ("req.txt",), ["-r", "req.txt"])
    assert len(calls) == 1
    (tmp_path / "req.txt").write_text("numpy==2.4.7\n")
    course.install_once(".stamp", ("req.txt",), ["-r", "req.txt"])
    assert len(calls) == 2


@pytest.mark.parametrize("argv", [["test", "-q", "tests/x.py"], ["test", "tests/x.py", "-q", "-k", "y"], ["test"]])
def test_test_command_passes_its_extra_arguments_to_pytest(course, monkeypatch, argv):
    launched = []
    monkeypatch.setattr(course, "setup_course", lambda: None)
    monkeypatch.setattr(course, "setup_tests", lambda: None)
    monkeypatch.setattr(course, "exec_in_venv", launched.append)
    course.main(argv)
    assert launched == [["python", "-m", "pytest", *argv[1:]]]


def test_lab_refuses_pytest_arguments(course, monkeypatch):
    monkeypatch.setattr(course, "setup_course", lambda: pytest.fail("set-up must not start"))
    with pytest.raises(SystemExit) as exit_info:
        course.main(["lab", "-q"])
    assert exit_info.value.code == 2


@pytest.fixture()
def extras_setup(course, monkeypatch, tmp_path):
    """setup_tests as root with apt-get, PyTorch already installed and apt-get recorded (never run)."""
    calls = []
    monkeypatch.setattr(course, "install_once", lambda *args: None)
    monkeypatch.setattr(course, "setup_hub", lambda strict=False: True)  # tested on its own below
    monkeypatch.setattr(course, "run", lambda cmd, **kw: calls.append(cmd))
    monkeypatch.setattr(course.os, "geteuid", lambda: 0)
    monkeypatch.setattr(course, "CHROMIUM", tmp_path / "chromium")
    monkeypatch.setattr(course, "POSTGRES_LIBS", tmp_path / "postgresql")
    programs = {"apt-get": "/usr/bin/apt-get"}
    monkeypatch.setattr(course.shutil, "which", programs.get)
    (tmp_path / "chromium").write_text("")
    return calls, tmp_path, programs


def installs(calls) -> list[list[str]]:
    return [cmd for cmd in calls if cmd[:2] == ["apt-get", "install"]]


def test_setup_tests_installs_postgresql_only_when_its_programs_are_missing(course, extras_setup, monkeypatch,
                                                                             capsys):
    calls, tmp_path, programs = extras_setup
    monkeypatch.delenv("CI", raising=False)
    course.setup_tests()  # nothing found: apt-get runs (recorded only), then the test is said to skip
    assert [cmd[-1] for cmd in installs(calls)] == ["postgresql"]
    assert "PostgreSQL gradebook test will be skipped" in capsys.readouterr().out

    calls.clear()
    debian = tmp_path / "postgresql" / "15" / "bin"
    debian.mkdir(parents=True)
    (debian / "initdb").write_text("")
    course.setup_tests()  # initdb alone is not enough
    assert installs(calls) and "will be skipped" in capsys.readouterr().out
    calls.clear()
    (debian / "pg_ctl").write_text("")
    course.setup_tests()  # Debian's folder has both: nothing to install, nothing said
    assert calls == [] and "skipped" not in capsys.readouterr().out


def test_setup_tests_finds_postgresql_on_path_and_fails_without_it_in_ci(course, extras_setup, monkeypatch):
    calls, tmp_path, programs = extras_setup
    elsewhere = tmp_path / "pgbin"
    elsewhere.mkdir()
    for name in ("initdb", "pg_ctl"):
        (elsewhere / name).write_text("")
    programs["initdb"] = str(elsewhere / "initdb")
    course.setup_tests()
    assert calls == []

    del programs["initdb"]
    monkeypatch.setenv("CI", "true")
    with pytest.raises(SystemExit) as exit_info:
        course.setup_tests()
    assert "initdb" in str(exit_info.value.code)
    assert [cmd[-1] for cmd in installs(calls)] == ["postgresql"]


def test_setup_hub_installs_the_proxy_and_the_course_environment_once(course, monkeypatch, tmp_path):
    """As root: npm ci of the pinned proxy, a venv from Debian's Python, then pip; a second run does nothing."""
    calls = []

    def run(cmd, **kwargs):
        calls.append([str(c) for c in cmd])
        if "venv" in calls[-1]:
            (tmp_path / "env" / "bin").mkdir(parents=True)
            (tmp_path / "env" / "bin" / "python").write_text("")

    monkeypatch.setattr(course, "run", run)
    monkeypatch.setattr(course.os, "geteuid", lambda: 0)
    monkeypatch.setattr(course.shutil, "which", {"npm": "/usr/bin/npm", "apt-get": "/usr/bin/apt-get"}.get)
    monkeypatch.setattr(course, "PROXY", tmp_path / "proxy")
    monkeypatch.setattr(course, "HUB_ENV", tmp_path / "env")
    assert course.setup_hub(strict=True)
    assert [cmd[:2] for cmd in calls] == [["npm", "ci"], [str(course.HUB_SYSTEM_PYTHON), "-m"],
                                          [str(tmp_path / "env" / "bin" / "python"), "-m"],
                                          [str(tmp_path / "env" / "bin" / "python"), "-m"]]
    assert calls[1][2:] == ["venv", str(tmp_path / "env")] and "requirements.txt" in calls[2][-1]
    (tmp_path / "proxy").write_text("")
    calls.clear()
    assert course.setup_hub(strict=True) and calls == []  # the stamp matches: nothing to do


def test_setup_hub_without_npm_fails_in_ci_and_only_warns_elsewhere(course, monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(course, "run", lambda cmd, **kw: None)  # apt-get "installs" nothing
    monkeypatch.setattr(course.os, "geteuid", lambda: 0)
    monkeypatch.setattr(course.shutil, "which", {"apt-get": "/usr/bin/apt-get"}.get)
    monkeypatch.setattr(course, "PROXY", tmp_path / "proxy")
    assert course.setup_hub(strict=False) is False
    assert "npm is missing" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exit_info:
        course.setup_hub(strict=True)
    assert "npm is missing" in str(exit_info.value.code)
