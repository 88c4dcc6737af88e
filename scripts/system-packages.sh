#!/usr/bin/env bash
# The system tools some features use, installed from Debian's packages when they are missing and we may:
#   ffmpeg          converts recordings other than WAV (ivr prompts build)
#   espeak-ng       writes draft recordings (ivr prompts draft)
#   graphviz        draws the flow as SVG or PNG (ivr graph)
#   minimodem       an independent TTY modem the Baudot interoperability tests check against
#   libspandsp-dev  spandsp's V.18, the other one; with gcc, libc6-dev and pkg-config the tests build a
#                   small harness for it (tests/tty/spandsp_tty.c)
#   chromium        the headless browser the operator console's end-to-end tests drive (Playwright,
#                   never a browser of its own)
#   haproxy, redis-server, redis-sentinel   the fleet harness (bench/fleet.py, tests/fleet): a load
#                   balancer, and Redis with a replica and Sentinels
#   iproute2        ss, which shows how connections split between gunicorn's workers (bench/load.py,
#                   tests/web/test_worker_balance.py)
# Without them the service still runs; the features and tests that need them say so (or skip).
set -uo pipefail
# A tool on the PATH, or a file, and the package that brings it.
declare -A packages=([ffmpeg]=ffmpeg [espeak-ng]=espeak-ng [dot]=graphviz [minimodem]=minimodem
  [gcc]=gcc [pkg-config]=pkg-config [haproxy]=haproxy [redis-server]=redis-server
  [redis-sentinel]=redis-sentinel [chromium]=chromium [ss]=iproute2)
declare -A files=([/usr/include/stdio.h]=libc6-dev [/usr/include/spandsp/v18.h]=libspandsp-dev)
missing=()
for tool in "${!packages[@]}"; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("${packages[$tool]}")
done
for file in "${!files[@]}"; do
  [ -e "$file" ] || missing+=("${files[$file]}")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "note: optional tools not installed: ${missing[*]} (install them with your package manager)" >&2
  exit 0
fi
echo "installing optional tools: ${missing[*]}" >&2
if ! (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}") >/dev/null 2>&1; then
  echo "warning: could not install ${missing[*]}" >&2
fi
exit 0
