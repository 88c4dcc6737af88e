#!/usr/bin/env bash
# Install the service into .venv, build the operator console's page, load the demo data, and serve the
# webhook on the embedded defaults (an embedded Redis and a SQLite file under instance/). Extra arguments go
# to `ivr serve`; the console is `ivr console` (docs/operator-console.md).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
./scripts/system-packages.sh
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e .
./scripts/build-console.sh || echo "warning: the operator console's page is not built (ivr console)" >&2
.venv/bin/ivr seed-demo
exec .venv/bin/ivr serve "$@"
