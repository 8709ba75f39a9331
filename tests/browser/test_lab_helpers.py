"""The browser-test plumbing that runs without a browser: skip or fail, notebooks, ports."""
import json
import os
from pathlib import Path

import nbformat
import pytest

import lab


@pytest.mark.parametrize("value, required", [("", False), ("0", False), ("false", False),
                                             ("true", True), ("1", True), ("yes", True)])
def test_ci_variable(monkeypatch, value, required):
    monkeypatch.setenv("CI", value)
    assert lab.ci_requires_browser() is required


def test_missing_chromium_skips_outside_ci_and_fails_in_ci(monkeypatch, tmp_path):
    monkeypatch.setattr(lab, "CHROMIUM", tmp_path / "no-chromium")
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="missing"):
        lab.require_browser()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI is set"):
        lab.require_browser()
    monkeypatch.setattr(lab, "CHROMIUM", Path(__file__))  # any existing file: no skip, no failure
    lab.require_browser()


def test_write_notebook_and_news_setting(tmp_path):
    path = lab.write_notebook(tmp_path / "demo.ipynb", ["x = 1", "x + 1"])
    nb = nbformat.read(str(path), as_version=4)
    assert [c.source for c in nb.cells] == ["x = 1", "x + 1"]
    assert nb.metadata["kernelspec"]["name"] == "python3"
    assert json.loads(json.dumps(lab.NEWS_OFF)) == {"fetchNews": "false", "checkForUpdates": False}


def test_free_port_is_bindable():
    import socket

    port = lab.free_port()
    with socket.socket() as s:
        s.bind(("127.0.0.1", port))


@pytest.mark.parametrize("flags, student", [([], True), (["--instructor"], False)])
def test_course_lab_starts_student_mode_unless_instructor(monkeypatch, tmp_path, flags, student):
    """course.py lab puts its student config first on JUPYTER_CONFIG_PATH (the user's own
    path kept behind it); the config disables nbgrader's instructor plugins and server
    extensions but not Validate.  The browser test opens such a lab."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("course", Path(__file__).resolve().parents[2] / "course.py")
    course = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(course)
    monkeypatch.setattr(course, "STUDENT_CONFIG", tmp_path / "student")
    monkeypatch.setattr(course, "setup_course", lambda: None)
    monkeypatch.setenv("JUPYTER_CONFIG_PATH", "/users/own/path")
    launched = []
    monkeypatch.setattr(course, "exec_in_venv", lambda cmd, env: launched.append((cmd, env)))
    course.main(["lab", "--no-browser", *flags])
    (cmd, env), = launched
    assert cmd[:2] == ["jupyter", "lab"] and "--no-browser" in cmd
    if not student:
        assert env["JUPYTER_CONFIG_PATH"] == "/users/own/path"
        return
    assert env["JUPYTER_CONFIG_PATH"].split(os.pathsep) == [str(tmp_path / "student"), "/users/own/path"]
    pages = json.loads((tmp_path / "student" / "labconfig" / "page_config.json").read_text())
    server = json.loads((tmp_path / "student" / "jupyter_server_config.json").read_text())
    assert "@jupyter/nbgrader:formgrader" in pages["disabledExtensions"]
    assert not any("validate" in name for name in pages["disabledExtensions"])
    extensions = server["ServerApp"]["jpserver_extensions"]
    assert extensions["nbgrader.server_extensions.formgrader"] is False
    assert "nbgrader.server_extensions.validate_assignment" not in extensions
