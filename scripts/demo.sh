#!/usr/bin/env bash
# Installs everything on a fresh machine and opens the quickstart notebook in JupyterLab
# (built-in demo data, generated offline on first use: no download).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_setup.sh demo
as_root=()
[ "$(id -u)" = 0 ] && as_root=(--allow-root)  # Jupyter refuses to run as root without it (containers, CI boxes)
exec .venv/bin/jupyter lab notebooks/01_quickstart.ipynb "${as_root[@]}" "$@"
