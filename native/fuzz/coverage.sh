#!/usr/bin/env bash
# Source-based coverage of our C glue reached by each target's corpus (committed seeds plus
# what run.sh found): builds the targets once more without sanitizers but with
# -fprofile-instr-generate -fcoverage-mapping (build.sh cov), replays each corpus (-runs=0),
# and prints llvm-cov's per-file report (regions, functions, lines, branches) for
# native/src/main/c. The JNI wrappers (functions taking a JNIEnv) are counted but cannot be
# reached without a JVM.   Run after run.sh:  bash native/fuzz/coverage.sh
set -euo pipefail
fuzz_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
native_dir="$(dirname "$fuzz_dir")"
out="$native_dir/target/fuzz"
cov="$out/cov"
profdata="$(command -v llvm-profdata || command -v llvm-profdata-14)"
llvmcov="$(command -v llvm-cov || command -v llvm-cov-14)"
bash "$fuzz_dir/build.sh" cov >/dev/null
all=()
for t in "$fuzz_dir"/fuzz_*.c; do
  name="$(basename "$t" .c)"
  mkdir -p "$out/corpus/$name"
  rm -f "$cov/$name".profraw
  LLVM_PROFILE_FILE="$cov/$name.profraw" "$cov/$name" -runs=0 "$out/corpus/$name" "$fuzz_dir/corpus/$name" >/dev/null 2>&1
  "$profdata" merge -sparse "$cov/$name.profraw" -o "$cov/$name.profdata"
  echo "== $name ($(ls "$out/corpus/$name" "$fuzz_dir/corpus/$name" | grep -vc ':$') inputs)"
  "$llvmcov" report "$cov/$name" -instr-profile="$cov/$name.profdata" "$native_dir"/src/main/c/*.c |
    sed -n '1,2p;/^rmg_\|^TOTAL\|src\/main\/c/p' | sed 's|^.*/src/main/c/||'
  all+=("$cov/$name.profraw")
done
"$profdata" merge -sparse "${all[@]}" -o "$cov/all.profdata"
echo "== all targets together (counted on the fuzz_cmd binary, which links the same glue)"
obj_args=()
for t in "$fuzz_dir"/fuzz_*.c; do obj_args+=(-object "$cov/$(basename "$t" .c)"); done
"$llvmcov" report "${obj_args[@]:1}" -instr-profile="$cov/all.profdata" "$native_dir"/src/main/c/*.c |
  sed -n '1,2p;/^rmg_\|^TOTAL\|src\/main\/c/p' | sed 's|^.*/src/main/c/||'
