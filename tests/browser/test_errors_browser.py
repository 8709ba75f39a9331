"""``Notebook.errors()`` sees an error however JupyterLab shows it (the check every "no error
output" assertion of the browser tests relies on).

Each case plants one kind of failure in a real notebook: a traceback in a cell's output
(JupyterLab 4 renders it as ``application/vnd.jupyter.stderr``), text on stderr, and a widget
callback that raises (its traceback has no output area).  A clean notebook with a widget has
no errors, so the check is not simply always non-empty.
"""
import pytest

from lab import Notebook, write_notebook

pytestmark = pytest.mark.browser

BUTTON = ("import ipywidgets as W\n"
          "button = W.Button(description='boom')\n"
          "button.add_class('planted-button')\n"
          "button.on_click(lambda _: {}['planted callback key'])\n"
          "button")


def open_and_run(lab, lab_root, page, name, cells):
    write_notebook(lab_root / name, cells)
    notebook = Notebook(page, lab, name)
    return notebook, notebook.run_all()


def test_a_traceback_in_a_cell_is_seen_in_the_page_the_model_and_the_kernel(lab, lab_root, page):
    notebook, ok = open_and_run(lab, lab_root, page, "planted_raise.ipynb",
                                ["x = 1", "raise NotImplementedError('planted error')"])
    assert ok is False, "run_all() did not report the failing cell"
    assert any("NotImplementedError" in e and "planted error" in e for e in notebook.errors())
    sources = notebook.error_sources()
    for source in ("dom", "model", "kernel"):
        assert any("planted error" in e for e in sources[source]), f"{source} missed it: {sources}"


def test_stderr_output_is_seen(lab, lab_root, page):
    notebook, ok = open_and_run(lab, lab_root, page, "planted_stderr.ipynb",
                                ["import sys\nprint('planted warning', file=sys.stderr)"])
    assert ok is True
    sources = notebook.error_sources()
    for source in ("dom", "model", "kernel"):
        assert any("planted warning" in e for e in sources[source]), f"{source} missed it: {sources}"


def test_a_widget_callback_that_raises_is_seen(lab, lab_root, page):
    notebook, ok = open_and_run(lab, lab_root, page, "planted_callback.ipynb", [BUTTON])
    assert ok is True and notebook.errors() == [], notebook.errors()
    page.click(".planted-button")
    for _ in range(50):  # the traceback arrives on the kernel's channel a moment later
        if notebook.errors():
            break
        page.wait_for_timeout(200)
    assert any("KeyError" in e and "planted callback key" in e for e in notebook.errors()), \
        page.evaluate("() => window.nnlibErrors('planted_callback.ipynb')")


def test_a_clean_notebook_has_no_errors(lab, lab_root, page):
    notebook, ok = open_and_run(lab, lab_root, page, "clean.ipynb",
                                ["print('fine')", BUTTON.replace("{}['planted callback key']", "None")])
    page.click(".planted-button")
    page.wait_for_timeout(500)
    assert ok is True
    assert notebook.errors() == []
