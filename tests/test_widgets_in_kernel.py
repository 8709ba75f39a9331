"""Widgets inside a real kernel leave the notebook's own plotting alone.

ipympl switches pyplot's backend when it is imported; a widget made in a notebook
must not turn the student's later ``plt.show()`` plots into interactive canvases
(they would not render when the notebook is executed headless, e.g. by nbgrader).
"""
import nbformat
import pytest
from nbclient import NotebookClient

pytestmark = pytest.mark.slow

CELLS = [
    "%matplotlib inline\nimport matplotlib.pyplot as plt\nbefore = plt.get_backend()",
    "from nnlib.widgets import graph_explorer, learning_rate_explorer, optimizer_race, playground\n"
    "widgets = [learning_rate_explorer(), optimizer_race(), playground(), graph_explorer()]",
    "print(before, plt.get_backend())\nplt.plot([0, 1], [1, 0]); plt.show()",
]


def test_widgets_keep_the_inline_backend():
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in CELLS]
    NotebookClient(notebook, kernel_name="python3", timeout=120).execute()
    last = notebook.cells[-1].outputs
    printed = "".join(o.get("text", "") for o in last if o.output_type == "stream").split()
    assert printed[0] == printed[1], f"pyplot's backend changed from {printed[0]} to {printed[1]}"
    assert any("image/png" in o.get("data", {}) for o in last), "plt.show() after a widget produced no inline PNG"
