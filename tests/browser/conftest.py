"""Fixtures of the browser tests: a JupyterLab server and a headless Chromium page.

Both are stopped by their finalizers whatever happens.  Without /usr/bin/chromium the
tests are skipped, unless the CI variable is set: then they fail.
"""
import pytest

from lab import JupyterLab, launch_chromium, require_browser


@pytest.fixture(scope="module")
def lab_root(tmp_path_factory):
    return tmp_path_factory.mktemp("lab-root")


@pytest.fixture(scope="module")
def lab(lab_root):
    require_browser()
    server = JupyterLab(lab_root)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser():
    require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    yield page
    context.close()
