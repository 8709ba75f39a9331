"""Slider-to-redraw latency of every nnlib widget, measured in a real browser.

Starts JupyterLab and headless Chromium (the helpers of tests/browser/lab.py), runs a
notebook showing the widgets, then for each widget presses an arrow key on one of its
sliders (or clicks its button) N times, alternating right and left, and times each
press until the figure's pixels change (measured in the page with performance.now()).
Both figure modes are measured: ipympl's canvas and the PNG image.

    .venv/bin/python bench/bench_widgets.py [--moves 12] [--modes ipympl image]

A figure without a picture is tried again (scrolled away and back, then its cell run again);
a widget that never shows one gets a row saying so, and the run goes on.

Target (issue 13): every row, both figure modes, a median under 100 ms (the regularization
explorer of issue 15 included); the summary names the rows that miss it.  The report starts with the machine (CPU model, cores, load
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
    # each setting trains a network; the explorer keeps its runs and trains the next notches
    # ahead while idle, so these moves measure a redraw (a setting never seen: see its docstring)
    ("regularization_explorer", "l2", "L2 slider (trained ahead)"),
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


def first_picture(notebook, name, cell, timeout):
    """(root, note): the widget once its figure shows a picture.  A figure without one after
    ``timeout`` s is tried again, first scrolled out of view and back (JupyterLab renders an
    output's view when it comes into view), then with its cell run again (a new widget);
    ``note`` says what it took ("" at once).  (None, why) when no try gave a picture."""
    from playwright.sync_api import Error as PlaywrightError

    def scroll_away_and_back():
        notebook.page.evaluate("path => window.nnlibPanel(path).content.node.scrollTo(0, 0)", notebook.name)
        notebook.page.wait_for_timeout(500)

    tries = [("", None), ("after scrolling it away and back", scroll_away_and_back),
             ("after running its cell again", lambda: notebook.rerun_cell(cell))]
    seen = []
    for note, prepare in tries:
        if prepare is not None:
            prepare()
        try:
            return notebook.widget(name, timeout=timeout), note
        except PlaywrightError:   # a timeout: say what the page showed
            root = notebook.page.query_selector(f".nnlib-{name.replace('_', '-')}")
            seen.append(notebook.figure_state(root) if root else {"widget": None})
    return None, f"no picture after {len(tries)} tries of {timeout:.0f} s (the page showed {seen[-1]})"


def measure(notebook, root, control, moves, timeout=10.0):
    """Milliseconds of each move that redrew, and how many moves showed no change within
    ``timeout`` s."""
    from playwright.sync_api import Error as PlaywrightError

    times, lost = [], 0
    for i in range(moves):
        try:
            elapsed, _, _ = notebook.timed_key(root, control, "ArrowRight" if i % 2 == 0 else "ArrowLeft",
                                               timeout=timeout)
            times.append(elapsed)
        except PlaywrightError:
            lost += 1
        notebook.page.wait_for_timeout(150)  # let trailing messages settle
    return times, lost


def run(modes, moves, widgets, picture_timeout):
    """One row per case and mode: (widget, what is moved, mode, times in ms, moves that did
    not redraw, note)."""
    results = []
    with tempfile.TemporaryDirectory(prefix="nnlib-bench-") as tmp, JupyterLab(Path(tmp)) as lab:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            try:
                for mode in modes:
                    shown = [w for w in WIDGETS if w in widgets]
                    cells = [f"import nnlib.widgets as nw\nnw.set_figure_mode({mode!r})"]
                    cells += [f"nw.{w}()" for w in shown]
                    write_notebook(Path(tmp) / f"bench_{mode}.ipynb", cells)
                    page = browser.new_page(viewport={"width": 1400, "height": 1000})
                    notebook = Notebook(page, lab, f"bench_{mode}.ipynb", timeout=120)
                    if not notebook.run_all() or notebook.errors():
                        raise RuntimeError(f"the benchmark notebook failed: {notebook.errors()}")
                    for name, control, what in CASES:
                        if name not in widgets:
                            continue
                        root, note = first_picture(notebook, name, 1 + shown.index(name), picture_timeout)
                        times, lost = measure(notebook, root, control, moves) if root else ([], 0)
                        if lost:
                            note = "; ".join(filter(None, [note, f"{lost} of {moves} moves showed no redraw in 10 s"]))
                        results.append((name, what, mode, times, lost, note))
                        print(f"  {row(*results[-1])}", flush=True)
                    page.close()
            finally:
                browser.close()
    return results


def met(times, lost):
    """The target: every move redrew, with a median under TARGET_MS."""
    return bool(times) and not lost and statistics.median(times) < TARGET_MS


def row(name, what, mode, times, lost, note):
    """A result line: the figures and the target's verdict."""
    if times:
        median = statistics.median(times)
        verdict = "met" if met(times, lost) else "MISSED"
        figures = f"{median:6.1f}ms {min(times):5.1f}ms {max(times):6.1f}ms  {verdict}"
    else:
        figures = f"{'-':>8s} {'-':>7s} {'-':>8s}  MISSED"
    return f"{name:24s} {what:26s} {mode:7s} {figures}" + (f"  ({note})" if note else "")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=12, help="slider moves per widget (>= 10)")
    parser.add_argument("--modes", nargs="+", default=["ipympl", "image"], choices=["ipympl", "image"])
    parser.add_argument("--widgets", nargs="+", default=WIDGETS, choices=WIDGETS)
    parser.add_argument("--picture-timeout", type=float, default=30.0,
                        help="seconds to wait for a figure's first picture, per try (3 tries)")
    args = parser.parse_args(argv)
    if args.moves < 10:
        parser.error("--moves must be at least 10")
    if not CHROMIUM.exists():
        sys.exit(f"{CHROMIUM} is missing: install Debian's chromium to run this benchmark")
    started = time.perf_counter()
    before = machine()
    results = run(args.modes, args.moves, args.widgets, args.picture_timeout)
    print(f"\nslider-to-redraw latency in JupyterLab + headless Chromium ({args.moves} moves each)")
    print(f"machine before: {before}\nmachine after:  {machine()}")
    print(f"target: a median under {TARGET_MS:.0f} ms on every row (every widget, both figure modes)")
    print(f"{'widget':24s} {'moved':26s} {'figure':7s} {'median':>8s} {'min':>7s} {'max':>8s}  target")
    for result in results:
        print(row(*result))
    missed = [f"{name} {what} ({mode})" for name, what, mode, times, lost, _ in results if not met(times, lost)]
    if missed:
        print(f"target MISSED on {len(missed)} of {len(results)} rows: {'; '.join(missed)}")
    else:
        print(f"target met on all {len(results)} rows")
    print(f"(total {time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
