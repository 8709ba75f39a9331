"""Reference implementations of notebook exercises that later exercises build on, one module per assignment.

A test cell of an exercise that builds on an earlier one grades it with these
(``with checks.using(globals(), earlier=reference.earlier): ...``), so that one
mistake costs only the exercise where it was made.  Module names are the
notebooks' folder names, which start with a digit, so test cells load them with
``importlib.import_module("grading.references.04_backpropagation")``.
"""
