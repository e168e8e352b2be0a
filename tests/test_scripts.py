"""scripts/demo.sh and scripts/_setup.sh on a scratch copy of the checkout, with pip, npm and jupyter
replaced by stubs that log their calls: what a fresh machine installs, what a second launch skips,
and what the demo asks JupyterLab to open. Nothing is installed for real.
"""

from __future__ import annotations

import os
import pathlib
import shutil
import subprocess
import sys
import time

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")

PYTHON_STUB = """#!/usr/bin/env bash
echo "python $*" >>"$XMW_LOG"
if [ "$1" = -m ] && [ "$2" = pip ]; then
  case "$*" in *" -e "*) touch "$XMW_ROOT/xmwidgets/static/widgets.js" ;; esac  # the build hook
  exit 0
fi
case "$*" in *find_spec*)
  # where the editable install points: this checkout, or another one once "re-pointed"
  if [ -f .repointed ]; then echo /elsewhere/xmwidgets/__init__.py
  else echo "$(pwd -P)/xmwidgets/__init__.py"; fi
  exit 0 ;;
esac
exec "$XMW_REAL_PYTHON" "$@"
"""
NPM_STUB = """#!/usr/bin/env bash
echo "npm $*" >>"$XMW_LOG"
case "$1" in
  ci) rm -rf node_modules && mkdir node_modules ;;
  run) touch ../xmwidgets/static/widgets.js ;;
esac
"""
JUPYTER_STUB = """#!/usr/bin/env bash
echo "jupyter $*" >>"$XMW_LOG"
"""


def _stub(path: pathlib.Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(0o755)


@pytest.fixture
def checkout(tmp_path: pathlib.Path) -> pathlib.Path:
    root = tmp_path / "checkout"
    for name in ("scripts/_setup.sh", "scripts/demo.sh", "pyproject.toml", "js/package-lock.json"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, root / name)
    (root / "js" / "src").mkdir()
    (root / "js" / "src" / "grid.ts").write_text("// source\n")
    (root / "js" / "build.mjs").write_text("// build\n")
    (root / "xmwidgets" / "static").mkdir(parents=True)
    (root / "xmwidgets" / "__init__.py").write_text("")
    (root / "notebooks").mkdir()
    _stub(root / ".venv" / "bin" / "python", PYTHON_STUB)
    _stub(root / ".venv" / "bin" / "jupyter", JUPYTER_STUB)
    _stub(tmp_path / "bin" / "npm", NPM_STUB)
    return root


def _run(checkout: pathlib.Path, command: str, **env: str) -> list[str]:
    log = checkout.parent / "calls.log"
    log.write_text("")
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith("XMWIDGETS_") and k != "PYTHONPATH"
    }
    environment.update(
        PATH=f"{checkout.parent / 'bin'}{os.pathsep}{os.environ['PATH']}",
        PYTHON=sys.executable,
        XMW_LOG=str(log),
        XMW_ROOT=str(checkout),
        XMW_REAL_PYTHON=sys.executable,
        **env,
    )
    done = subprocess.run(
        ["bash", "-c", command], cwd=checkout, env=environment, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return log.read_text().splitlines()


def _installs(calls: list[str]) -> list[str]:
    return [c for c in calls if "pip install" in c or c.startswith("npm")]


def test_the_demo_opens_the_quickstart_not_the_launcher(checkout: pathlib.Path) -> None:
    calls = _run(checkout, "bash scripts/demo.sh --no-browser --port 8899")
    (lab,) = [c for c in calls if c.startswith("jupyter")]
    args = lab.split()
    assert args[:2] == ["jupyter", "lab"]
    assert "--ServerApp.root_dir=notebooks" in args
    assert "--LabApp.default_url=/lab/tree/01_quickstart.ipynb" in args
    assert args[-3:] == ["--no-browser", "--port", "8899"]  # the user's arguments come last


def test_a_fresh_checkout_installs_everything_and_a_second_launch_nothing(
    checkout: pathlib.Path,
) -> None:
    first = _installs(_run(checkout, "bash scripts/demo.sh"))
    assert first == [
        "npm ci --no-audit --no-fund --loglevel=error",
        "python -m pip install --quiet --disable-pip-version-check --upgrade pip",
        "python -m pip install --quiet --disable-pip-version-check -e .[demo]",
    ]
    start = time.perf_counter()
    second = _run(checkout, "bash scripts/demo.sh")
    elapsed = time.perf_counter() - start
    assert _installs(second) == [] and second[-1].startswith("jupyter lab")
    print(f"second launch, setup until jupyter is started: {elapsed * 1000:.0f} ms")


def test_what_changed_decides_what_runs_again(checkout: pathlib.Path) -> None:
    _run(checkout, "bash scripts/demo.sh")
    now = time.time()
    os.utime(checkout / "xmwidgets" / "static" / "widgets.js", (now - 20, now - 20))
    os.utime(checkout / "js" / "src" / "grid.ts", (now - 10, now - 10))  # edited after the build
    assert _installs(_run(checkout, "bash scripts/demo.sh")) == ["npm run --silent build"]
    assert _installs(_run(checkout, "bash scripts/demo.sh")) == []

    with (checkout / "pyproject.toml").open("a") as f:
        f.write("\n# a new dependency\n")
    assert _installs(_run(checkout, "bash scripts/demo.sh")) == [
        "python -m pip install --quiet --disable-pip-version-check --upgrade pip",
        "python -m pip install --quiet --disable-pip-version-check -e .[demo]",
    ]
    with (checkout / "js" / "package-lock.json").open("a") as f:
        f.write("\n")
    assert _installs(_run(checkout, "bash scripts/demo.sh")) == [
        "npm ci --no-audit --no-fund --loglevel=error",
        "npm run --silent build",
    ]
    # the editable install now points at another checkout: this one is installed again
    (checkout / ".repointed").write_text("")
    assert "-e .[demo]" in " ".join(_installs(_run(checkout, "bash scripts/demo.sh")))


def test_tests_install_their_extra_and_the_demo_reuses_it(checkout: pathlib.Path) -> None:
    _run(checkout, "bash scripts/demo.sh")
    # scripts/test.sh sources the same file with the `test` extra (a superset of `demo`)
    assert "-e .[test]" in " ".join(_installs(_run(checkout, "source scripts/_setup.sh test")))
    assert _installs(_run(checkout, "source scripts/_setup.sh test")) == []
    (checkout / ".venv" / ".xmwidgets-demo.sha256").unlink()
    assert _installs(_run(checkout, "bash scripts/demo.sh")) == []


def test_reinstall_and_skip_switches(checkout: pathlib.Path) -> None:
    _run(checkout, "bash scripts/demo.sh")
    forced = _installs(_run(checkout, "bash scripts/demo.sh", XMWIDGETS_REINSTALL="1"))
    assert len(forced) == 3 and forced[0].startswith("npm ci")
    for stamp in (checkout / ".venv").glob(".xmwidgets-*.sha256"):
        stamp.unlink()
    skipped = _run(checkout, "bash scripts/demo.sh", XMWIDGETS_SKIP_SETUP="1")
    assert _installs(skipped) == [] and skipped[-1].startswith("jupyter lab")


@pytest.mark.timeout(120)
def test_the_real_demo_serves_the_quickstart(tmp_path: pathlib.Path) -> None:
    """JupyterLab started by demo.sh (setup skipped: the .venv is used as it is)."""
    import re
    import socket
    import urllib.request

    if not (ROOT / ".venv" / "bin" / "jupyter").exists():
        pytest.skip("no .venv with jupyter: run scripts/test.sh first")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = tmp_path / "lab.log"
    env = {**os.environ, "XMWIDGETS_SKIP_SETUP": "1", "JUPYTER_PLATFORM_DIRS": "1"}
    for name in ("CONFIG", "DATA", "RUNTIME"):  # nothing written into the home directory
        env[f"JUPYTER_{name}_DIR"] = str(tmp_path / name.lower())
    env["IPYTHONDIR"] = str(tmp_path / "ipython")
    env["JUPYTERLAB_SETTINGS_DIR"] = str(tmp_path / "settings")
    env["JUPYTERLAB_WORKSPACES_DIR"] = str(tmp_path / "workspaces")
    start = time.perf_counter()
    with log.open("w") as out:
        lab = subprocess.Popen(
            ["bash", str(ROOT / "scripts" / "demo.sh"), "--no-browser", f"--port={port}"],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
    try:
        url = None
        while url is None and time.perf_counter() - start < 90 and lab.poll() is None:
            time.sleep(0.1)
            found = re.search(r"http://127\.0\.0\.1:\d+(/\S*\?token=\w+)", log.read_text())
            url = found and found.group(1)
        elapsed = time.perf_counter() - start
        assert url, log.read_text()
        # the printed URL is the quickstart's, not the Lab root (the Launcher)
        assert url.startswith("/lab/tree/01_quickstart.ipynb?token="), url
        html, deadline = "", time.perf_counter() + 60
        while not html:  # retried: on a loaded machine the first page can take long to answer
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}{url}", timeout=60) as page:
                    html = page.read().decode()
            except OSError:
                if time.perf_counter() > deadline:
                    raise
                time.sleep(1)
        assert re.search(r'"treePath":\s*"01_quickstart.ipynb"', html), html[:2000]
        print(f"demo.sh (setup skipped) to the quickstart URL: {elapsed:.1f} s")
    finally:
        os.killpg(lab.pid, 15)
        lab.wait(timeout=30)
