"""Reference implementations of notebook exercises that later exercises build on.

A test cell grades an exercise with these in place of the student's earlier
functions (``with checks.using(globals(), earlier=reference): ...``), so one
mistake costs one exercise.  One module per notebook, named after its folder
(import it with ``importlib.import_module("grading.references.04_backpropagation")``).
"""
