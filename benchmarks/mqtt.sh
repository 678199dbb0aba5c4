#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# MQTT client benchmark (issue 12): reactor-mongoose's MqttClient vs Eclipse Paho against a local
# Mosquitto started here on a free port; publish throughput at QoS 0 and QoS 1 (100 in flight) and
# publish-to-receive latency p50/p99. Separate from run.sh (which it does not touch): prints a
# table, writes nothing under docs/.
#
#   benchmarks/mqtt.sh [MESSAGES] [LATENCY_SAMPLES] [ROUNDS]    # defaults 100000 5000 3
#   BENCH_MQTT_SKIP_BUILD=1 benchmarks/mqtt.sh ...              # reuse benchmarks/target/benchmarks.jar
set -euo pipefail
cd "$(dirname "$0")/.."

MOSQUITTO=${MOSQUITTO:-/usr/sbin/mosquitto}
[ -x "$MOSQUITTO" ] || { echo "mosquitto not found at $MOSQUITTO (Debian package mosquitto)" >&2; exit 1; }

if [ -z "${BENCH_MQTT_SKIP_BUILD:-}" ]; then
	mvn -B -ntp -q -o -pl benchmarks -am package -DskipTests
fi

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
dir=$(mktemp -d)
trap 'kill "$broker" 2>/dev/null || true; wait "$broker" 2>/dev/null || true; rm -rf "$dir"' EXIT
cat > "$dir/mosquitto.conf" <<CONF
listener $port 127.0.0.1
allow_anonymous true
persistence false
max_inflight_messages 100
max_queued_messages 1000000
CONF
"$MOSQUITTO" -c "$dir/mosquitto.conf" > "$dir/mosquitto.log" 2>&1 &
broker=$!
for _ in $(seq 100); do
	(exec 3<>/dev/tcp/127.0.0.1/"$port") 2>/dev/null && break
	sleep 0.05
done

echo "Mosquitto $("$MOSQUITTO" -h 2>&1 | head -1 | awk '{print $3}') on 127.0.0.1:$port; $(nproc) CPUs; load $(cut -d' ' -f1-3 /proc/loadavg)"
java ${MQTT_BENCH_JVM_OPTS:-} -Xms512m -Xmx512m -Dbench.broker.pid="$broker" -Dbench.clk.tck="$(getconf CLK_TCK)" -cp benchmarks/target/benchmarks.jar io.github.reactormongoose.benchmarks.MqttBench "$port" "$@"
