#!/usr/bin/env bash
# Creates .venv with gridwatch, its dev tools and the judgement bench's extras (the OSM cities);
# installs the system packages the tests need (redis-server, postgresql, chromium) when they are
# missing.
# Safe to run again: it skips what is there.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v redis-server >/dev/null 2>&1 || need_apt+=(redis-server)
# the evidence tests check that a third party can verify a signature with openssl alone
command -v openssl >/dev/null 2>&1 || need_apt+=(openssl)
# the case-loop tests start a PostgreSQL cluster of their own (tests/pgproc.py)
if ! command -v initdb >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1
then
  need_apt+=(postgresql)
fi
if [ "${GRIDWATCH_SKIP_BROWSER:-0}" != "1" ]; then
  command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
  # Chinese labels in the page's screenshots (the tests do not depend on it)
  [ -d /usr/share/fonts/truetype/wqy ] || need_apt+=(fonts-wqy-microhei)
fi
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "installing system packages: ${need_apt[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
stamp=.venv/.gridwatch-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  .venv/bin/pip install -q --upgrade pip >/dev/null
  .venv/bin/pip install -q -e '.[dev,bench]'
  touch "$stamp"
fi
