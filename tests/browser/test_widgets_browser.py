"""Widgets in a real JupyterLab, in headless Chromium.

A small demo notebook calls a widget (with each figure mode: PNG image and ipympl); the
test runs all cells, presses the arrow key on one of its sliders and checks that the
figure's pixels and the widget's text changed (and changed back when the slider
returns), with no error output anywhere.
"""
import pytest

from lab import Notebook, write_notebook

pytestmark = pytest.mark.browser

# widget -> (the cell that shows it, the slider moved, the text control, the text after one
# step right, the text at the start)
CASES = {
    # lr goes up by 0.05 decades from 0.1
    "learning_rate_explorer": ("nw.learning_rate_explorer(problem='quadratic', lr=0.1, steps=30)",
                               "lr", "verdict", "lr = 0.112", "lr = 0.1 "),
    # x goes from -2 to -1.9: q = 3.1, f = 3.1 * -4
    "graph_explorer": ("nw.graph_explorer('(x + y) * z')", "x", "readout", "f = -12.4", "f = -12 "),
    # depth goes from 10 to 11: the statistics of a new, deeper network (He init stays healthy)
    "initialization_explorer": ("nw.initialization_explorer()", "depth", "verdict",
                                "0.73 in layer 11", "0.65 in layer 10"),
    # L2 goes from 0 to 0.005: a new network is trained; L2 lowers its final validation loss
    "regularization_explorer": ("nw.regularization_explorer(epochs=50)", "l2", "readout",
                                "validation loss 0.587", "validation loss 1.467"),
}


@pytest.mark.parametrize("mode", ["image", "ipympl"])
@pytest.mark.parametrize("name", list(CASES))
def test_moving_a_slider_changes_the_plot(lab, lab_root, page, name, mode):
    call, slider, text, moved, start = CASES[name]
    write_notebook(lab_root / f"demo_{name}_{mode}.ipynb", [
        f"import nnlib.widgets as nw\nnw.set_figure_mode({mode!r})", call])
    notebook = Notebook(page, lab, f"demo_{name}_{mode}.ipynb")
    assert notebook.run_all() is True
    assert notebook.errors() == []
    root = notebook.widget(name)
    first = notebook.signature(root)
    assert first["ink"] > 1000, "the figure has barely any drawing in it"
    label = root.query_selector(f".nnlib-control-{text}")
    assert start in label.text_content()

    elapsed, before, after = notebook.timed_key(root, slider, "ArrowRight")
    assert before["hash"] == first["hash"] and after["hash"] != first["hash"]
    label.wait_for_selector(f"text={moved}", timeout=10_000)

    notebook.timed_key(root, slider, "ArrowLeft")   # back: the same picture again
    page.wait_for_function("([root, h]) => window.nnlibSignature(root.querySelector('.nnlib-figure')).hash === h",
                           arg=[root, first["hash"]], timeout=10_000)
    assert start in label.text_content()
    assert notebook.errors() == []


def test_the_regularization_explorer_trains_the_next_notch_while_the_kernel_idles(lab, lab_root, page):
    write_notebook(lab_root / "ahead.ipynb", ["import nnlib.widgets as nw\nnw.set_figure_mode('image')",
                                              "box = nw.regularization_explorer(epochs=50)\nbox"])
    notebook = Notebook(page, lab, "ahead.ipynb")
    assert notebook.run_all() is True
    root = notebook.widget("regularization_explorer")
    notebook.timed_key(root, "l2", "ArrowRight")               # L2 0.005: the next notch is 0.01
    for _ in range(100):
        if notebook.execute("print((0.0, 0.01) in box.runs)").strip() == "True":
            break
        page.wait_for_timeout(200)
    else:
        pytest.fail("the kernel did not train L2 = 0.01 ahead")
    notebook.timed_key(root, "l2", "ArrowRight")               # shown from the run trained ahead
    fresh = notebook.execute("r = nw.regularization_curves(0.0, 0.01, epochs=50)\nprint(f'{r.val_loss[-1]:.3f}')")
    label = root.query_selector(".nnlib-control-readout")
    label.wait_for_selector(f"text=validation loss {fresh.strip()}", timeout=10_000)
    assert notebook.errors() == []
