"""The learning-rate explorer in a real JupyterLab, in headless Chromium.

A small demo notebook calls the widget (with each figure mode: PNG image and ipympl); the test runs all cells, presses the arrow key on
the learning-rate slider and checks that the figure's pixels changed (and changed back
when the slider returns), with no error output anywhere.
"""
import pytest

from lab import Notebook, write_notebook

pytestmark = pytest.mark.browser



@pytest.mark.parametrize("mode", ["image", "ipympl"])
def test_moving_the_learning_rate_slider_changes_the_plot(lab, lab_root, page, mode):
    write_notebook(lab_root / f"demo_lr_{mode}.ipynb", [
        f"import nnlib.widgets as nw\nnw.set_figure_mode({mode!r})",
        "nw.learning_rate_explorer(problem='quadratic', lr=0.1, steps=30)"])
    notebook = Notebook(page, lab, f"demo_lr_{mode}.ipynb")
    notebook.run_all()
    assert notebook.errors() == []
    root = notebook.widget("learning_rate_explorer")
    first = notebook.signature(root)
    assert first["ink"] > 1000, "the figure has barely any drawing in it"

    elapsed, before, after = notebook.timed_key(root, "lr", "ArrowRight")
    assert before["hash"] == first["hash"] and after["hash"] != first["hash"]
    verdict = root.query_selector(".nnlib-control-verdict")
    verdict.wait_for_selector("text=lr = 0.112", timeout=10_000)  # up by 0.05 decades from 0.1

    notebook.timed_key(root, "lr", "ArrowLeft")   # back to 0.1: the same picture again
    page.wait_for_function("([root, h]) => window.nnlibSignature(root.querySelector('.nnlib-figure')).hash === h",
                           arg=[root, first["hash"]], timeout=10_000)
    assert "lr = 0.1 " in verdict.text_content()
    assert notebook.errors() == []
