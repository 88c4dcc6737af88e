#!/usr/bin/env bash
# The system tools some features use, installed from Debian's packages when they are missing and we may:
#   ffmpeg      converts recordings other than WAV (ivr prompts build)
#   espeak-ng   writes draft recordings (ivr prompts draft)
#   graphviz    draws the flow as SVG or PNG (ivr graph)
#   minimodem   an independent TTY modem the Baudot interoperability tests check against
#   chromium    the headless browser the operator console's end-to-end tests drive (Playwright, never its own)
# Without them the service still runs; the features and tests that need them say so (or skip).
set -uo pipefail
declare -A packages=([ffmpeg]=ffmpeg [espeak-ng]=espeak-ng [dot]=graphviz [minimodem]=minimodem [chromium]=chromium)
missing=()
for tool in "${!packages[@]}"; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("${packages[$tool]}")
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
