"""Shared pieces of the browser benchmarks: one server and one Chromium, fast waits, kernel checks.

The server, the notebook helpers and the Chromium settings come from the browser tests
(``tests/browser/_jupyter.py``, ``_pages.py``, ``conftest.py``); this module adds what a
benchmark needs on top of them:

- :func:`session`: a ``jupyter lab`` server and a headless Chromium page, torn down together;
- :func:`wait_js`: wait for a condition in the page with a ``MutationObserver`` (no polling
  interval, so the wait adds no quantisation to what is timed);
- :func:`kernel_print`: run code in the notebook's kernel straight through its session (an
  ``execute_request`` on the same websocket as the widgets' messages, so it is handled after them)
  and return what it printed, without adding a cell to the notebook;
- :class:`Input`: trusted key presses and clicks sent straight over the DevTools protocol;
- :func:`set_cell_source`, :func:`output_area_js`: re-use one notebook cell per run;
- :func:`percentiles`.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT / "tests"))

from browser._jupyter import JupyterServer, start_server  # noqa: E402
from browser._pages import open_notebook, run_all_cells, run_cell, write_notebook  # noqa: E402
from browser.conftest import CHROMIUM_ARGS, VIEWPORT, chromium_executable  # noqa: E402

__all__ = [
    "BenchSession",
    "Input",
    "browser_cpu",
    "kernel_print",
    "load_average",
    "open_notebook",
    "output_area_js",
    "percentiles",
    "process_cpu",
    "run_all_cells",
    "run_cell",
    "session",
    "set_cell_source",
    "wait_js",
    "write_notebook",
]

# JS: the notebook panel on screen (Lab and Notebook 7 both expose the app, see _pages.py)
_PANEL = "const panel = window.jupyterapp.shell.currentWidget;"


@dataclass
class BenchSession:
    """A running server and the one page a benchmark drives."""

    server: JupyterServer
    page: Any  # playwright.sync_api.Page


@contextmanager
def session() -> Iterator[BenchSession]:
    """Start an isolated ``jupyter lab`` and a headless Chromium page; stop both at the end."""
    from playwright.sync_api import sync_playwright

    executable = chromium_executable()
    if executable is None:
        raise SystemExit("no `chromium` on PATH: apt-get update && apt-get install -y chromium")
    base = Path(tempfile.mkdtemp(prefix="xmw-bench-"))
    server = start_server(base)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=executable, args=CHROMIUM_ARGS, headless=True
            )
            try:
                page = browser.new_page(viewport=VIEWPORT)
                page.set_default_timeout(60_000)
                yield BenchSession(server=server, page=page)
            finally:
                browser.close()
    finally:
        server.stop()
        shutil.rmtree(base, ignore_errors=True)


_WAIT_JS = """async ([predicateSource, arg, timeoutMs]) => {
  const predicate = new Function("return " + predicateSource)();
  const first = predicate(arg);
  if (first) return first;
  return await new Promise((resolve, reject) => {
    let done = false;
    const finish = (value, error) => {
      if (done) return;
      done = true;
      observer.disconnect();
      clearTimeout(timer);
      if (error) reject(error); else resolve(value);
    };
    const observer = new MutationObserver(() => {
      let value;
      try { value = predicate(arg); } catch (error) { finish(null, error); return; }
      if (value) finish(value, null);
    });
    observer.observe(document.body,
                     {subtree: true, childList: true, attributes: true, characterData: true});
    const timer = setTimeout(() => finish(null, new Error(
      "timed out after " + timeoutMs + " ms waiting for: " + predicateSource.slice(0, 300))),
      timeoutMs);
  });
}"""


def wait_js(page: Any, predicate_js: str, arg: Any = None, timeout_ms: float = 30_000) -> Any:
    """Wait until ``predicate_js`` (a JS ``(arg) => value``) returns a truthy value; return it.

    The predicate runs at once and then on every DOM mutation, so the wait ends in the task that
    changed the DOM (a ``wait_for_function`` polls every frame or every N ms instead).
    """
    return page.evaluate(_WAIT_JS, [predicate_js, arg, timeout_ms])


_KERNEL_PRINT_JS = (
    "async ([code, timeoutMs]) => {"
    + _PANEL
    + """
  const kernel = panel.sessionContext.session.kernel;
  const future = kernel.requestExecute({code, silent: false, store_history: false});
  const parts = [];
  future.onIOPub = (msg) => {
    const type = msg.header.msg_type;
    if (type === "stream") parts.push(msg.content.text);
    else if (type === "error") parts.push(msg.content.ename + ": " + msg.content.evalue);
  };
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error("kernel did not answer in " + timeoutMs + " ms")),
                       timeoutMs);
  });
  try { await Promise.race([future.done, timeout]); } finally { clearTimeout(timer); }
  return parts.join("");
}"""
)


def kernel_print(page: Any, code: str, timeout_ms: float = 30_000) -> str:
    """Run ``code`` in the notebook's kernel and return what it printed (stdout and errors).

    Sent as an ``execute_request`` on the kernel's shell channel, the channel the widgets' comm
    messages take, so the kernel handles it after every widget message the page sent before it.
    Nothing is added to the notebook, so repeated checks do not make the page heavier.
    """
    return str(page.evaluate(_KERNEL_PRINT_JS, [code, timeout_ms]))


class Input:
    """Key presses and mouse clicks as trusted input events, straight over the DevTools protocol.

    ``page.keyboard.press`` costs ~15 ms per key on this machine (Playwright's driver waits on
    more than the input), ``Input.dispatchKeyEvent`` on a CDP session ~3 ms: at machine speed the
    driver, not the widget, would set the pace. Both reach the page as real (``isTrusted``) key
    events, dispatched to the focused element. Used for every tool alike.
    """

    def __init__(self, page: Any) -> None:
        self._cdp = page.context.new_cdp_session(page)

    def press(self, key: str) -> None:
        """Press and release ``key`` (a single printable character such as ``"3"`` or ``"n"``)."""
        self._cdp.send("Input.dispatchKeyEvent", {"type": "keyDown", "key": key, "text": key})
        self._cdp.send("Input.dispatchKeyEvent", {"type": "keyUp", "key": key})

    def click(self, x: float, y: float) -> None:
        """Left click at page coordinates ``(x, y)``."""
        for kind in ("mousePressed", "mouseReleased"):
            self._cdp.send(
                "Input.dispatchMouseEvent",
                {"type": kind, "x": x, "y": y, "button": "left", "clickCount": 1},
            )

    def metrics(self) -> dict[str, float]:
        """Chromium's performance counters of the page (``Performance.getMetrics``)."""
        self._cdp.send("Performance.enable")
        return {m["name"]: m["value"] for m in self._cdp.send("Performance.getMetrics")["metrics"]}

    def start_profile(self) -> None:
        """Start sampling the page's JavaScript (the V8 CPU profiler, every 200 µs)."""
        self._cdp.send("Profiler.enable")
        self._cdp.send("Profiler.setSamplingInterval", {"interval": 200})
        self._cdp.send("Profiler.start")

    def stop_profile(self) -> dict[str, float]:
        """Stop sampling; ms of the main thread by where it was (see :func:`profile_by_source`)."""
        profile = self._cdp.send("Profiler.stop")["profile"]
        self._cdp.send("Profiler.disable")
        return profile_by_source(profile)

    def close(self) -> None:
        self._cdp.detach()


def _source_of(url: str) -> str:
    """A short name for the script a sample was in."""
    if not url:
        return ""
    if url.startswith("blob:") or "anywidget" in url:
        return "anywidget ESM (xmwidgets widgets.js)"
    for marker in ("/labextensions/", "/lab/extensions/"):
        if marker in url:
            return "ext " + url.split(marker, 1)[1].split("/static/")[0]
    if "/static/" in url:
        return "jupyterlab/notebook core"
    return url.rsplit("/", 1)[-1][:40]


def profile_by_source(profile: dict[str, Any]) -> dict[str, float]:
    """Fold a V8 CPU profile into ms per source: the script a sample's function came from, or
    ``(idle)``, ``(program)`` (the engine outside JS: layout, paint, input and message handling),
    ``(garbage collector)``."""
    nodes = {node["id"]: node for node in profile["nodes"]}
    totals: dict[str, float] = {}
    for node_id, delta in zip(
        profile.get("samples", []), profile.get("timeDeltas", []), strict=False
    ):
        frame = nodes[node_id]["callFrame"]
        name = frame.get("functionName", "")
        where = name if name.startswith("(") else (_source_of(frame.get("url", "")) or "(native)")
        totals[where] = totals.get(where, 0.0) + delta / 1000
    return totals


def set_cell_source(page: Any, index: int, source: str) -> None:
    """Replace the source of cell ``index`` of the notebook on screen."""
    page.evaluate(
        "([i, source]) => {"
        + _PANEL
        + " panel.content.model.cells.get(i).sharedModel.setSource(source); }",
        [index, source],
    )


def output_area_js(index: int) -> str:
    """JS expression: the output area element of cell ``index`` of the notebook on screen."""
    return f"window.jupyterapp.shell.currentWidget.content.widgets[{index}].outputArea.node"


def percentiles(values: list[float]) -> tuple[float, float, int]:
    """(p50, p95, n) of ``values``; NaNs when empty. p95 is the nearest-rank value."""
    if not values:
        return float("nan"), float("nan"), 0
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95, len(ordered)


def process_cpu(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` (all its threads), from /proc; NaN if gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _parents() -> dict[int, int]:
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
    return parents


def browser_cpu(exclude: set[int]) -> dict[str, float]:
    """CPU seconds of Chromium's processes started by this one, by kind, from /proc.

    The page's renderer (where the widgets' JavaScript, layout and paint run), Chromium's other
    processes (browser, GPU, network: input and the websocket go through them) and Playwright's
    driver. Subtrees rooted at ``exclude`` (the Jupyter server and its kernels) are left out.
    """
    parents = _parents()
    children: dict[int, list[int]] = {}
    for pid, parent in parents.items():
        children.setdefault(parent, []).append(pid)
    totals = {"chromium renderer": 0.0, "chromium other": 0.0, "playwright driver": 0.0}
    stack = [p for p in children.get(os.getpid(), []) if p not in exclude]
    while stack:
        pid = stack.pop()
        stack += [p for p in children.get(pid, []) if p not in exclude]
        try:
            # Chromium rewrites the command line of the processes its zygote forks (one string,
            # spaces between the arguments), so look for the words anywhere in it
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if b"--type=renderer" in command:
            kind = "chromium renderer"
        elif b"chrom" in command.split(b"\0", 1)[0].split(b" ", 1)[0]:
            kind = "chromium other"
        else:
            kind = "playwright driver"
        cpu = process_cpu(pid)
        if cpu == cpu:  # not NaN: the process may have exited
            totals[kind] += cpu
    return totals


def load_average() -> str:
    """The machine's load as ``uptime`` prints it (the figures depend on it: 2 shared cores)."""
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        one, five, fifteen = os.getloadavg()
        return f"load average: {one:.2f}, {five:.2f}, {fifteen:.2f}"


# what a Chromium trace of the page records: tasks, and what the renderer does inside them
TRACE_CATEGORIES = [
    "toplevel",
    "devtools.timeline",
    "disabled-by-default-devtools.timeline",
    "blink.user_timing",
    "disabled-by-default-devtools.timeline.invalidationTracking",
]


def start_trace(page: Any) -> None:
    """Start a Chromium trace of ``page`` (one at a time per browser)."""
    page.context.browser.start_tracing(page=page, categories=TRACE_CATEGORIES)


def stop_trace(page: Any, path: Path | None = None) -> dict[str, float]:
    """Stop the trace (saved to ``path`` when given, for chrome://tracing or DevTools) and return
    the self time in ms of each event on the renderer's main thread, see :func:`trace_self_times`."""
    import json

    data = page.context.browser.stop_tracing()
    if path is not None:
        Path(path).write_bytes(data)
    return trace_self_times(json.loads(data))


def trace_self_times(trace: dict[str, Any] | list[Any]) -> dict[str, float]:
    """Self time (ms) by event name on the busiest ``CrRendererMain`` thread of a trace.

    Nested events (a ``Layout`` forced inside a ``FunctionCall`` inside a ``RunTask``) count only
    their own part, so the values add up to the thread's busy time; ``RunTask`` alone is the part
    of tasks that no finer event names (input routing, IPC, scheduling). Also ``frames``: how many
    ``Commit`` events (frames that changed something) the thread had, as a count, not ms.
    """
    events = trace["traceEvents"] if isinstance(trace, dict) else trace
    mains = {
        (e["pid"], e["tid"])
        for e in events
        if e.get("ph") == "M"
        and e.get("name") == "thread_name"
        and e.get("args", {}).get("name") == "CrRendererMain"
    }
    by_thread: dict[tuple[int, int], list[tuple[float, float, str]]] = {}
    for e in events:
        key = (e.get("pid"), e.get("tid"))
        if key in mains and e.get("ph") == "X" and "dur" in e:
            by_thread.setdefault(key, []).append((e["ts"], e["ts"] + e["dur"], e["name"]))
    if not by_thread:
        return {}
    spans = max(by_thread.values(), key=lambda s: sum(end - start for start, end, _ in s))
    spans.sort(key=lambda s: (s[0], -s[1]))
    totals: dict[str, float] = {}
    stack: list[list[Any]] = []  # [end, name, child time]

    def close(item: list[Any], start: float, end_: float) -> None:
        totals[item[1]] = totals.get(item[1], 0.0) + (end_ - start - item[2]) / 1000

    starts: list[float] = []
    for start, end, name in spans:
        while stack and stack[-1][0] <= start:
            done = stack.pop()
            begun = starts.pop()
            close(done, begun, done[0])
            if stack:
                stack[-1][2] += done[0] - begun
        end = min(end, stack[-1][0]) if stack else end
        stack.append([end, name, 0.0])
        starts.append(start)
    while stack:
        done = stack.pop()
        begun = starts.pop()
        close(done, begun, done[0])
        if stack:
            stack[-1][2] += done[0] - begun
    return {**totals, "frames": float(sum(name == "Commit" for _, _, name in spans))}
