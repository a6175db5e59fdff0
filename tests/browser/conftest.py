"""JupyterLab, started by `make lab` as students start it, and Debian's Chromium driven by
Playwright (no browser download). Run with `make test-browser`, which installs both.

Without Chromium or Playwright the tests skip with the reason, except in CI (CI=true), where
a browser test that does not run is a failure.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from labpage import REPORTS, ROOT, SCREENSHOTS

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# JupyterLab settings for the test run: no autosave (the committed notebooks stay as they are),
# every cell kept in the DOM (no windowing), no news or update pop-ups.
LAB_SETTINGS = {
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
}


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI must run the browser tests, but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        _unavailable("Chromium is not installed (as root: apt-get install chromium)")
    return path


@pytest.fixture(scope="session")
def browser(chromium_path):
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright is not installed (pip install -e '.[browser]')")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_server(url: str, server: subprocess.Popen, log: Path, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"`make lab` exited with {server.returncode}:\n{log.read_text()[-3000:]}")
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"JupyterLab did not answer in {timeout_s} s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="session")
def lab(tmp_path_factory):
    """`make lab` on a free localhost port with a token; yields (base url, token)."""
    if not (ROOT / ".venv" / "bin" / "jupyter").exists():
        _unavailable("the course venv .venv is missing (make test-browser creates it)")
    home = tmp_path_factory.mktemp("lab")
    for name, values in LAB_SETTINGS.items():
        path = home / "settings" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    port, token = _free_port(), os.urandom(16).hex()
    args = [
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        "--LabApp.expose_app_in_browser=True",
        f"--LabApp.user_settings_dir={home / 'settings'}",
        f"--LabApp.workspaces_dir={home / 'workspaces'}",
        f"--FileCheckpoints.checkpoint_dir={home / 'checkpoints'}",  # none next to the notebooks
    ]
    log = home / "lab.log"
    with open(log, "w") as out:
        server = subprocess.Popen(
            ["make", "--no-print-directory", "lab", f"LAB_ARGS={' '.join(args)}"],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # make and JupyterLab in one group, stopped together
        )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for_server(f"{base}/api/status?token={token}", server, log, timeout_s=180)
        yield base, token
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    opened = context.new_page()
    yield opened
    context.close()


def pytest_terminal_summary(terminalreporter):
    if REPORTS:
        title = "chapters in the browser (seconds from Run All to idle; again: after a restart)"
        terminalreporter.section(title)
        lines = [report.line() for report in REPORTS.values()]
        for line in lines:
            terminalreporter.write_line(line)
        # kept with the screenshots, so that a CI run's timings can be compared with the next
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        (SCREENSHOTS / "times.txt").write_text(f"{title}\n" + "\n".join(lines) + "\n")
        terminalreporter.write_line(f"screenshots and times.txt: {SCREENSHOTS}")
