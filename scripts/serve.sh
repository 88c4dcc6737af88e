#!/usr/bin/env bash
# Install the service into .venv, load the demo data, and serve it on the embedded defaults
# (an embedded Redis and a SQLite file under instance/). Extra arguments go to `ivr serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
./scripts/system-packages.sh
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e .
.venv/bin/ivr seed-demo
exec .venv/bin/ivr serve "$@"
