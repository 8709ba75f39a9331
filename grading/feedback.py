"""A feedback preprocessor that keeps hidden tests out of the students' HTML.

nbgrader's ``ClearHiddenTests`` removes the hidden region from a test cell's
source, but the cell's error output still carries a traceback that quotes the
failing line, which may be a hidden test.  ``HideTestTracebacks`` keeps only the
error's one-line summary (``AssertionError: sigmoid(large z): expected ..., got
...``) in graded test cells.  The instructor's autograded notebooks keep the
full tracebacks.
"""
import re

from nbgrader import utils
from nbgrader.preprocessors import NbGraderPreprocessor

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


class HideTestTracebacks(NbGraderPreprocessor):
    """Replace the traceback of every error in a graded test cell by its summary line."""

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code" and utils.is_grade(cell):
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error":
                    summary = f"{output.get('ename', 'Error')}: {_ANSI.sub('', str(output.get('evalue', '')))}"
                    output["traceback"] = [summary.rstrip(": ")]
        return cell, resources
