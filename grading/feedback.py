"""What a student receives: feedback pages that never show hidden tests, work offline, and say
which checks failed and why.

* ``HideTestTracebacks`` (a feedback preprocessor): nbgrader's ``ClearHiddenTests`` removes the
  hidden region from a test cell's source, but the cell's error output still carries a
  traceback that quotes the failing line, which may be a hidden test, and the frames of
  ``nnlib/checks.py`` with absolute paths of the grading machine.  In graded test cells the
  traceback keeps only the frames of the student's own cells (where their code failed) and the
  one-line summary with the check's message (``AssertionError: sigmoid(large z): expected ...,
  got ...``).  The instructor's autograded notebooks keep the full tracebacks.
* ``RenderMath`` (a feedback preprocessor): ``$...$`` and ``$$...$$`` in markdown cells become
  MathML (latex2mathml), which browsers render without MathJax, so pages work offline.
* ``finish``: after nbgrader wrote a submission's pages, drop their MathJax script (loaded from
  a CDN), name each test cell in the page's index after its exercise, and list the student's
  failing checks with their messages at the top.  Every grading engine calls it on the parent's
  side of a graded submission (the local workers, grading/cluster.py).
* ``write_failure``: the page of a submission that could not be graded: why, and what to do.

These are the only places that write feedback.
"""
from __future__ import annotations

import html
import re
from pathlib import Path

from nbgrader import utils
from nbgrader.preprocessors import NbGraderPreprocessor

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_CELL_FRAME = re.compile(r"\s*Cell\s+In\s*\[(\d+)\]")


def summary(output) -> str:
    """``AssertionError: name: message``: the one line of an error output a student sees."""
    return f"{output.get('ename', 'Error')}: {_ANSI.sub('', str(output.get('evalue', '')))}".rstrip(": ")


class HideTestTracebacks(NbGraderPreprocessor):
    """In every graded test cell, keep of each error's traceback only the student's frames and its summary."""

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code" and utils.is_grade(cell):
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error":
                    own = [entry for entry in output.get("traceback", [])
                           if (match := _CELL_FRAME.match(_ANSI.sub("", entry)))
                           and int(match.group(1)) != cell.get("execution_count")]
                    output["traceback"] = own + [summary(output)]
        return cell, resources


_CODE = re.compile(r"(```.*?```|`[^`\n]*`)", re.S)
_DISPLAY = re.compile(r"\$\$(.+?)\$\$", re.S)
_INLINE = re.compile(r"(?<![\\$])\$([^$\n]+?)\$(?!\$)")


def _mathml(latex: str, display: str) -> str:
    from latex2mathml.converter import convert

    try:
        return convert(latex.strip(), display=display)
    except Exception:  # latex2mathml does not know it: show the TeX as written
        return html.escape(f"${latex}$")


def render_math(markdown: str) -> str:
    """Markdown with its TeX math replaced by MathML (code spans and blocks left alone)."""
    parts = _CODE.split(markdown)
    for i in range(0, len(parts), 2):  # even parts are outside code
        text = _DISPLAY.sub(lambda m: _mathml(m.group(1), "block"), parts[i])
        parts[i] = _INLINE.sub(lambda m: _mathml(m.group(1), "inline"), text)
    return "".join(parts)


class RenderMath(NbGraderPreprocessor):
    """Pre-render the math of markdown cells as MathML: the feedback needs no MathJax and no network."""

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "markdown" and "$" in cell.source:
            cell.source = render_math(cell.source)
        return cell, resources


_MATHJAX = re.compile(r"<!-- Load mathjax -->.*?</script>\s*<!-- MathJax configuration -->\s*"
                      r"<script type=\"text/x-mathjax-config\">.*?</script>", re.S)


def failing_checks(notebook) -> dict:
    """{test cell grade_id: the summary of its error} for the failing test cells of an autograded notebook."""
    failing = {}
    for cell in notebook.cells:
        if cell.cell_type == "code" and utils.is_grade(cell) and not utils.is_solution(cell):
            error = next((o for o in cell.get("outputs", []) if o.get("output_type") == "error"), None)
            if error is not None:
                failing[cell.metadata.nbgrader["grade_id"]] = summary(error)
    return failing


def exercise_of(test_id: str) -> str:
    return test_id[: -len("-tests")] if test_id.endswith("-tests") else test_id


def finish_page(page: Path, notebook) -> None:
    """Make nbgrader's feedback page offline and explicit (see the module's docstring)."""
    text = _MATHJAX.sub("", page.read_text(encoding="utf-8"))
    failing = failing_checks(notebook)

    def name(match):
        grade_id = html.unescape(match.group(1))
        return f'<a href="#{match.group(1)}">Tests of {html.escape(exercise_of(grade_id))}</a>'
    text = re.sub(r'<a href="#([^"]+)">Test cell</a>', name, text)
    if failing and 'id="failing-checks"' not in text:  # finished once already: leave it
        items = "".join(f"<li><a href=\"#{html.escape(g)}\">{html.escape(exercise_of(g))}</a>: "
                        f"<code>{html.escape(message)}</code></li>" for g, message in failing.items())
        block = f'<div id="failing-checks"><h4>Checks that failed</h4><ul>{items}</ul></div>'
        text = text.replace('<div id="toc">', block + '\n<div id="toc">', 1)
    page.write_text(text, encoding="utf-8")


def finish(work_root, student: str, assignment: str) -> None:
    """``finish_page`` for every page nbgrader wrote for one graded submission in the work folder
    ``work_root`` (and drop the grader's cell times, which nbgrader copies from the autograded
    folder with the other files)."""
    import nbformat

    from .limits import TIMES_FILE

    feedback_folder = Path(work_root) / "feedback" / student / assignment
    autograded_folder = Path(work_root) / "autograded" / student / assignment
    (feedback_folder / TIMES_FILE).unlink(missing_ok=True)
    for page in feedback_folder.glob("*.html"):
        graded = autograded_folder / f"{page.stem}.ipynb"
        if graded.is_file():
            finish_page(page, nbformat.read(graded, as_version=4))


def write_failure(work_root, student: str, assignment: str, notebook_names, reason: str) -> None:
    """The feedback of a submission that could not be graded (it scores 0): one page per notebook
    saying why, in place of anything an earlier run wrote."""
    import shutil

    folder = Path(work_root) / "feedback" / student / assignment
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    for name in notebook_names:
        (folder / f"{name}.html").write_text(
            "<!DOCTYPE html><html><head><meta charset='utf-8'><title>Feedback</title></head><body>"
            f"<h1>{html.escape(assignment)}: {html.escape(name)}.ipynb</h1>"
            "<p>Your submission could not be graded automatically, so it scores 0 for now.</p>"
            f"<p><b>Reason:</b> {html.escape(reason)}</p>"
            "<p>Check your notebook with <code>python -m grading validate</code> (or the Validate button) "
            "and talk to your instructor.</p></body></html>\n", encoding="utf-8")
