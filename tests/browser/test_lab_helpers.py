"""The browser-test plumbing that runs without a browser: skip or fail, notebooks, ports."""
import json
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
