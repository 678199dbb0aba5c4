#!/usr/bin/env bash
# Puts the Cesanta Mongoose sources (mongoose.c, mongoose.h) into
# native/target/mongoose/ for the Makefile. They are never committed.
#
# Source directory, first match wins:
#   1. the first argument (Maven passes -Dmongoose.home=DIR here); empty = unset
#   2. the environment variable MONGOOSE_HOME
#   3. the cache native/.mongoose-cache/<cymongoose version>/, filled on first use
#      from the sdist of the Python package cymongoose (pip download).
#
# Expected versions and sha256 sums: native/mongoose-source.properties.
# An override directory whose hashes differ only gets a WARNING (its MG_VERSION
# must still be >= mongoose.min.version); a downloaded sdist must match exactly.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PROPS="$SCRIPT_DIR/mongoose-source.properties"
OUT_DIR="$SCRIPT_DIR/target/mongoose"
FILES=(mongoose.c mongoose.h)

die() {
  echo "ERROR: $*" >&2
  exit 1
}

prop() {
  local v
  v="$(sed -n "s/^[[:space:]]*$1[[:space:]]*=[[:space:]]*//p" "$PROPS" | tail -n 1 | tr -d '[:space:]')"
  [[ -n "$v" ]] || die "property '$1' missing in $PROPS"
  printf '%s\n' "$v"
}

sha256_of() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | cut -d' ' -f1
  else
    shasum -a 256 "$1" | cut -d' ' -f1
  fi
}

mg_version_of() { # prints the MG_VERSION string of a mongoose.h, or nothing
  sed -n 's/^[[:space:]]*#[[:space:]]*define[[:space:]]\{1,\}MG_VERSION[[:space:]]\{1,\}"\([^"]*\)".*/\1/p' "$1" | head -n 1
}

version_ge() { # version_ge A B: true when A >= B
  [[ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | head -n 1)" == "$2" ]]
}

# True when both files are in $1 and match the expected hashes.
matches_expected() {
  local f
  for f in "${FILES[@]}"; do
    [[ -f "$1/$f" ]] || return 1
    [[ "$(sha256_of "$1/$f")" == "$(prop "${f}.sha256")" ]] || return 1
  done
}

CYM_VERSION="$(prop cymongoose.version)"
MIN_VERSION="$(prop mongoose.min.version)"
CACHE_DIR="$SCRIPT_DIR/.mongoose-cache/$CYM_VERSION"

# ---- 1. choose the source directory ---------------------------------------
OVERRIDE="${1:-}"
OVERRIDE_FROM="-Dmongoose.home"
if [[ -z "$OVERRIDE" && -n "${MONGOOSE_HOME:-}" ]]; then
  OVERRIDE="$MONGOOSE_HOME"
  OVERRIDE_FROM="MONGOOSE_HOME"
fi

if [[ -n "$OVERRIDE" ]]; then
  # A relative path is taken from the current directory, else from the
  # directory Maven was started in (RMG_INVOCATION_DIR, set by native/pom.xml).
  if [[ "$OVERRIDE" != /* && ! -d "$OVERRIDE" && -n "${RMG_INVOCATION_DIR:-}" \
        && -d "$RMG_INVOCATION_DIR/$OVERRIDE" ]]; then
    OVERRIDE="$RMG_INVOCATION_DIR/$OVERRIDE"
  fi
  [[ -d "$OVERRIDE" ]] || die "$OVERRIDE_FROM=$OVERRIDE is not a directory. It must be a folder holding mongoose.c and mongoose.h (Mongoose >= $MIN_VERSION)."
  SRC_DIR="$(cd "$OVERRIDE" && pwd)"
  for f in "${FILES[@]}"; do
    [[ -f "$SRC_DIR/$f" ]] || die "$OVERRIDE_FROM=$SRC_DIR has no $f. It must be a folder holding mongoose.c and mongoose.h (Mongoose >= $MIN_VERSION)."
  done
  for f in "${FILES[@]}"; do
    want="$(prop "${f}.sha256")"
    got="$(sha256_of "$SRC_DIR/$f")"
    if [[ "$got" != "$want" ]]; then
      echo "WARNING: $SRC_DIR/$f has sha256 $got, expected $want (the file from cymongoose $CYM_VERSION). Building with it anyway." >&2
    fi
  done
  MG_VERSION="$(mg_version_of "$SRC_DIR/mongoose.h")"
  [[ -n "$MG_VERSION" ]] || die "$SRC_DIR/mongoose.h has no '#define MG_VERSION \"x.y\"'; is it really Mongoose?"
  version_ge "$MG_VERSION" "$MIN_VERSION" \
    || die "$SRC_DIR/mongoose.h is Mongoose $MG_VERSION; reactor-mongoose needs Mongoose >= $MIN_VERSION."
else
  SRC_DIR="$CACHE_DIR"
  if ! matches_expected "$CACHE_DIR"; then
    # ---- 2. fill the cache from the cymongoose sdist ------------------------
    if command -v python3 >/dev/null 2>&1 && python3 -m pip --version >/dev/null 2>&1; then
      PIP=(python3 -m pip)
    elif command -v pip3 >/dev/null 2>&1; then
      PIP=(pip3)
    elif command -v pip >/dev/null 2>&1; then
      PIP=(pip)
    else
      PIP=()
    fi
    # Work next to the cache so the final rename is atomic.
    mkdir -p "$(dirname "$CACHE_DIR")"
    TMP="$(mktemp -d "$(dirname "$CACHE_DIR")/.tmp.XXXXXX")"
    trap 'rm -rf "$TMP"' EXIT
    mkdir -p "$SCRIPT_DIR/target"
    PIP_LOG="$SCRIPT_DIR/target/mongoose-pip.log"
    echo "Fetching the Mongoose sources from the sdist of cymongoose $CYM_VERSION (pip download)..."
    if [[ ${#PIP[@]} -eq 0 ]] \
       || ! "${PIP[@]}" download --disable-pip-version-check --no-deps --no-binary cymongoose \
              "cymongoose==$CYM_VERSION" -d "$TMP/dl" >"$PIP_LOG" 2>&1; then
      [[ ${#PIP[@]} -eq 0 ]] && echo "no pip/pip3 found on PATH" >"$PIP_LOG"
      die "could not download the Mongoose sources (sdist of the Python package cymongoose==$CYM_VERSION, pip output in $PIP_LOG). Either install pip and allow network access to the Python package index, or pass -Dmongoose.home=DIR (or set MONGOOSE_HOME=DIR) pointing to a folder with mongoose.c and mongoose.h."
    fi
    SDIST="$TMP/dl/cymongoose-$CYM_VERSION.tar.gz"
    [[ -f "$SDIST" ]] || die "pip did not produce $(basename "$SDIST") (see $PIP_LOG)."
    MEMBER_DIR="cymongoose-$CYM_VERSION/thirdparty/mongoose"
    mkdir -p "$TMP/x"
    tar -xzf "$SDIST" -C "$TMP/x" "$MEMBER_DIR/mongoose.c" "$MEMBER_DIR/mongoose.h" \
      || die "$(basename "$SDIST") has no $MEMBER_DIR/mongoose.{c,h}."
    for f in "${FILES[@]}"; do
      want="$(prop "${f}.sha256")"
      got="$(sha256_of "$TMP/x/$MEMBER_DIR/$f")"
      [[ "$got" == "$want" ]] \
        || die "$f from cymongoose-$CYM_VERSION.tar.gz has sha256 $got, expected $want. Refusing to build with it."
    done
    # Publish the cache atomically so an interrupted run never leaves half of it.
    rm -rf "$CACHE_DIR"
    mv "$TMP/x/$MEMBER_DIR" "$TMP/cache"
    find "$TMP/cache" -mindepth 1 -maxdepth 1 ! -name mongoose.c ! -name mongoose.h -exec rm -rf {} +
    mv "$TMP/cache" "$CACHE_DIR"
  fi
  MG_VERSION="$(mg_version_of "$CACHE_DIR/mongoose.h")"
  want_version="$(prop mongoose.version)"
  [[ "$MG_VERSION" == "$want_version" ]] \
    || die "$CACHE_DIR/mongoose.h says MG_VERSION \"$MG_VERSION\", expected \"$want_version\"."
fi

# ---- 3. install into target/mongoose/ (untouched when identical) ---------
mkdir -p "$OUT_DIR"
for f in "${FILES[@]}"; do
  if ! cmp -s "$SRC_DIR/$f" "$OUT_DIR/$f"; then
    # Fresh mtime so that make rebuilds whatever depends on it.
    cp -f "$SRC_DIR/$f" "$OUT_DIR/$f.tmp"
    mv -f "$OUT_DIR/$f.tmp" "$OUT_DIR/$f"
  fi
done
printf '%s\n' "$SRC_DIR" >"$OUT_DIR/SOURCE"
echo "Mongoose MG_VERSION $MG_VERSION from $SRC_DIR"
