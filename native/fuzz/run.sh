#!/usr/bin/env bash
# Builds (build.sh) and runs every libFuzzer target for the given seconds each (default 60),
# as many at a time as there are CPUs (FUZZ_PARALLEL=N to change it; 1: one after the other),
# so each target still has a CPU of its own for its seconds. Starts from the committed seeds
# (native/fuzz/corpus/<target>/, never written to) plus what earlier runs found
# (native/target/fuzz/corpus/<target>/).
# Exits non-zero if any target crashed or broke an invariant, and prints the reproducer:
#   native/target/fuzz/fuzz_<target> <reproducer>     (re-runs that one input)
# Per-target logs and figures: native/target/fuzz/<target>.log
#   bash native/fuzz/run.sh [seconds]        FUZZ_PARALLEL=1 FUZZ_ARGS="-jobs=2 -workers=2" for more
set -uo pipefail
secs="${1:-60}"
fuzz_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="$(dirname "$fuzz_dir")/target/fuzz"
parallel="${FUZZ_PARALLEL:-$(nproc 2>/dev/null || echo 1)}"
bash "$fuzz_dir/build.sh" || exit 2
mkdir -p "$out/artifacts"
names=()
for t in "$fuzz_dir"/fuzz_*.c; do
  name="$(basename "$t" .c)"
  names+=("$name")
  work="$out/corpus/$name"
  log="$out/$name.log"
  mkdir -p "$work"
  rm -f "$out/$name.rc"
  max_len=16384 # HTTP bodies past the 8 KiB presizing threshold (frame headers announce any length)
  [ "$name" = fuzz_http ] && max_len=40000 # bodies past the 16 KiB bound of whole bodies stream
  [ "$name" = fuzz_cmd ] && max_len=4096 # up to 512 operations
  while [ "$(jobs -rp | wc -l)" -ge "$parallel" ]; do
    wait -n
  done
  # shellcheck disable=SC2086
  { "$out/$name" -max_total_time="$secs" -print_final_stats=1 -max_len="$max_len" -timeout=10 \
      -rss_limit_mb=2048 -artifact_prefix="$out/artifacts/$name-" ${FUZZ_ARGS:-} \
      "$work" "$fuzz_dir/corpus/$name" > "$log" 2>&1
    echo $? > "$out/$name.rc"; } &
done
wait
failed=0
for name in "${names[@]}"; do
  log="$out/$name.log"
  rc="$(cat "$out/$name.rc" 2>/dev/null || echo 1)"
  echo "== $name: ${secs}s"
  grep -E '^#[0-9]+[[:space:]]+DONE|stat::number_of_executed_units|stat::average_exec_per_sec' "$log" | sed 's/^/   /'
  if [ "$rc" -ne 0 ]; then
    failed=1
    repro="$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)"
    echo "   CRASH (exit $rc): $(grep -m1 -E 'invariant violated|ERROR: (AddressSanitizer|libFuzzer)|runtime error' "$log")"
    echo "   reproducer: ${repro:-see $log}"
    echo "   re-run:     $out/$name ${repro:-<input>}"
  fi
done
exit $failed
