#!/usr/bin/env bash
# Installs everything on a fresh machine and opens the quickstart notebook in JupyterLab
# (built-in demo data, generated offline on first use: no download). Later launches skip the
# install while pyproject.toml and js/package-lock.json are unchanged (see scripts/_setup.sh).
# Extra arguments go to `jupyter lab`, e.g. --no-browser --port 8899.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_setup.sh demo
as_root=()
[ "$(id -u)" = 0 ] && as_root=(--allow-root)  # Jupyter refuses to run as root without it (containers, CI boxes)
# Lab opens the notebook named by default_url (relative to root_dir), and the URL it prints is that
# notebook's; a file given as argument only opens the Launcher
exec .venv/bin/jupyter lab \
  --ServerApp.root_dir=notebooks \
  --LabApp.default_url=/lab/tree/01_quickstart.ipynb \
  "${as_root[@]}" "$@"
