#!/usr/bin/env bash
# reactor-mongoose abuse and soak suite (issue 13): builds the examples, starts a
# ReliabilityServer per test and runs reliability/rel.py against it; figures go to
# reliability/results/<stamp>/<test>.json and are summed up on stdout (docs/reliability.md
# quotes them with the command that produced them).
#
#   reliability/run.sh [--quick] [slowloris] [churn] [slowreader] [soak]
#
# Default: slowloris churn slowreader (soak takes 10 minutes: name it). --quick shrinks every
# test (100 slow clients for 20 s, 2,000 + 2 x 500 churn, 64 MiB slow read, 60 s soak) to check
# the scripts; the figures of the page come from the full sizes on a quiet machine.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
quick=0
tests=()
for a in "$@"; do
  case "$a" in
    --quick) quick=1 ;;
    slowloris | churn | slowreader | soak) tests+=("$a") ;;
    *) echo "unknown argument $a" >&2; exit 2 ;;
  esac
done
((${#tests[@]})) || tests=(slowloris churn slowreader)
command -v wrk >/dev/null || { echo "wrk not found (apt-get install wrk)" >&2; exit 1; }
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

# one reactor build: the examples' class path then names the freshly built reactor-mongoose jar
# (the last module written wins the output file: examples)
mvn -B -ntp -q -DskipTests -Dfuzz.skip=true package dependency:build-classpath -pl native,reactor-mongoose,examples \
  -Dmdep.includeScope=runtime -Dmdep.outputFile="$PWD/examples/target/reliability.classpath"
CP="$(ls examples/target/reactor-mongoose-examples-*.jar | head -1):$(cat examples/target/reliability.classpath)"
out="reliability/results/$(date -u +%Y%m%d-%H%M%S)"
mkdir -p "$out"
port=18190
head_timeout=20
((quick)) && head_timeout=5

for t in "${tests[@]}"; do
  java -Xms256m -Xmx256m -cp "$CP" io.github.reactormongoose.examples.ReliabilityServer "$port" "$head_timeout" \
    >"$out/$t-server.log" 2>&1 &
  pid=$!
  for _ in $(seq 100); do grep -q READY "$out/$t-server.log" 2>/dev/null && break; sleep 0.1; done
  case "$t" in
    slowloris) args=(--timeout "$head_timeout"); ((quick)) && args+=(--conns 100 --secs 20) ;;
    churn) args=(); ((quick)) && args=(--sequential 2000 --rounds 2 --concurrent 500) ;;
    slowreader) args=(); ((quick)) && args=(--mib 64 --rate-mb 8) ;;
    soak) args=(); ((quick)) && args=(--secs 60) ;;
  esac
  echo "== $t ${args[*]}"
  python3 reliability/rel.py "$t" "$port" "${args[@]}" | tee "$out/$t.json"
  kill "$pid"; wait "$pid" 2>/dev/null || true
done
echo "results: $out"
