#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Builds the JNI library for linux aarch64 with a cross compiler (Debian's
# gcc-aarch64-linux-gnu) into target/cross-aarch64/: the glue must stay portable (rmg_gcm.c's
# x86-64 paths behind their guards), with the same -Werror, export and layer checks as the
# native build. Run by Maven in the verify phase after the native build (it needs
# target/mongoose/); skips with a notice where the cross compiler is missing.
#   bash native/cross-check.sh            (RMG_CROSS_CC overrides the compiler)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cc="${RMG_CROSS_CC:-aarch64-linux-gnu-gcc}"
if ! command -v "$cc" >/dev/null 2>&1; then
  echo "NOTICE: no $cc (Debian: gcc-aarch64-linux-gnu); the aarch64 cross-build check is skipped" >&2
  exit 0
fi
out="$here/target/cross-aarch64"
make -s -C "$here" OUT_DIR="$out" CC="$cc" NM="${cc%gcc}nm" -j"${RMG_CROSS_JOBS:-4}"
lib="$out/lib/libreactor_mongoose_linux_aarch_64.so"
machine="$(od -An -t u2 -j 18 -N 2 "$lib" | tr -d ' ')" # ELF e_machine: 183 = EM_AARCH64
if [ "$machine" != 183 ]; then
  echo "cross-check: $lib is not an aarch64 ELF (e_machine $machine)" >&2
  exit 1
fi
echo "cross-check: OK ($cc $("$cc" -dumpversion): $lib)"
