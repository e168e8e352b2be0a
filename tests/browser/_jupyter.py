"""Start, query and stop a real ``jupyter lab`` server for browser tests and benchmarks.

One server serves both UIs: JupyterLab at ``/lab/tree/<name>`` and Notebook 7 at
``/notebooks/<name>``. Every Jupyter directory (config, data, runtime, IPython, Lab settings and
workspaces) lives under a temporary base directory, so a run never reads or writes the home
directory; the labextensions installed in the venv stay visible because Jupyter finds them through
``sys.prefix/share/jupyter``, which is on the search path whatever ``JUPYTER_DATA_DIR`` says.

Used by ``tests/browser/conftest.py`` and ``benchmarks/bench_browser.py``.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["REPO_ROOT", "TOKEN", "JupyterServer", "start_server"]

REPO_ROOT = Path(__file__).resolve().parents[2]
# A fixed token: the server only listens on loopback and lives as long as the test session.
TOKEN = "xmwidgets-browser-tests"

# Lab settings written before the server starts (BROWSER_TESTING.md pitfall 7 and autosave).
_SETTINGS: dict[str, dict[str, Any]] = {
    # autosave would rewrite the test notebooks under our feet
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    # the news toast sits over the bottom right corner of the page
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
    "@jupyterlab/apputils-extension/themes.jupyterlab-settings": {"theme": "JupyterLab Light"},
}


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class JupyterServer:
    """A running ``jupyter lab`` server started by :func:`start_server`.

    Attributes
    ----------
    url : str
        Base URL without a trailing slash, e.g. ``http://127.0.0.1:41234``.
    token : str
        The server's token; pages need ``?token=`` on their first URL.
    root_dir : pathlib.Path
        The server's root: notebooks and files the tests open live here.
    base_dir : pathlib.Path
        Holds the isolated Jupyter directories and the server log.
    """

    url: str
    token: str
    root_dir: Path
    base_dir: Path
    log_path: Path
    process: subprocess.Popen[bytes] = field(repr=False)
    _log_file: Any = field(repr=False, default=None)

    # -- REST API ---------------------------------------------------------------------------
    def api(self, method: str, path: str, body: Any = None, timeout: float = 10.0) -> Any:
        """Call the server's REST API and return the decoded JSON answer (``None`` if empty)."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            f"{self.url}{path}",
            data=data,
            method=method,
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:
            raw = response.read()
        return json.loads(raw) if raw else None

    def delete_all_sessions(self) -> int:
        """Delete every session (which shuts its kernel down) and any kernel left without one.

        Kernels outlive pages, and a reused kernel keeps the old module and the old front-end code,
        so every test starts from none. Returns the number of sessions deleted.
        """
        sessions = self.api("GET", "/api/sessions") or []
        for session in sessions:
            self.api("DELETE", f"/api/sessions/{session['id']}", timeout=30)
        for kernel in self.api("GET", "/api/kernels") or []:
            self.api("DELETE", f"/api/kernels/{kernel['id']}", timeout=30)
        return len(sessions)

    def reset_lab_state(self) -> None:
        """Forget open tabs (workspaces) and put the light theme back, between tests."""
        workspaces = self.base_dir / "lab-workspaces"
        if workspaces.exists():
            shutil.rmtree(workspaces)
        workspaces.mkdir(parents=True)
        _write_settings(self.base_dir / "lab-settings")

    # -- pages ------------------------------------------------------------------------------
    def notebook_url(self, name: str, ui: str) -> str:
        """URL of notebook ``name`` (relative to the root) in ``ui`` ("lab" or "notebook")."""
        if ui == "lab":
            return f"{self.url}/lab/tree/{name}?token={self.token}"
        if ui == "notebook":
            return f"{self.url}/notebooks/{name}?token={self.token}"
        raise ValueError(f"unknown ui {ui!r}: use 'lab' (JupyterLab 4) or 'notebook' (Notebook 7)")

    # -- life cycle -------------------------------------------------------------------------
    def log_tail(self, n_chars: int = 6000) -> str:
        """The last ``n_chars`` characters of the server log (stdout and stderr)."""
        if self._log_file is not None:
            self._log_file.flush()
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError as exc:
            return f"(server log {self.log_path} unreadable: {exc})"
        return text[-n_chars:]

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the server by its PID: SIGTERM, then SIGKILL if it has not exited in time."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=timeout)
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None


def _write_settings(settings_dir: Path) -> None:
    for relative, values in _SETTINGS.items():
        path = settings_dir / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values, indent=2))


def _isolated_env(base_dir: Path) -> dict[str, str]:
    dirs = {
        "JUPYTER_CONFIG_DIR": "config",
        "JUPYTER_DATA_DIR": "data",
        "JUPYTER_RUNTIME_DIR": "runtime",
        "IPYTHONDIR": "ipython",
        "JUPYTERLAB_SETTINGS_DIR": "lab-settings",
        "JUPYTERLAB_WORKSPACES_DIR": "lab-workspaces",
    }
    env = dict(os.environ)
    for var, name in dirs.items():
        path = base_dir / name
        path.mkdir(parents=True, exist_ok=True)
        env[var] = str(path)
    env["JUPYTER_PLATFORM_DIRS"] = "1"
    # the kernel imports xmwidgets from this checkout even when it is not pip-installed
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(REPO_ROOT), os.environ.get("PYTHONPATH", "")) if p
    )
    # the demo dataset is generated into the run's directory, not into ~/.cache
    env["XMWIDGETS_CACHE_DIR"] = str(base_dir / "xmwidgets-cache")
    # keep the user's site-packages (~/.local) out of the kernel
    env["PYTHONNOUSERSITE"] = "1"
    return env


def start_server(base_dir: Path, *, timeout: float = 90.0) -> JupyterServer:
    """Start ``jupyter lab`` on 127.0.0.1 and a free port, and wait until it answers.

    Parameters
    ----------
    base_dir : pathlib.Path
        An empty directory (a pytest ``tmp_path_factory`` directory, say). The server root is
        ``base_dir / "root"``; Jupyter's own directories and ``server.log`` sit next to it.
    timeout : float
        Seconds to wait for ``GET /api/status`` to answer.

    Returns
    -------
    JupyterServer
        Call :meth:`JupyterServer.stop` when done.

    Raises
    ------
    RuntimeError
        If the server exits or does not answer in time; the message holds the end of its log.
    """
    base_dir = Path(base_dir)
    root_dir = base_dir / "root"
    root_dir.mkdir(parents=True, exist_ok=True)
    env = _isolated_env(base_dir)
    _write_settings(Path(env["JUPYTERLAB_SETTINGS_DIR"]))
    port = _free_port()
    log_path = base_dir / "server.log"
    log_file = log_path.open("wb")
    command = [
        sys.executable,
        "-m",
        "jupyter",
        "lab",
        "--allow-root",
        "--no-browser",
        "--ip=127.0.0.1",
        f"--port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={TOKEN}",
        f"--ServerApp.root_dir={root_dir}",
        "--LabApp.extension_manager=readonly",
        "--LabApp.expose_app_in_browser=True",
        "--JupyterNotebookApp.expose_app_in_browser=True",
        "--LabApp.news_url=",
    ]
    process = subprocess.Popen(
        command, cwd=root_dir, env=env, stdout=log_file, stderr=subprocess.STDOUT
    )
    server = JupyterServer(
        url=f"http://127.0.0.1:{port}",
        token=TOKEN,
        root_dir=root_dir,
        base_dir=base_dir,
        log_path=log_path,
        process=process,
        _log_file=log_file,
    )
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            log = server.log_tail()
            server.stop()
            raise RuntimeError(
                f"jupyter lab exited with code {process.returncode} before answering on "
                f"{server.url}; is JupyterLab installed in {sys.prefix}? Server log:\n{log}"
            )
        try:
            server.api("GET", "/api/status", timeout=2)
            return server
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            pass
        if time.monotonic() > deadline:
            log = server.log_tail()
            server.stop()
            raise RuntimeError(
                f"jupyter lab did not answer GET {server.url}/api/status within {timeout:.0f} s. "
                f"Server log:\n{log}"
            )
        time.sleep(0.2)
