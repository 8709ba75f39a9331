"""Every explorer in a real JupyterLab, as its notebook calls it, at two extreme settings:
a screenshot of each, no text cut or jammed (matplotlib's text boxes, read in the kernel
after the redraw the browser shows), the figure inside the output area (no horizontal
scrollbar), and no error anywhere.

Screenshots go to $NNLIB_SCREENSHOTS when set (to look at them as a student would), else
to pytest's temporary folder.
"""
import json
import os
from pathlib import Path

import pytest

from lab import Notebook, write_notebook
from widget_settings import KERNEL_CODE, WIDGETS

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def shots(tmp_path_factory):
    folder = os.environ.get("NNLIB_SCREENSHOTS")
    path = Path(folder) if folder else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


def fits_output_area(root):
    """(figure width, output area width, True when the output area scrolls sideways)."""
    return root.evaluate("""root => {
        const area = root.closest('.jp-OutputArea-output') || root.parentElement;
        const figure = root.querySelector('.nnlib-figure');
        return [figure.getBoundingClientRect().width, area.clientWidth, area.scrollWidth > area.clientWidth + 1];
      }""")


@pytest.mark.parametrize("name", list(WIDGETS))
def test_each_explorer_is_clean_at_extreme_settings(lab, lab_root, page, shots, name):
    call, settings = WIDGETS[name]
    write_notebook(lab_root / f"clean_{name}.ipynb", [KERNEL_CODE + "\nnw.set_figure_mode('image')",
                                                        f"box = {call}\nbox"])
    notebook = Notebook(page, lab, f"clean_{name}.ipynb")
    assert notebook.run_all() is True
    root = notebook.widget(name)
    for i, setting in enumerate(settings):
        before = notebook.signature(root)
        seen = json.loads(notebook.execute(f"apply_setting(box, {setting!r})\nprint(json.dumps(report(box)))"))
        page.wait_for_function("([root, h]) => { const s = window.nnlibSignature(root.querySelector('.nnlib-figure'));"
                               " return s && s.hash !== h; }", arg=[root, before["hash"]], timeout=20_000)
        notebook.wait_drawn(root, settle_ms=1500)  # the last of the setting's redraws
        root.screenshot(path=str(shots / f"{name}_{i + 1}.png"))
        assert seen["clipped"] == [], f"{name} at {setting}: {seen['clipped']}"
        width, area, scrolls = fits_output_area(root)
        assert width <= area and not scrolls, f"{name}: figure {width} px in an output area of {area} px"
    assert notebook.errors() == []
