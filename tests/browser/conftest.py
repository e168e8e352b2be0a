"""Fixtures of the real-browser tests: a ``jupyter lab`` server and headless Chromium.

- ``jupyter_server`` (session): JupyterLab 4 + Notebook 7 on 127.0.0.1, isolated directories.
- ``browser`` (session): Debian's Chromium driven by Playwright (never ``playwright install``).
- ``page`` (function): a fresh browser context at 1400×1000; every kernel session is deleted
  before and after the test; uncaught page errors fail the test.
- ``page_errors`` (function): the page errors and console errors seen by ``page``.
- ``artifacts_dir``: ``tests/artifacts/`` (git-ignored) for screenshots.

Missing Chromium, Playwright or JupyterLab fails the tests when ``CI`` is set and skips them
otherwise, so a CI machine can never pass by running nothing.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import pytest

from ._jupyter import REPO_ROOT, JupyterServer, start_server

# Quiet on a closed network (BROWSER_TESTING.md): no sandbox (CI runs as root), no GPU, no
# background fetches that would hang or log errors.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
VIEWPORT = {"width": 1400, "height": 1000}

# Known, harmless page errors of Notebook 7 at start-up: the settings "schema" one (pitfall 8), and
# a plugin asking for the file browser, which the notebook page does not load.
ALLOWED_PAGE_ERRORS = [
    re.compile(r"reading 'schema'"),
    re.compile(r"Command 'filebrowser:open-path' not registered"),
]

_CALL_REPORT = pytest.StashKey[pytest.TestReport]()


def _missing(what: str) -> NoReturn:
    """Fail on CI (a CI run must never pass by running nothing), skip on a developer machine."""
    if os.environ.get("CI"):
        pytest.fail(f"browser tests cannot run: {what}", pytrace=False)
    pytest.skip(f"browser tests skipped (set CI=1 to make this an error): {what}")


def chromium_executable() -> str | None:
    """Path of Debian's Chromium (or a chromium-browser), or None."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


@dataclass
class PageErrors:
    """Errors a page reported: uncaught exceptions and ``console.error`` messages."""

    page: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)

    def unexpected_page_errors(self) -> list[str]:
        return [e for e in self.page if not any(p.search(e) for p in ALLOWED_PAGE_ERRORS)]


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    path = REPO_ROOT / "tests" / "artifacts"
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def jupyter_server(
    tmp_path_factory: pytest.TempPathFactory, artifacts_dir: Path
) -> Iterator[JupyterServer]:
    try:
        import jupyterlab  # noqa: F401
        import notebook  # noqa: F401
    except ImportError as exc:
        _missing(f"{exc}; install the test extra: pip install -e '.[test]'")
    server = start_server(tmp_path_factory.mktemp("jupyter"))
    try:
        yield server
    finally:
        server.stop()
        # pytest prunes old temp dirs; keep the last log where people look for artifacts
        shutil.copy(server.log_path, artifacts_dir / "jupyter-server.log")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        _missing(f"{exc}; install the test extra: pip install -e '.[test]'")
    executable = chromium_executable()
    if executable is None:
        _missing(
            "no `chromium` on PATH; install Debian's package: "
            "apt-get update && apt-get install -y chromium (never `playwright install`)"
        )
    with sync_playwright() as playwright:
        # XMWIDGETS_HEADED=1 (under a display, e.g. `xvfb-run -a`): a desktop Chromium window,
        # to check that what headless Chromium does with media and focus is what a person sees
        chromium = playwright.chromium.launch(
            executable_path=executable,
            args=CHROMIUM_ARGS,
            headless=os.environ.get("XMWIDGETS_HEADED") != "1",
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page_errors() -> PageErrors:
    return PageErrors()


@pytest.fixture
def page(
    browser: Any,
    jupyter_server: JupyterServer,
    page_errors: PageErrors,
    artifacts_dir: Path,
    request: pytest.FixtureRequest,
) -> Iterator[Any]:
    # kernels outlive pages: a reused kernel would keep the old module and front-end code
    jupyter_server.delete_all_sessions()
    jupyter_server.reset_lab_state()
    context = browser.new_context(viewport=VIEWPORT)
    new_page = context.new_page()
    new_page.set_default_timeout(30_000)
    new_page.on("pageerror", lambda exc: page_errors.page.append(str(exc)))
    new_page.on(
        "console",
        lambda msg: page_errors.console.append(msg.text) if msg.type == "error" else None,
    )
    try:
        yield new_page
    finally:
        report = request.node.stash.get(_CALL_REPORT, None)
        if report is not None and report.failed:
            name = re.sub(r"[^\w.-]+", "_", request.node.nodeid)[-120:]
            try:
                new_page.screenshot(path=str(artifacts_dir / "failures" / f"{name}.png"))
            except Exception as exc:  # the page may be gone; the report matters more
                print(f"could not take a failure screenshot: {exc}")
        context.close()
        jupyter_server.delete_all_sessions()
    unexpected = page_errors.unexpected_page_errors()
    if unexpected and not (report is not None and report.failed):
        pytest.fail("uncaught errors in the page:\n" + "\n".join(unexpected), pytrace=False)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.when == "call":
        item.stash[_CALL_REPORT] = report
    if report.failed:
        funcargs = getattr(item, "funcargs", {})
        errors = funcargs.get("page_errors")
        if errors is not None and (errors.page or errors.console):
            text = "page errors:\n" + "\n".join(errors.page)
            text += "\nconsole errors:\n" + "\n".join(errors.console)
            report.sections.append(("browser errors", text))
        server = funcargs.get("jupyter_server")
        if server is not None:
            report.sections.append(("jupyter server log (tail)", server.log_tail()))
    return report


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Give each browser test one re-run (pytest-rerunfailures), never the unit tests.

    A real JupyterLab + Chromium on a 2-core machine can lose a race that no assertion is about
    (a kernel restart dialog late by a second under load). One re-run keeps CI meaningful; a test
    that fails twice fails, and the first failure is still reported ("R" in the summary).
    """
    if not config.pluginmanager.hasplugin("rerunfailures"):
        return
    for item in items:
        if item.get_closest_marker("browser") and not item.get_closest_marker("flaky"):
            item.add_marker(pytest.mark.flaky(reruns=1, reruns_delay=2))


# ---- why a test was re-run: pytest-rerunfailures' summary names it, not the failure it retried
_RERUNS: list[tuple[str, str]] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.outcome == "rerun":
        crash = getattr(report.longrepr, "reprcrash", None)
        why = crash.message if crash is not None else str(report.longrepr)
        _RERUNS.append((report.nodeid, why.strip()[-2000:]))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _RERUNS:
        terminalreporter.section("browser tests re-run, and the failure each first had")
        for nodeid, why in _RERUNS:
            terminalreporter.write_line(f"{nodeid}: {why}")
