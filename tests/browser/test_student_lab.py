"""``python3 course.py lab`` opens a student's JupyterLab: nbgrader's Validate button, but no
instructor menu (Formgrader, Create Assignment) and no Assignment List, and no error dialog
on a fresh start; ``--instructor`` brings the instructor tools back.

The server gets the very environment ``course.py lab`` gives it (``course.lab_env``).
"""
import importlib.util
from pathlib import Path

import pytest

from lab import JupyterLab, Notebook, write_notebook

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
INSTRUCTOR_COMMANDS = ("nbgrader:open-formgrader", "nbgrader:open-create-assignment",
                       "nbgrader:open-assignment-list", "nbgrader:open-course-list")


def course_module():
    spec = importlib.util.spec_from_file_location("course", ROOT / "course.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def fresh_lab(tmp_path, instructor):
    """A fresh JupyterLab (not started yet) in the mode asked for, serving one notebook."""
    root = tmp_path / "course"
    root.mkdir()
    write_notebook(root / "exercise.ipynb", ["x = 1"])
    env = course_module().lab_env(instructor, env={})  # only what course.py adds
    assert ("JUPYTER_CONFIG_PATH" in env) is not instructor
    return JupyterLab(root, env=env)


def menu_labels(page):
    return [e.text_content().strip() for e in page.query_selector_all(".lm-MenuBar-itemLabel")]


@pytest.mark.parametrize("instructor", [False, True], ids=["student", "instructor"])
def test_fresh_lab_shows_only_what_the_mode_needs(browser, tmp_path, instructor):
    with fresh_lab(tmp_path, instructor) as lab:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        try:
            notebook = Notebook(page, lab, "exercise.ipynb")
            assert notebook.run_all() is True
            page.wait_for_selector(".jp-NotebookPanel .validate-button", timeout=20_000)
            page.wait_for_timeout(2000)  # time for a late plugin to complain
            dialogs = [d.text_content() for d in page.query_selector_all(".jp-Dialog")]
            assert dialogs == [], f"error dialog on a fresh start: {dialogs}"
            commands = page.evaluate("names => names.filter(n => window.jupyterapp.commands.hasCommand(n))",
                                     list(INSTRUCTOR_COMMANDS))
            labels = menu_labels(page)
            if instructor:
                assert "Nbgrader" in labels and commands == list(INSTRUCTOR_COMMANDS)
                page.click(".lm-MenuBar-itemLabel:text-is('Nbgrader')")
                items = [e.text_content() for e in page.query_selector_all(".lm-Menu-itemLabel")]
                assert "Formgrader" in items and "Assignment List" in items, items
            else:
                assert "Nbgrader" not in labels, labels
                assert commands == [], f"instructor commands in the student's lab: {commands}"
                assert page.query_selector("#nbgrader-create_assignment") is None
            assert notebook.errors() == []
        finally:
            page.close()
