"""Reference implementations of notebook exercises, one module per assignment folder.

A test cell of an exercise that builds on an earlier one grades it with these
(``with checks.using(globals(), earlier=reference.earlier): ...``), so that one
mistake costs only the exercise where it was made.  Module names start with the
notebook's number, so test cells load them with ``importlib.import_module``.
"""
