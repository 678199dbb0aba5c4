#!/usr/bin/env bash
# The fuzz smoke of the build (native module, verify phase): every libFuzzer target for a few
# seconds each (default 20; -Dfuzz.seconds=N, -Dfuzz.skip=true to skip), so a crash or broken
# invariant that the committed seeds or a short run reach fails `mvn verify`. Longer runs:
# bash native/fuzz/run.sh [seconds] (docs/building.md).
set -uo pipefail
secs="${1:-20}"
fuzz_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if ! command -v "${CC:-clang}" >/dev/null 2>&1; then
  echo "NOTICE: ${CC:-clang} not found: fuzz smoke skipped (Debian: apt-get install clang; .ci/run installs it)" >&2
  exit 0
fi
echo "fuzz smoke: ${secs}s per target (native/fuzz/run.sh)"
exec bash "$fuzz_dir/run.sh" "$secs"
