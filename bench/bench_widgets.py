"""Slider-to-redraw latency of every nnlib widget, measured in a real browser.

Starts JupyterLab and headless Chromium (the helpers of tests/browser/lab.py), runs a
notebook showing the widgets, then for each widget presses an arrow key on one of its
sliders (or clicks its button) N times, alternating right and left, and times each
press until the figure's pixels change (measured in the page with performance.now()).
Both figure modes are measured: ipympl's canvas and the PNG image.

    .venv/bin/python bench/bench_widgets.py [--moves 12] [--modes ipympl image]

Target (issue 13): every row, both figure modes, a median under 100 ms (the regularization
explorer of issue 15 included).  The report starts with the machine (CPU model, cores, load
average before and after): figures from a loaded machine are inflated, so compare rows of one
run, and rerun on a quiet machine for the record.
"""
import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "browser"))

from lab import CHROMIUM, JupyterLab, Notebook, launch_chromium, write_notebook  # noqa: E402

# (widget, control moved, what the move does): one slider (or button) per explorer, the one a
# student moves most; the playground twice (training, and new data).
CASES = [
    ("learning_rate_explorer", "lr", "lr slider"),
    ("optimizer_race", "lr-Adam", "Adam's lr slider"),
    ("initialization_explorer", "depth", "depth slider"),
    ("playground", "step", "step button (5 epochs)"),
    ("playground", "noise", "noise slider (new data)"),
    ("activation_explorer", "z-range", "z-range slider"),
    ("loss_explorer", "delta", "Huber delta slider"),
    ("graph_explorer", "x", "x slider"),
    ("regularization_explorer", "l2", "L2 slider (trains anew)"),
]
WIDGETS = list(dict.fromkeys(name for name, _, _ in CASES))
TARGET_MS = 100.0


def machine():
    """One line on where the figures come from: CPU model, cores, load average."""
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = " ".join(f"{v:.2f}" for v in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    return f"{model}, {os.cpu_count()} cores, load average {load} (1, 5, 15 min)"


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
    before = machine()
    results = run(args.modes, args.moves, args.widgets)
    print(f"\nslider-to-redraw latency in JupyterLab + headless Chromium ({args.moves} moves each)")
    print(f"machine before: {before}\nmachine after:  {machine()}")
    print(f"{'widget':24s} {'moved':26s} {'figure':7s} {'median':>8s} {'min':>7s} {'max':>7s}  target")
    for name, control, what, mode, times in results:
        median = statistics.median(times)
        verdict = f"< {TARGET_MS:.0f} ms " + ("met" if median < TARGET_MS else "MISSED")
        print(f"{name:24s} {what:26s} {mode:7s} {median:6.1f}ms {min(times):5.1f}ms {max(times):5.1f}ms  {verdict}")
    print(f"(total {time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
