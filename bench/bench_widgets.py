"""Slider-to-redraw latency of every nnlib widget, measured in a real browser.

Starts JupyterLab and headless Chromium (the helpers of tests/browser/lab.py), runs a
notebook showing the widgets, then for each widget presses an arrow key on one of its
sliders (or clicks its button) N times, alternating right and left, and times each
press until the figure's pixels change (measured in the page with performance.now()).
Both figure modes are measured: ipympl's canvas and the PNG image.

    .venv/bin/python bench/bench_widgets.py [--moves 12] [--modes ipympl image]

Targets (issue 3): median under 100 ms for learning_rate_explorer and graph_explorer, 150 ms
for playground.
"""
import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "browser"))

from lab import CHROMIUM, JupyterLab, Notebook, launch_chromium, write_notebook  # noqa: E402

# (widget, control moved, what the move does); the playground's lr slider changes training,
# not the picture, so it is timed through its step button and its noise slider.
CASES = [
    ("learning_rate_explorer", "lr", "lr slider"),
    ("optimizer_race", "lr-Adam", "Adam's lr slider"),
    ("initialization_explorer", "depth", "depth slider"),
    ("playground", "step", "step button (5 epochs)"),
    ("playground", "noise", "noise slider (new data)"),
    ("activation_explorer", "z-range", "z-range slider"),
    ("loss_explorer", "delta", "Huber delta slider"),
    ("graph_explorer", "x", "x slider"),
]
WIDGETS = list(dict.fromkeys(name for name, _, _ in CASES))
TARGETS_MS = {("learning_rate_explorer", "lr"): 100.0, ("playground", "step"): 150.0,
              ("playground", "noise"): 150.0, ("graph_explorer", "x"): 100.0}


def measure(notebook, name, control, moves):
    root = notebook.widget(name)
    times = []
    for i in range(moves):
        elapsed, _, _ = notebook.timed_key(root, control, "ArrowRight" if i % 2 == 0 else "ArrowLeft")
        times.append(elapsed)
        notebook.page.wait_for_timeout(150)  # let trailing messages settle
    return times


def run(modes, moves, widgets):
    results = []
    with tempfile.TemporaryDirectory(prefix="nnlib-bench-") as tmp, JupyterLab(Path(tmp)) as lab:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            try:
                for mode in modes:
                    cells = [f"import nnlib.widgets as nw\nnw.set_figure_mode({mode!r})"]
                    cells += [f"nw.{w}()" for w in WIDGETS if w in widgets]
                    write_notebook(Path(tmp) / f"bench_{mode}.ipynb", cells)
                    page = browser.new_page(viewport={"width": 1400, "height": 1000})
                    notebook = Notebook(page, lab, f"bench_{mode}.ipynb", timeout=120)
                    if not notebook.run_all() or notebook.errors():
                        raise RuntimeError(f"the benchmark notebook failed: {notebook.errors()}")
                    for name, control, what in CASES:
                        if name in widgets:
                            times = measure(notebook, name, control, moves)
                            results.append((name, control, what, mode, times))
                            print(f"  {name:24s} {what:26s} {mode:7s} median "
                                  f"{statistics.median(times):6.1f} ms", flush=True)
                    page.close()
            finally:
                browser.close()
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=12, help="slider moves per widget (>= 10)")
    parser.add_argument("--modes", nargs="+", default=["ipympl", "image"], choices=["ipympl", "image"])
    parser.add_argument("--widgets", nargs="+", default=WIDGETS, choices=WIDGETS)
    args = parser.parse_args(argv)
    if args.moves < 10:
        parser.error("--moves must be at least 10")
    if not CHROMIUM.exists():
        sys.exit(f"{CHROMIUM} is missing: install Debian's chromium to run this benchmark")
    started = time.perf_counter()
    results = run(args.modes, args.moves, args.widgets)
    print(f"\nslider-to-redraw latency in JupyterLab + headless Chromium ({args.moves} moves each)")
    print(f"{'widget':24s} {'moved':26s} {'figure':7s} {'median':>8s} {'min':>7s} {'max':>7s}  target")
    for name, control, what, mode, times in results:
        target = TARGETS_MS.get((name, control))
        median = statistics.median(times)
        verdict = "" if target is None else f"< {target:.0f} ms " + ("met" if median < target else "MISSED")
        print(f"{name:24s} {what:26s} {mode:7s} {median:6.1f}ms {min(times):5.1f}ms {max(times):5.1f}ms  {verdict}")
    print(f"(total {time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
