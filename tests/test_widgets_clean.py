"""Every explorer, as its notebook calls it, at two extreme settings: no text is cut by the
figure's edge or runs into another plot (matplotlib's own text boxes), and the figure fits
the notebook's output area.  tests/browser/test_widgets_clean_browser.py does the same in
a real JupyterLab and takes screenshots."""
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "browser"))
from widget_settings import KERNEL_CODE, WIDGETS  # noqa: E402

from nnlib.widgets import set_figure_mode  # noqa: E402


@pytest.fixture(scope="module")
def kernel():
    set_figure_mode("image")
    namespace = {}
    exec(KERNEL_CODE, namespace)
    yield namespace
    set_figure_mode("auto")


@pytest.mark.parametrize("which", [0, 1], ids=["first extreme", "second extreme"])
@pytest.mark.parametrize("name", list(WIDGETS))
def test_no_text_is_clipped_at_extreme_settings(kernel, name, which):
    call, settings = WIDGETS[name]
    box = eval(call, kernel)
    assert kernel["report"](box)["clipped"] == []
    kernel["apply_setting"](box, settings[which])
    seen = kernel["report"](box)
    assert seen["clipped"] == [], f"{name} at {settings[which]}: {seen['clipped']}"
    assert seen["width"] <= seen["output_width"], f"{name}'s figure is {seen['width']} px wide"
