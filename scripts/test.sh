#!/usr/bin/env bash
# Installs everything on a fresh machine and runs every test: Python unit tests, the notebooks,
# the front-end tests (vitest + happy-dom, tsc) and the real-browser tests (JupyterLab 4 and
# Notebook 7 in headless Chromium). Extra arguments go to pytest.
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
echo "== python: unit, notebook and browser tests"
.venv/bin/python -m pytest "$@"
