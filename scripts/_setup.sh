# Sourced by scripts/test.sh and scripts/demo.sh: a project-local virtualenv with xmwidgets installed
# (editable, so the front end is built into xmwidgets/static by hatch-jupyter-builder).
# Usage: source scripts/_setup.sh <extra>   (extra: test | demo)
#
# A fresh machine gets everything installed. Later runs skip pip and `npm ci` while nothing they
# depend on changed: a stamp in .venv holds a hash of pyproject.toml and of this checkout's path
# (written only after a successful install), one in js/node_modules a hash of package-lock.json;
# the front end is rebuilt (esbuild, under a second) when a file in js/src is newer than the bundle.
# XMWIDGETS_REINSTALL=1 forces the full install; XMWIDGETS_SKIP_SETUP=1 skips every step (use the
# .venv as it is).
set -euo pipefail
extra=${1:-test}
if [ -n "${XMWIDGETS_SKIP_SETUP:-}" ]; then
  [ -x .venv/bin/python ] || { echo "XMWIDGETS_SKIP_SETUP is set but there is no .venv: unset it to install" >&2; exit 1; }
  return 0
fi
python=${PYTHON:-python3}
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "xmwidgets needs Python >= 3.11; set PYTHON=/path/to/python3.11" >&2
  exit 1
fi
command -v npm >/dev/null || { echo "xmwidgets builds its front end with Node.js >= 18 and npm: install them first" >&2; exit 1; }

_xmw_hash() {  # sha256 of the arguments, and of the contents of those that are files
  "$python" -c 'import hashlib, os, sys
h = hashlib.sha256()
for name in sys.argv[1:]:
    h.update(name.encode() + b"\0")
    if os.path.isfile(name):
        with open(name, "rb") as f:
            h.update(f.read())
print(h.hexdigest())' "$@"
}
_xmw_current() {  # stamp file $1 holds $2
  [ -z "${XMWIDGETS_REINSTALL:-}" ] && [ -f "$1" ] && [ "$(cat "$1")" = "$2" ]
}

[ -x .venv/bin/python ] || "$python" -m venv .venv
npm_key=$(_xmw_hash js/package-lock.json)
npm_stamp=js/node_modules/.xmwidgets-lock.sha256
npm_ran=
if ! _xmw_current "$npm_stamp" "$npm_key"; then
  (cd js && npm ci --no-audit --no-fund --loglevel=error)
  echo "$npm_key" >"$npm_stamp"  # npm ci empties node_modules first, so a stale stamp never stays
  npm_ran=1
fi
pip_key=$(_xmw_hash "$(pwd -P)" pyproject.toml)
# `test` installs a superset of `demo`
pip_ok=
for have in "$extra" $([ "$extra" = demo ] && echo test); do
  _xmw_current ".venv/.xmwidgets-$have.sha256" "$pip_key" && pip_ok=1
done
if [ -n "$pip_ok" ]; then
  # the stamp can be right while another checkout re-pointed the editable install: look (no import)
  # (-I: neither PYTHONPATH nor the current folder, where ./xmwidgets would always be found)
  origin=$(.venv/bin/python -I -c 'import importlib.util as u
s = u.find_spec("xmwidgets")
print(s.origin if s else "")')
  [ "$origin" = "$(pwd -P)/xmwidgets/__init__.py" ] || pip_ok=
fi
if [ -z "$pip_ok" ]; then
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".[$extra]"
  echo "$pip_key" >".venv/.xmwidgets-$extra.sha256"
elif [ -n "$npm_ran" ] || [ ! -f xmwidgets/static/widgets.js ] \
  || [ -n "$(find js/src js/build.mjs -newer xmwidgets/static/widgets.js -print -quit)" ]; then
  (cd js && npm run --silent build)  # what the editable install's build hook would have done
fi
