#!/usr/bin/env bash
# Builds the libFuzzer targets into native/target/fuzz/ with clang, ASan and UBSan:
# our C glue (native/src/main/c, without the JNI_OnLoad file) + mongoose.c (with the lines of
# hook-mongoose.sh), compiled with
# the Makefile's Mongoose options (make print-mg-defs), + native/fuzz/*.c.
#   bash native/fuzz/build.sh          (CC=clang-NN to pick another clang)
#   bash native/fuzz/build.sh cov      source-based coverage build, no sanitizers, into
#                                      native/target/fuzz/cov/ (used by coverage.sh)
set -euo pipefail
fuzz_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
native_dir="$(dirname "$fuzz_dir")"
out="$native_dir/target/fuzz"
mode="${1:-fuzz}"
cc="${CC:-clang}"
command -v "$cc" >/dev/null || { echo "build.sh: $cc not found (Debian: apt-get install clang)" >&2; exit 1; }
[ -f "$native_dir/target/mongoose/mongoose.c" ] || bash "$native_dir/fetch-mongoose.sh"
mg_defs="$(make -s -C "$native_dir" --no-print-directory print-mg-defs)"
includes="$(make -s -C "$native_dir" --no-print-directory print-includes)"
san="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer -g -O1"
obj_san="-fsanitize=fuzzer-no-link"
if [ "$mode" = cov ]; then
  out="$out/cov"
  san="-fprofile-instr-generate -fcoverage-mapping -O1"
  obj_san=""
fi
mkdir -p "$out/obj"
# the compilations and links run as many at a time as there are CPUs (BUILD_PARALLEL=N)
parallel="${BUILD_PARALLEL:-$(nproc 2>/dev/null || echo 1)}"
failed="$out/obj/.failed"
rm -f "$failed"
spawn() { # command...: in the background, once fewer than $parallel are running
  while [ "$(jobs -rp | wc -l)" -ge "$parallel" ]; do
    wait -n || true
  done
  { "$@" || touch "$failed"; } &
}
await_all() { # waits for the spawned commands; fails if any of them failed
  wait
  [ ! -e "$failed" ]
}
objs=()
compile() { # src obj extra-flags...
  local src="$1" obj="$2"
  shift 2
  if [ ! -f "$obj" ] || [ "$src" -nt "$obj" ] || [ "$0" -nt "$obj" ] || [ "$native_dir/Makefile" -nt "$obj" ] ||
     [ -n "$(find "$native_dir/src/main/c" "$fuzz_dir" -name '*.h' -newer "$obj" 2>/dev/null)" ]; then
    # shellcheck disable=SC2086
    spawn "$cc" -std=c11 $san $obj_san $mg_defs $includes -I"$native_dir/src/main/c" "$@" -c "$src" -o "$obj"
  fi
  objs+=("$obj")
}
# the same copy of mongoose.c as the library: with the lines of hook-mongoose.sh
bash "$native_dir/hook-mongoose.sh" "$native_dir/target/mongoose/mongoose.c" "$out/obj/mongoose-hooked.c.new"
if cmp -s "$out/obj/mongoose-hooked.c.new" "$out/obj/mongoose-hooked.c"; then
  rm "$out/obj/mongoose-hooked.c.new"
else
  mv "$out/obj/mongoose-hooked.c.new" "$out/obj/mongoose-hooked.c"
fi
compile "$out/obj/mongoose-hooked.c" "$out/obj/mongoose.o" -w
for src in "$native_dir"/src/main/c/*.c; do
  name="$(basename "$src" .c)"
  [ "$name" = rmg_jni ] && continue # JNI_OnLoad only; fz_init registers the kinds itself
  compile "$src" "$out/obj/$name.o" -Wall -Wextra
done
compile "$fuzz_dir/fz.c" "$out/obj/fz.o" -Wall -Wextra
await_all
common=("${objs[@]}")
built() { # target: links it
  # shellcheck disable=SC2086
  "$cc" -std=c11 $san -fsanitize=fuzzer $mg_defs $includes -I"$native_dir/src/main/c" -Wall -Wextra \
    "$fuzz_dir/$1.c" "${common[@]}" -lpthread -o "$out/$1" && echo "built $out/$1"
}
for t in "$fuzz_dir"/fuzz_*.c; do
  spawn built "$(basename "$t" .c)"
done
await_all
