#!/usr/bin/env bash
# Builds the Go reference tools (tlog-audit, mklog) that the conformance tests
# hold Vellum against, from ../shared/tools/tlog-audit, into .cache/tlog-tools.
# Without ../shared this prints why and exits 0: those tests then skip.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
src=${VELLUM_SHARED:-$root/../shared}/tools/tlog-audit
out=$root/.cache/tlog-tools
if [ ! -f "$src/build.sh" ]; then
  echo "reference-tools: $src not found; reference conformance tests will skip" >&2
  exit 0
fi
if [ -x "$out/tlog-audit" ] && [ -x "$out/mklog" ] && [ "$out/tlog-audit" -nt "$src/main.go" ] && [ "$out/mklog" -nt "$src/mklog/main.go" ]; then
  echo "reference-tools: up to date in $out" >&2
  exit 0
fi
mkdir -p "$out"
bash "$src/build.sh" "$out" >&2
echo "reference-tools: built $out/tlog-audit $out/mklog" >&2
