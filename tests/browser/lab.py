"""Drive JupyterLab in headless Chromium (Playwright): shared by the browser test and
bench/bench_widgets.py.

``JupyterLab(root, env=None)`` starts ``jupyter lab`` on 127.0.0.1 on a free port with a token and
private settings/workspaces/runtime directories (the news notification turned off) and
stops it, whatever happens, on ``stop()`` / leaving the ``with`` block.
``launch_chromium(playwright)`` starts Debian's Chromium with the flags that work here.
``Notebook(page, lab, name)`` opens a notebook, waits for its kernel, runs all cells and
measures how long a key press on a widget's slider takes to change the figure's pixels.
"""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import nbformat

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
NEWS_OFF = {"fetchNews": "false", "checkForUpdates": False}
# What ipykernel logs on stderr when JupyterLab's widget manager asks a kernel that has not
# imported ipywidgets yet for its widgets (on opening a notebook): no cell shows it.
_BENIGN = re.compile(r"No such comm: [0-9a-f-]+|No such comm target registered: jupyter\.widget\.control")


def ci_requires_browser():
    """True when the environment says we run in CI (then a missing browser is a failure)."""
    return os.environ.get("CI", "").lower() not in ("", "0", "false", "no")


def require_browser():
    """Skip the calling test when Chromium is missing, or fail it when CI is set."""
    import pytest

    if CHROMIUM.exists():
        return
    if ci_requires_browser():
        pytest.fail(f"{CHROMIUM} is missing but CI is set: the browser test must run in CI")
    pytest.skip(f"{CHROMIUM} is missing (install Debian's chromium to run the browser tests)")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_notebook(path, cells):
    """A notebook of code cells (strings) at ``path``."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source) for source in cells]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, str(path))
    return Path(path)


class JupyterLab:
    """A private JupyterLab server serving ``root``."""

    def __init__(self, root, startup_timeout=60.0, env=None):
        """``env``: variables added to the server's environment (e.g. JUPYTER_CONFIG_PATH)."""
        env_extra = env
        self.root = Path(root)
        self.port = free_port()
        self.token = os.urandom(12).hex()
        self.url = f"http://127.0.0.1:{self.port}"
        self._home = Path(tempfile.mkdtemp(prefix="nnlib-lab-"))
        settings = self._home / "settings" / "@jupyterlab" / "apputils-extension"
        settings.mkdir(parents=True)
        (settings / "notification.jupyterlab-settings").write_text(json.dumps(NEWS_OFF))
        env = dict(os.environ,
                   JUPYTERLAB_SETTINGS_DIR=str(self._home / "settings"),
                   JUPYTERLAB_WORKSPACES_DIR=str(self._home / "workspaces"),
                   JUPYTER_RUNTIME_DIR=str(self._home / "runtime"),
                   JUPYTER_CONFIG_DIR=str(self._home / "config"),
                   PYTHONUNBUFFERED="1")
        env.update(env_extra or {})
        cmd = [str(Path(sys.executable).parent / "jupyter"), "lab", "--no-browser",
               "--ip=127.0.0.1", f"--port={self.port}", f"--ServerApp.token={self.token}",
               f"--ServerApp.root_dir={self.root}", "--ServerApp.port_retries=0",
               "--LabApp.expose_app_in_browser=True"]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            cmd.append("--allow-root")
        self.log = open(self._home / "server.log", "wb")
        self.process = subprocess.Popen(cmd, env=env, stdout=self.log, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        try:
            self._wait_until_up(startup_timeout)
        except BaseException:
            self.stop()
            raise

    def _wait_until_up(self, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"jupyter lab exited with {self.process.returncode}:\n{self.log_text()}")
            try:
                with urllib.request.urlopen(f"{self.url}/api/status?token={self.token}", timeout=2):
                    return
            except OSError:
                time.sleep(0.2)
        raise TimeoutError(f"jupyter lab did not answer within {timeout:.0f} s:\n{self.log_text()}")

    def log_text(self):
        self.log.flush()
        return (self._home / "server.log").read_text(errors="replace")[-3000:]

    def notebook_url(self, name):
        return f"{self.url}/lab/tree/{name}?reset&token={self.token}"

    def stop(self):
        """Stop the server and its kernels (the whole process group), then clean up."""
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=10)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                try:
                    os.killpg(self.process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.process.wait(timeout=10)
        self.log.close()
        shutil.rmtree(self._home, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def launch_chromium(playwright):
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS, headless=True)


# In-page helpers: a pixel signature of a widget's figure (ipympl canvas or PNG image),
# and a watcher that records when it changes.
_PAGE_JS = r"""
window.nnlibSignature = (root) => {
  const pick = (tag) => root.tagName === tag.toUpperCase() ? root : root.querySelector(tag);
  const canvas = pick('canvas');
  let ctx, w, h;
  if (canvas && canvas.width > 0) {
    w = canvas.width; h = canvas.height; ctx = canvas.getContext('2d');
  } else {
    const img = pick('img');
    if (!img || !img.complete || img.naturalWidth === 0) return null;
    w = img.naturalWidth; h = img.naturalHeight;
    const off = document.createElement('canvas'); off.width = w; off.height = h;
    ctx = off.getContext('2d'); ctx.drawImage(img, 0, 0);
  }
  const data = ctx.getImageData(0, 0, w, h).data;
  let hash = 2166136261 >>> 0, ink = 0, opaque = 0;
  for (let i = 0; i < data.length; i += 4) {
    const v = data[i] ^ (data[i + 1] << 8) ^ (data[i + 2] << 16);
    hash = Math.imul(hash ^ v, 16777619) >>> 0;
    if (data[i + 3] === 0) continue;  // a canvas not drawn yet is transparent, not ink
    opaque++;
    if (data[i] + data[i + 1] + data[i + 2] < 600) ink++;
  }
  return {hash: hash, ink: ink, opaque: opaque / (w * h), width: w, height: h};
};
window.nnlibWatch = (root) => {
  const before = window.nnlibSignature(root);
  const state = {before: before, t0: performance.now(), t1: null, after: null};
  window.nnlibWatched = state;
  const poll = () => {
    const now = window.nnlibSignature(root);
    if (now && (!before || now.hash !== before.hash)) {
      state.t1 = performance.now(); state.after = now; return;
    }
    requestAnimationFrame(poll);
  };
  requestAnimationFrame(poll);
  return before;
};
// The notebook panel showing `path`, and error texts from its outputs and its kernel.
window.nnlibPanel = (path) => {
  for (const w of window.jupyterapp.shell.widgets('main')) {
    if (w.sessionContext && w.context && w.context.path === path) return w;
  }
  return null;
};
window.nnlibKernelErrors = {};
window.nnlibRecordErrors = (path) => {
  const panel = window.nnlibPanel(path);
  const seen = window.nnlibKernelErrors[path] = [];
  const record = (_, msg) => {
    const type = msg.header.msg_type, c = msg.content;
    if (type === 'error') seen.push(`${c.ename}: ${c.evalue}\n${(c.traceback || []).join('\n')}`);
    else if (type === 'stream' && c.name === 'stderr') seen.push(c.text);
  };
  const hook = (kernel) => { if (kernel) kernel.iopubMessage.connect(record); };
  hook(panel.sessionContext.session && panel.sessionContext.session.kernel);
  panel.sessionContext.kernelChanged.connect((_, change) => hook(change.newValue));
};
window.nnlibErrors = (path) => {
  const panel = window.nnlibPanel(path);
  const dom = [], model = [];
  const outputs = panel.node.querySelectorAll('.jp-OutputArea-output');
  for (const o of outputs) {
    const mime = o.getAttribute('data-mime-type') || '';
    const text = o.textContent;
    if (/error|stderr/.test(mime) || /Traceback \(most recent call last\)/.test(text)
        || o.querySelector('[data-mime-type*="error"], [data-mime-type*="stderr"]')) dom.push(text);
  }
  for (const cell of panel.content.model.cells) {
    if (cell.type !== 'code') continue;
    for (const out of cell.outputs.toJSON()) {
      if (out.output_type === 'error') model.push(`${out.ename}: ${out.evalue}\n${out.traceback.join('\n')}`);
      else if (out.output_type === 'stream' && out.name === 'stderr') {
        model.push(Array.isArray(out.text) ? out.text.join('') : out.text);
      }
    }
  }
  return {dom: dom, model: model, kernel: window.nnlibKernelErrors[path] || []};
};
"""


class Notebook:
    """A notebook opened in JupyterLab, its kernel started and all cells run."""

    def __init__(self, page, lab, name, timeout=60.0):
        self.page = page
        self.name = name
        self.timeout_ms = timeout * 1000
        page.goto(lab.notebook_url(name), timeout=self.timeout_ms)
        page.wait_for_selector(".jp-NotebookPanel", timeout=self.timeout_ms)
        # The execution indicator reads idle before a kernel exists: wait for a kernel name.
        page.wait_for_function(
            """() => { const k = document.querySelector('.jp-NotebookPanel .jp-Toolbar-kernelName');
                       return k && k.textContent.trim() && !/No Kernel|Kernel$/.test(k.textContent.trim())
                              && window.jupyterapp; }""", timeout=self.timeout_ms)
        page.add_script_tag(content=_PAGE_JS)
        page.evaluate("name => window.nnlibRecordErrors(name)", name)
        self.wait_idle()

    def wait_idle(self):
        self.page.wait_for_function(
            """() => { const i = document.querySelector('.jp-NotebookPanel .jp-Notebook-ExecutionIndicator');
                       return i && i.getAttribute('data-status') === 'idle'; }""", timeout=self.timeout_ms)

    def run_all(self):
        """Run every cell and wait until the kernel is idle again; True when no cell failed
        (JupyterLab stops at the first cell that raises)."""
        ok = self.page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
        self.wait_idle()
        return bool(ok)

    def execute(self, code):
        """Run ``code`` in the notebook's kernel (not in a cell) and return what it printed;
        an exception raises RuntimeError (and shows in ``errors()``)."""
        result = self.page.evaluate("""async ([path, code]) => {
            const kernel = window.nnlibPanel(path).sessionContext.session.kernel;
            const future = kernel.requestExecute({code: code, stop_on_error: true});
            let out = '', error = null;
            future.onIOPub = (msg) => {
              const c = msg.content;
              if (msg.header.msg_type === 'stream' && c.name === 'stdout') out += c.text;
              if (msg.header.msg_type === 'error') error = `${c.ename}: ${c.evalue}`;
            };
            await future.done;
            return {out: out, error: error};
          }""", [self.name, code])
        if result["error"]:
            raise RuntimeError(f"the kernel raised {result['error']} running:\n{code}")
        return result["out"]

    def errors(self):
        """Every traceback and stderr text the notebook has produced, however JupyterLab shows
        it (ANSI colour codes removed):

        * the rendered outputs: error and stderr MIME types (JupyterLab 4 renders an error
          output as ``application/vnd.jupyter.stderr``), and any output showing a traceback;
        * the notebook's model: outputs of type "error" and stderr streams, rendered or not;
        * the kernel's messages since the notebook opened: "error" and stderr "stream"
          messages, including those of widget callbacks, which have no output area (JupyterLab
          sends them to its log console).
        """
        texts = []
        for found in self.error_sources().values():
            for text in found:
                if text not in texts:
                    texts.append(text)
        return texts

    def error_sources(self):
        """``errors()`` by where they were found: {"dom": [...], "model": [...], "kernel": [...]}."""
        found = self.page.evaluate("name => window.nnlibErrors(name)", self.name)
        sources = {}
        for source, texts in found.items():
            texts = [re.sub(r"\x1b\[[0-9;]*m", "", text).strip() for text in texts]
            sources[source] = [t for t in texts if t and not (source == "kernel" and _BENIGN.fullmatch(t))]
        return sources

    def widget(self, name, timeout=None):
        """The rendered widget with CSS class nnlib-<name>, once its figure has pixels
        (``timeout`` seconds for each wait, default the notebook's)."""
        timeout_ms = self.timeout_ms if timeout is None else timeout * 1000
        selector = f".nnlib-{name.replace('_', '-')}"
        root = self.page.wait_for_selector(selector, timeout=timeout_ms)
        root.scroll_into_view_if_needed()
        root.wait_for_selector(".nnlib-figure", timeout=timeout_ms)
        self.wait_drawn(root, timeout=timeout)
        return root

    def figure_state(self, root):
        """What the page shows of a widget's figure, to say why a picture is missing: its
        signature (None: no pixels), its canvases' sizes and its height on the page."""
        return self.page.evaluate("""root => {
            const f = root.querySelector('.nnlib-figure');
            if (!f) return {figure: null};
            return {signature: window.nnlibSignature(f), height: f.getBoundingClientRect().height,
                    canvases: [...f.querySelectorAll('canvas')].map(c => [c.width, c.height])};
          }""", root)

    def rerun_cell(self, index):
        """Run the code cell at ``index`` again (a new widget replaces its output) and wait
        until the kernel is idle."""
        self.page.evaluate("""([path, index]) => {
            const panel = window.nnlibPanel(path);
            panel.content.activeCellIndex = index;
            return window.jupyterapp.commands.execute('notebook:run-cell');
          }""", [self.name, index])
        self.wait_idle()

    def wait_drawn(self, root, min_ink=500, settle_ms=300, timeout=None):
        """Wait until the figure has a picture (opaque, some dark pixels) that stays put for
        ``settle_ms`` (at most ``timeout`` seconds, default the notebook's)."""
        self.page.wait_for_function(
            """([root, minInk, settleMs]) => {
                 const s = window.nnlibSignature(root.querySelector('.nnlib-figure'));
                 const now = performance.now(), last = window.nnlibSettle;
                 if (!s || s.ink < minInk || s.opaque < 0.9) { window.nnlibSettle = null; return false; }
                 if (!last || last.hash !== s.hash) { window.nnlibSettle = {hash: s.hash, t: now}; return false; }
                 return now - last.t > settleMs;
               }""", arg=[root, min_ink, settle_ms], polling=50,
            timeout=self.timeout_ms if timeout is None else timeout * 1000)

    def signature(self, root):
        return self.page.evaluate("root => window.nnlibSignature(root.querySelector('.nnlib-figure'))", root)

    def focus_slider(self, root, control):
        handle = root.wait_for_selector(f".nnlib-control-{control} .noUi-handle", timeout=self.timeout_ms)
        handle.focus()
        return handle

    def timed_key(self, root, control, key="ArrowRight", timeout=10.0):
        """Press ``key`` on a slider (or click a button) and return (milliseconds until the
        figure's pixels changed, signature before, signature after)."""
        figure = root.query_selector(".nnlib-figure")
        element = root.query_selector(f".nnlib-control-{control}")
        is_button = element.evaluate("e => e.tagName === 'BUTTON'")
        target = element if is_button else self.focus_slider(root, control)
        if is_button:  # click from inside the page, right after the clock starts
            before = self.page.evaluate("([f, b]) => { const s = window.nnlibWatch(f); b.click(); return s; }",
                                        [figure, target])
        else:
            before = self.page.evaluate("f => window.nnlibWatch(f)", figure)
            target.press(key)
        self.page.wait_for_function("() => window.nnlibWatched.t1 !== null", timeout=timeout * 1000)
        state = self.page.evaluate("() => window.nnlibWatched")
        return state["t1"] - state["t0"], before, state["after"]
