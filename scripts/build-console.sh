#!/usr/bin/env bash
# Build the operator console's page into console-ui/dist: `npm ci` from the lockfile (CodeMirror, Chart.js,
# esbuild, axe-core for the accessibility test), then the esbuild bundle. Each step is skipped when what it
# makes is newer than what it is made from. Needs Node.js 20 and npm.
set -euo pipefail
cd "$(dirname "$0")/../console-ui"
if ! command -v npm >/dev/null 2>&1; then
  echo "error: building the operator console needs Node.js 20 and npm" >&2
  exit 1
fi
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
if [ ! -f dist/console.js ] || [ -n "$(find src build.mjs package-lock.json ../docs/menu-schema.json -newer dist/console.js -print -quit)" ]; then
  npm run --silent build
fi
