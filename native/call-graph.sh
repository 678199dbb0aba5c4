#!/usr/bin/env bash
# Prints the file-level call graph of the glue's objects ("caller -> callee: symbols", one
# line per pair of files) and fails if it has a cycle: no two C files may call each other,
# directly or through others (issue 7). An edge is an undefined symbol of one object that
# another of the given objects defines (functions and data, e.g. a natives table).
# Usage: call-graph.sh OBJ...   (run by the Makefile after every build; NM overrides nm)
set -euo pipefail
NM=${NM:-nm}
[ $# -gt 0 ] || { echo "usage: $0 OBJ..." >&2; exit 2; }

defs=$(mktemp) uses=$(mktemp)
trap 'rm -f "$defs" "$uses"' EXIT
for o in "$@"; do
  f=$(basename "$o" .o)
  "$NM" -g --defined-only "$o" | awk -v f="$f" 'NF >= 3 { print $3, f }' >>"$defs"
  "$NM" -u "$o" | awk -v f="$f" '{ print $NF, f }' >>"$uses"
done
# symbol defined-in / symbol used-by -> "user definer symbol"
edges=$(awk 'NR == FNR { def[$1] = $2; next } ($1 in def) && def[$1] != $2 { print $2, def[$1], $1 }' \
          "$defs" "$uses" | sort)
awk '{ k = $1 " -> " $2; s[k] = s[k] " " $3 } END { for (k in s) print k ":" s[k] }' \
  <<<"$edges" | sort
if ! awk '{ print $1, $2 }' <<<"$edges" | sort -u | tsort >/dev/null 2>&1; then
  echo "call-graph: the C files call each other in a circle:" >&2
  awk '{ print $1, $2 }' <<<"$edges" | sort -u | tsort 2>&1 >/dev/null | sed 's/^/  /' >&2
  exit 1
fi
