"""The frame that shows a new page: what one fresh page of 4 grade tiles costs the browser in JupyterLab.

A RelevanceGrid of the ``10x4`` text task of ``bench_peers.py`` is shown in JupyterLab 4 (headless
Chromium, 1400x1000, the grid scrolled into view). Then, 40 times per round and variant, in a frame's
``requestAnimationFrame`` callback, the board's tiles are replaced by fresh copies of themselves, and
the time from there to the first task after that frame is taken: the style, layout, paint and commit of
a new page, without any of the grid's own JavaScript (the ``page built in the n handler`` part of ``n``
-> next query painted is in ``bench_peers.py``). The frame after it is timed too (a second pass, if
something was deferred). Each variant adds a style sheet over the shipped one; the variants alternate
in every round, so that they share the load. Printed: median and p90 per round, ms. Nothing asserted.

Variants: ``as shipped``; ``skip tiles (cv auto)``, every tile ``content-visibility: auto`` as before
boards of a few tiles stopped skipping; ``no level buttons`` and ``empty tiles``, what the level
buttons and the tiles' content cost (the rest is the frame of a JupyterLab page with a change in it).

Usage::

    nice .venv/bin/python benchmarks/bench_frame.py [--rounds 4] [--frames 40]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_peers
from _browser import load_average, open_notebook, run_all_cells, session, write_notebook

VARIANTS = {
    "as shipped": "",
    "skip tiles (cv auto)": ".xmw-tile { content-visibility: auto !important; }",
    "no level buttons": ".xmw-tile .xmw-slider { display: none !important; }",
    "empty tiles": ".xmw-tile > * { display: none !important; }",
}

FRAMES_JS = """async ([css, count]) => {
  const board = [...document.querySelectorAll('.xmw-tiles')].pop();
  board.scrollIntoView({ block: 'start' });
  const tiles = [...board.children].map((tile) => tile.cloneNode(true));
  const style = document.createElement('style');
  style.textContent = css;
  document.head.append(style);
  const afterFrame = () => new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => { channel.port1.close(); resolve(performance.now()); };
    channel.port2.postMessage(null);
  });
  const inFrame = (change) => new Promise((resolve) => requestAnimationFrame(() => {
    const started = performance.now();
    change();
    afterFrame().then((ended) => resolve(ended - started));
  }));
  await inFrame(() => {});
  const first = [], next = [];
  for (let i = 0; i < count; i += 1) {
    const fresh = tiles.map((tile) => tile.cloneNode(true));
    first.push(await inFrame(() => board.replaceChildren(...fresh)));
    next.push(await inFrame(() => {}));
  }
  style.remove();
  const at = (values, q) => [...values].sort((a, b) => a - b)[Math.floor(values.length * q)];
  return [at(first, 0.5), at(first, 0.9), at(next, 0.5), at(next, 0.9)];
}"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--frames", type=int, default=40, help="frames per round and variant")
    args = parser.parse_args()
    print(f"load before: {load_average()}")
    with session() as bench:
        page = bench.page
        write_notebook(
            bench.server.root_dir, "frame.ipynb", [bench_peers.setup_source(None), "# widget"]
        )
        open_notebook(page, bench.server, "frame.ipynb", "lab")
        run_all_cells(page, timeout_ms=300_000)
        bench_peers.show(page, "xmwidgets", "10x4", 0)
        medians: dict[str, list[float]] = {name: [] for name in VARIANTS}
        print(
            f"{'round':5s} {'variant':24s} {'new page p50':>12s} {'p90':>6s} {'next p50':>9s} {'p90':>6s}"
        )
        for round_ in range(args.rounds):
            for name, css in VARIANTS.items():
                p50, p90, next50, next90 = page.evaluate(FRAMES_JS, [css, args.frames])
                medians[name].append(p50)
                print(f"{round_:5d} {name:24s} {p50:12.2f} {p90:6.2f} {next50:9.2f} {next90:6.2f}")
        base = sorted(medians["as shipped"])[len(medians["as shipped"]) // 2]
        print("\nmedian of the rounds' medians, ms (ratio to as shipped)")
        for name, values in medians.items():
            median = sorted(values)[len(values) // 2]
            print(f"  {name:24s} {median:6.2f}  ({median / base:.2f}x)")
    print(f"load after: {load_average()}")


if __name__ == "__main__":
    main()
