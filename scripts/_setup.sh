# Sourced by scripts/test.sh and scripts/demo.sh: a project-local virtualenv with xmwidgets installed
# (editable, so the front end is built into xmwidgets/static by hatch-jupyter-builder).
# Usage: source scripts/_setup.sh <extra>   (extra: test | demo)
set -euo pipefail
extra=${1:-test}
python=${PYTHON:-python3}
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "xmwidgets needs Python >= 3.11; set PYTHON=/path/to/python3.11" >&2
  exit 1
fi
command -v npm >/dev/null || { echo "xmwidgets builds its front end with Node.js >= 18 and npm: install them first" >&2; exit 1; }
[ -x .venv/bin/python ] || "$python" -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
(cd js && npm ci --no-audit --no-fund --loglevel=error)
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".[$extra]"
