"""grading/feedback.py on small notebooks: tracebacks, math, the page's index."""
from __future__ import annotations

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from grading.feedback import HideTestTracebacks, finish_page, render_math

TEST = {"nbgrader": {"grade": True, "solution": False, "grade_id": "predict-tests", "points": 1, "locked": True}}
FRAMES = ["\x1b[31m----\x1b[39m\nAssertionError   Traceback (most recent call last)",
          "Cell In[7], line 4\n      2 X = np.ones((2, 1))\n----> 4 checks.expect_close(predict(X), 2.0, name='hidden one')",
          "Cell In[5], line 3, in predict(X)\n      2 def predict(X):\n----> 3     return X[5]",
          "File /home/grader/course/nnlib/checks.py:81, in expect_close(actual, expected)\n     80 raise AssertionError"]


def test_a_failing_test_cell_shows_the_students_frame_and_the_checks_message_only():
    cell = new_code_cell("checks...", metadata=TEST, execution_count=7,
                         outputs=[new_output("error", ename="AssertionError", evalue="predict(miles): expected 1.6, got 0.0",
                                             traceback=FRAMES)])
    HideTestTracebacks().preprocess_cell(cell, {}, 0)
    shown = "\n".join(cell.outputs[0].traceback)
    assert "return X[5]" in shown                                # the student's line
    assert shown.endswith("AssertionError: predict(miles): expected 1.6, got 0.0")  # the check's message
    assert "hidden one" not in shown and "checks.py" not in shown and "/home/grader" not in shown


def test_math_becomes_mathml_outside_code():
    text = render_math("Loss $L = \\frac{1}{n}\\sum_i e_i^2$ and\n$$y = Xw + b$$\nbut `cost $5` stays.")
    assert text.count("<math") == 2 and 'display="block"' in text and "`cost $5`" in text and "$L" not in text


def test_the_page_names_test_cells_after_exercises_lists_failing_checks_and_loads_no_mathjax(tmp_path):
    page = tmp_path / "a.html"
    page.write_text('<html><head><!-- Load mathjax -->\n<script src="https://cdn/mathjax.js"> </script>\n'
                    '<!-- MathJax configuration -->\n<script type="text/x-mathjax-config">init()</script></head>'
                    '<body><div id="toc"><ol><li><a href="#predict-tests">Test cell</a> (Score: 0 / 1)</li></ol>'
                    '</div></body></html>')
    notebook = new_notebook(cells=[new_markdown_cell("# A"), new_code_cell("x", metadata=TEST, outputs=[
        new_output("error", ename="AssertionError", evalue="predict(miles): expected 1.6, got 0.0", traceback=[])])])
    finish_page(page, nbformat.from_dict(notebook))
    text = page.read_text()
    assert "mathjax" not in text.lower() and "Test cell" not in text and "Tests of predict" in text
    assert "Checks that failed" in text and "predict(miles): expected 1.6, got 0.0" in text
