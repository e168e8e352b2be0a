#!/usr/bin/env bash
# Installs everything on a fresh machine and runs every test: Python unit tests, the notebooks,
# the front-end tests (vitest + happy-dom, tsc) and the real-browser tests (JupyterLab 4 and
# Notebook 7 in headless Chromium). With arguments, runs only `pytest ARGS`.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_setup.sh test
if ! command -v chromium >/dev/null; then
  # Debian's Chromium drives the browser tests (Playwright's own browser download is not used)
  if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null
  else sudo apt-get update -qq && sudo apt-get install -y -qq chromium >/dev/null; fi
fi
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v initdb >/dev/null; then
  # Debian's PostgreSQL for the store tests: they run initdb and postgres in a temp dir themselves
  if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq postgresql >/dev/null
  else sudo apt-get update -qq && sudo apt-get install -y -qq postgresql >/dev/null; fi
fi
echo "== lint and types: ruff, mypy (python); tsc, biome (front end)"
.venv/bin/ruff check . && .venv/bin/ruff format --check . >/dev/null && .venv/bin/mypy xmwidgets
(cd js && npm run --silent typecheck && npm run --silent lint)
echo "== front end: unit tests (vitest + happy-dom)"
(cd js && npm test --silent)
if [ $# -gt 0 ]; then
  echo "== python: pytest $*"
  exec .venv/bin/python -m pytest "$@"
fi
# The browser tests mostly wait (on the kernel, the server, Chromium's frames) and the unit tests
# mostly compute, so the two halves run side by side: ~4 minutes less on a 2-core machine. The
# unit half runs niced, so that the browser half keeps its pace; its output waits in a file and
# is printed after the unit half's.
echo "== python: browser tests (JupyterLab 4, Notebook 7) beside the unit and notebook tests"
browser_log=$(mktemp)
trap 'rm -f "$browser_log"' EXIT
.venv/bin/python -m pytest tests/browser >"$browser_log" 2>&1 &
browser_pid=$!
unit_rc=0
nice -n 10 .venv/bin/python -m pytest tests --ignore=tests/browser || unit_rc=$?
browser_rc=0
wait "$browser_pid" || browser_rc=$?
echo "== python: browser tests"
cat "$browser_log"
echo "== unit and notebook tests: pytest exit code $unit_rc; browser tests: pytest exit code $browser_rc"
[ "$unit_rc" = 0 ] && [ "$browser_rc" = 0 ]
