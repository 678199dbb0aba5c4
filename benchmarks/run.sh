#!/usr/bin/env bash
# reactor-mongoose benchmark suite: the one entry point (see benchmarks/README.md).
#
#   benchmarks/run.sh            full mode   (about 55 minutes; about 35 with BENCH_PEERS="")
#   benchmarks/run.sh --quick    quick mode  (about 8 minutes, for iterating on the scripts)
#   benchmarks/run.sh --only download,file-1mib
#                                only the named scenarios (download, file-1mib, idle, tls, mqtt, upload), at full-mode
#                                settings unless --quick comes first; no report: the raw outputs stay
#                                in benchmarks/results/<timestamp>/ and docs/ is not touched
#
# Builds what is missing (the Maven modules, the raw C server, a Python venv with
# cymongoose, wrk and gnuplot from Debian), then runs the same HTTP workloads against
#   rawc        raw C Mongoose (src/main/c/hello.c, same MG_DEFS and flags as the JNI library)
#   rmg         reactor-mongoose HttpServer (MongooseServer.java, replies from the poll thread)
#   netty       Reactor Netty HttpServer (NettyServer.java)
#   cymongoose  cymongoose Manager + conn.reply() (src/main/python/cymongoose_hello.py)
#   vertx       Vert.x core HttpServer, 1 event loop, native epoll (peers/vertx, its own Maven project)
#   helidon     Helidon SE 4 WebServer on a JDK >= 21 (peers/helidon, its own Maven project)
# interleaved in rounds (A B C D, A B C D, ...), server pinned to CPU 0 and wrk to CPU 1;
# then the all-cores scenarios (server and wrk unpinned: reactor-mongoose on 1 and 2 loops,
# Reactor Netty and WebFlux with their defaults, raw C, Vert.x on 2 event loops, Helidon;
# hello, and a CPU-heavy SHA-256 handler, with the requests each loop of the 2-loop server
# served); then the 10,000-idle-connections memory test, a 1 GiB streamed upload and a 1 GiB
# streamed download on one connection (MB/s, server peak RSS and heap; the plain servers and
# WebFlux on both engines), a JFR profile of the
# reactor-mongoose hello server and the JMH micro-benchmarks.
# The HTTP clients (reactor-mongoose, Reactor Netty, JDK) are measured against the raw C server.
# The MQTT clients (reactor-mongoose, Eclipse Paho) publish through a local Mosquitto (benchmarks/mqtt.sh).
# Finally it regenerates docs/benchmarks.md and docs/benchmarks.png from this run only.
# Raw outputs: benchmarks/results/<timestamp>/.
#
# Load goes to 127.0.0.1 only and every load run is bounded in time.
# Environment overrides (for experiments; the page records them): BENCH_ROUNDS,
# BENCH_DURATION (seconds per wrk run), BENCH_WARMUP (JVM warm-up seconds), BENCH_IDLE_CONNS,
# BENCH_AC_WARMUP (JVM warm-up seconds of the all-cores groups), BENCH_AC_WRK_THREADS (wrk -t of
# the all-cores runs), BENCH_SHA_KIB (KiB hashed per request by the CPU-heavy handler),
# BENCH_PEERS (the peers of issue 14 to run beside the others: "vertx helidon" by default, "" for none),
# BENCH_PROFILE_PEERS (1: JFR + perf profiles of the Vert.x and Helidon hello servers as of ours;
# default 1 in full mode, 0 in quick mode), BENCH_JDK21 (a JDK >= 21 for Helidon; default: the
# Temurin 25 JDK, else any JDK >= 21 in /usr/lib/jvm; none: Helidon is skipped, the page says so),
# BENCH_UPLOAD_MIB (MiB of the streamed-upload scenario, default 1024).
set -euo pipefail

MODE=full
ONLY=""
ONLY_NEXT=0
for arg in "$@"; do
  if ((ONLY_NEXT)); then
    ONLY="$arg"
    ONLY_NEXT=0
    continue
  fi
  case "$arg" in
    --quick) MODE=quick ;;
    --only) ONLY_NEXT=1 ;;
    -h | --help)
      sed -n '2,39p' "$0" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *)
      echo "unknown argument: $arg (try --help)" >&2
      exit 2
      ;;
  esac
done

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$BENCH_DIR")"
SRC="$BENCH_DIR/src/main"
TARGET="$BENCH_DIR/target"
JAR="$TARGET/benchmarks.jar"
CBIN="$TARGET/hello-c"
VENV="$TARGET/venv"
STAMP="$(date -u +%Y%m%d-%H%M%S)"
OUT="$BENCH_DIR/results/$STAMP"
mkdir -p "$OUT"/{wrk,logs,idle,jfr,jmh,perf,spread}
rm -rf "$TARGET/native-extract"
mkdir -p "$TARGET/native-extract"
exec > >(tee "$OUT/run.log") 2>&1

if [[ "$MODE" == quick ]]; then
  ROUNDS=3 DURATION=1 WARMUP_JVM=5 WARMUP_NATIVE=1 GAP=0.1 JFR_SECS=3 IDLE_CONNS=2000 IDLE_WARM=1 IDLE_SETTLE=1 DL_WARM=1 DL_RUNS=1
  MAX_ATTEMPTS=1 QUIET_BUDGET=0 PROF_SECS=3 SETTLE=0.5 AC_WARMUP_JVM=5
  JMH_OPTS=(-f 1 -wi 1 -w 1s -i 1 -r 1s -foe true)
else
  # the all-cores groups warm each JVM for 30 s, as the pinned ones (they had 15 s: measured by
  # hand on 2 CPUs, the WebFlux server on 2 loops was still compiling methods after 15 s of load,
  # 2,506 -> 2,610 over the next 40 s, and its first 5 s round cost 52 us of CPU per request
  # against 30-41 us in later rounds)
  # downloads: a 1 GiB download takes 0.3-0.9 s here, and single ones varied from 1.1 to 5.2 GB/s
  # (by hand, one server, eight in a row), so several are measured and the median is reported
  # idle: RSS read 2 s after the clients connected still fell by itself over the next seconds
  # (10,000 connections, by hand: 2.7-3.3 KB per connection at 2 s, 0.7-1.2 KB at 5 s), so it is
  # read after IDLE_SETTLE seconds
  ROUNDS=3 DURATION=10 WARMUP_JVM=30 WARMUP_NATIVE=2 GAP=1 JFR_SECS=20 IDLE_CONNS=10000 IDLE_WARM=3 IDLE_SETTLE=10 DL_WARM=3 DL_RUNS=7
  MAX_ATTEMPTS=3 QUIET_BUDGET=300 PROF_SECS=15 SETTLE=2 AC_WARMUP_JVM=30
  JMH_OPTS=(-f 1 -wi 3 -w 2s -i 5 -r 2s -foe true)
fi
ROUNDS="${BENCH_ROUNDS:-$ROUNDS}"
DURATION="${BENCH_DURATION:-$DURATION}"
WARMUP_JVM="${BENCH_WARMUP:-$WARMUP_JVM}"
IDLE_CONNS="${BENCH_IDLE_CONNS:-$IDLE_CONNS}"
AC_WARMUP_JVM="${BENCH_AC_WARMUP:-$AC_WARMUP_JVM}"
# wrk threads of the all-cores runs: 2, so that the client, like the server, may use both CPUs
# (unpinned with -t1, wrk's single thread saturated one CPU in trial runs against the 1-loop
# server: the client, not the server, set the rate). The page shows the CPU each side used.
AC_WRK_THREADS="${BENCH_AC_WRK_THREADS:-2}"
SHA_KIB="${BENCH_SHA_KIB:-64}"
# Issue 14 peers (each its own Maven project under peers/, built by setup_peers)
PEERS="${BENCH_PEERS-vertx helidon}"
PROFILE_PEERS="${BENCH_PROFILE_PEERS:-$([[ "$MODE" == full ]] && echo 1 || echo 0)}"
# Noise control (shared machine): before each measured run wait until less than QUIET_PCT % of
# all CPUs are busy; repeat a run during which other processes used more than DISTURBED_PCT % of
# one CPU (at most MAX_ATTEMPTS tries; all waits and repeats share QUIET_BUDGET seconds).
QUIET_PCT=5
DISTURBED_PCT=10

# Fixed heap; SerialGC is what the JVM picks by itself for a process pinned to one CPU,
# stated explicitly so the command line says what ran.
JVM_OPTS=(-Xms512m -Xmx512m -XX:+UseSerialGC)
[[ "$SHA_KIB" == 64 ]] || JVM_OPTS+=("-Dreactormongoose.bench.shaKiB=$SHA_KIB")
# reactor-mongoose extracts its JNI library from the jar; keep the copy so perf can name its symbols
RMG_OPTS=(-Dio.github.reactormongoose.native.workdir="$TARGET/native-extract" -Dio.github.reactormongoose.native.deleteAfterLoading=false)
SERVER_CPU=0
CLIENT_CPU=1
declare -A PORT=([rawc]=18101 [rmg]=18102 [netty]=18103 [cymongoose]=18104 [webflux-rmg]=18105 [webflux-netty]=18106
  [rawc-ac]=18111 [rmg-l1]=18112 [rmg-l2]=18113 [netty-ac]=18114 [webflux-rmg-l2]=18115 [webflux-netty-ac]=18116
  [rmg-l1-offload]=18117 [rmg-tls]=18121 [netty-tls]=18122)
# HTTPS servers (issue 11), pinned like rmg and netty, with a certificate made for the run in
# $TARGET/tls (EC P-256): rmg-tls = MongooseServer with TlsSpec (Mongoose's built-in TLS 1.3),
# netty-tls = NettyServer with an SslContext of the JDK provider (-Dbench.tls.dir)
TLS_SERVERS=(rmg-tls netty-tls)
# All-cores servers: not pinned (they may use both CPUs); wrk runs unpinned beside them.
#   rawc-ac          raw C Mongoose (one thread, as always)
#   rmg-l1, rmg-l2   reactor-mongoose HttpServer on 1 / 2 loops of its own (MongooseServer ... loops=N)
#   rmg-l1-offload   1 loop; the CPU-heavy handler runs on Schedulers.boundedElastic() (scenario sha-offload)
#   netty-ac         Reactor Netty, default LoopResources
#   webflux-rmg-l2   WebFlux on reactor-mongoose, 2 loops; webflux-netty-ac: WebFlux on Reactor Netty, defaults
declare -A ALLCORES=([rawc-ac]=1 [rmg-l1]=1 [rmg-l2]=1 [netty-ac]=1 [webflux-rmg-l2]=1 [webflux-netty-ac]=1 [rmg-l1-offload]=1)
# Servers that answer GET /__spread with the requests each poll thread served (then reset):
# fetched before and after each of their measured runs.
declare -A SPREAD=([rmg-l2]=1)
# Issue 14 peers: Vert.x (loops=1 pinned, loops=2 on all cores) and Helidon SE (on JDK21, see setup_peers)
PORT+=([vertx]=18141 [helidon]=18142 [vertx-ac]=18143 [helidon-ac]=18144)
ALLCORES+=([vertx-ac]=1 [helidon-ac]=1)
VERTX_JAR="$BENCH_DIR/peers/vertx/target/vertx-server.jar"
HELIDON_JAR="$BENCH_DIR/peers/helidon/target/helidon-server.jar"
JDK21=""

log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*"; }
die() {
  log "ERROR: $*"
  exit 1
}

# ---------------------------------------------------------------- prerequisites

setup_tools() {
  local missing=()
  command -v wrk >/dev/null 2>&1 || missing+=(wrk)
  # gnuplot-nox: the gnuplot program without the Qt/X11 front-ends (PNG output only needs this)
  command -v gnuplot >/dev/null 2>&1 || missing+=(gnuplot-nox)
  [[ -x /usr/sbin/mosquitto ]] || missing+=(mosquitto) # the broker of the MQTT scenario
  for t in taskset gcc make python3 java jcmd jfr curl; do
    command -v "$t" >/dev/null 2>&1 || die "$t is required"
  done
  if ((${#missing[@]})); then
    log "installing ${missing[*]} with apt-get"
    local sudo=()
    [[ "$(id -u)" == 0 ]] || sudo=(sudo)
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

# Rebuilds when the jar is missing or older than a source of the modules it contains.
setup_java() {
  local stale=""
  if [[ ! -f "$JAR" || ! -f "$TARGET/dependencies.txt" ]]; then
    stale="missing"
  elif [[ -n "$(find "$ROOT/pom.xml" "$ROOT/native/src" "$ROOT/native/Makefile" "$ROOT/native/hook-mongoose.sh" "$ROOT/reactor-mongoose/src/main" \
    "$ROOT/reactor-mongoose/pom.xml" "$ROOT/reactor-mongoose-spring/src/main" "$ROOT/reactor-mongoose-spring/pom.xml" "$BENCH_DIR/pom.xml" "$SRC/java" -newer "$JAR" -type f -print -quit)" ]]; then
    stale="older than its sources"
  fi
  if [[ -n "$stale" ]]; then
    log "building the project ($JAR $stale): mvn -B -ntp -q install -DskipTests -pl benchmarks -am"
    (cd "$ROOT" && mvn -B -ntp -q install -DskipTests -pl benchmarks -am)
  fi
  [[ -f "$JAR" ]] || die "no $JAR after the build"
}

mg_flags() { # the flags native/Makefile compiles mongoose.c with
  make -s -C "$ROOT/native" --no-print-directory \
    --eval 'rmg-print-flags: ; @echo $(CFLAGS_MG) $(FEATURE_DEFS) $(MG_DEFS)' rmg-print-flags
}

setup_c() {
  local mg="$ROOT/native/target/mongoose"
  if [[ ! -f "$mg/mongoose.c" ]]; then
    log "fetching the Mongoose sources: bash native/fetch-mongoose.sh"
    bash "$ROOT/native/fetch-mongoose.sh"
  fi
  read -r -a CFLAGS_C <<<"$(mg_flags)"
  ((${#CFLAGS_C[@]})) || die "could not read MG_DEFS from native/Makefile"
  C_BUILD=(gcc "${CFLAGS_C[@]}" -I"$mg" -o "$CBIN" "$SRC/c/hello.c" "$mg/mongoose.c")
  if [[ ! -x "$CBIN" || "$SRC/c/hello.c" -nt "$CBIN" || "$mg/mongoose.c" -nt "$CBIN" || "$ROOT/native/Makefile" -nt "$CBIN" ]]; then
    log "building the raw C server"
    "${C_BUILD[@]}"
  fi
}

setup_python() {
  if ! "$VENV/bin/python" -c 'import cymongoose' >/dev/null 2>&1; then
    log "creating $VENV with cymongoose==0.2.5"
    rm -rf "$VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q --disable-pip-version-check cymongoose==0.2.5
  fi
}

# The issue-14 peers: standalone Maven projects (Vert.x brings its own Netty; Helidon 4 needs Java 21),
# rebuilt when their jar is missing or older than their sources or the shared Workloads.java.
# Helidon is skipped (with a notice on the page) when no JDK >= 21 is found.
PEERS_STATUS=""
java_feature() { # java binary -> its feature version (17, 21, 25 ...)
  "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = \([0-9]*\).*/\1/p' | head -1
}
setup_peers() {
  local p dir jar j v
  if [[ " $PEERS " == *" helidon "* ]]; then
    for j in ${BENCH_JDK21:-} /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/*; do
      [[ -x "$j/bin/java" ]] || continue
      v="$(java_feature "$j/bin/java")"
      if [[ -n "$v" ]] && ((v >= 21)); then
        JDK21="$j"
        break
      fi
    done
    if [[ -z "$JDK21" ]]; then
      PEERS="$(echo " $PEERS " | sed 's/ helidon / /; s/^ *//; s/ *$//')"
      PEERS_STATUS="helidon skipped: no JDK >= 21 found (BENCH_JDK21, /usr/lib/jvm)"
      log "NOTICE: $PEERS_STATUS"
    fi
  fi
  for p in $PEERS; do
    dir="$BENCH_DIR/peers/$p" jar="$VERTX_JAR" j=""
    [[ "$p" == vertx ]] || jar="$HELIDON_JAR" j="$JDK21"
    if [[ ! -f "$jar" || -n "$(find "$dir/pom.xml" "$dir/src" "$SRC/java/io/github/reactormongoose/benchmarks/Workloads.java" -newer "$jar" -type f -print -quit)" ]]; then
      log "building the $p server: mvn -B -ntp -q -f benchmarks/peers/$p/pom.xml package${j:+ (JAVA_HOME=$j)}"
      (cd "$dir" && env ${j:+JAVA_HOME="$j"} mvn -B -ntp -q package) || die "could not build the $p server"
    fi
    [[ -f "$jar" ]] || die "no $jar after the build"
  done
}

raise_fd_limit() {
  local hard want=65536
  hard="$(ulimit -Hn)"
  if [[ "$hard" == unlimited || "$hard" -ge "$want" ]]; then
    ulimit -n "$want"
  else
    ulimit -n "$hard"
  fi
  ((IDLE_CONNS + 200 <= $(ulimit -n))) || die "ulimit -n is $(ulimit -n): too low for $IDLE_CONNS connections"
}

# ---------------------------------------------------------------- servers

declare -A PIDS=()
STARTS=0
CLIENT_PID=""

cleanup() {
  local id
  [[ -z "$CLIENT_PID" ]] || kill "$CLIENT_PID" 2>/dev/null || true
  for id in "${!PIDS[@]}"; do
    kill "${PIDS[$id]}" 2>/dev/null || true
  done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

server_cmd() { # id scenario port -> SERVER_CMD
  local id=$1 sc=$2 port=$3
  case "$id" in
    rawc) SERVER_CMD=("$CBIN" "$port" "$sc") ;;
    rmg) SERVER_CMD=(java "${JVM_OPTS[@]}" "${RMG_OPTS[@]}" -cp "$JAR" io.github.reactormongoose.benchmarks.MongooseServer "$port" "$sc") ;;
    netty) SERVER_CMD=(java "${JVM_OPTS[@]}" -cp "$JAR" io.github.reactormongoose.benchmarks.NettyServer "$port" "$sc") ;;
    cymongoose) SERVER_CMD=("$VENV/bin/python" "$SRC/python/cymongoose_hello.py" "$port" "$sc") ;;
    webflux-rmg) SERVER_CMD=(java "${JVM_OPTS[@]}" "${RMG_OPTS[@]}" -cp "$JAR" "$WEBFLUX_MAIN" "$port" "$sc" reactor-mongoose) ;;
    webflux-netty) SERVER_CMD=(java "${JVM_OPTS[@]}" -cp "$JAR" "$WEBFLUX_MAIN" "$port" "$sc" reactor-netty) ;;
    rawc-ac) SERVER_CMD=("$CBIN" "$port" "$sc") ;;
    rmg-l1) SERVER_CMD=(java "${JVM_OPTS[@]}" "${RMG_OPTS[@]}" -cp "$JAR" io.github.reactormongoose.benchmarks.MongooseServer "$port" "$sc" loops=1) ;;
    rmg-l2) SERVER_CMD=(java "${JVM_OPTS[@]}" "${RMG_OPTS[@]}" -cp "$JAR" io.github.reactormongoose.benchmarks.MongooseServer "$port" "$sc" loops=2) ;;
    rmg-l1-offload) SERVER_CMD=(java "${JVM_OPTS[@]}" "${RMG_OPTS[@]}" -cp "$JAR" io.github.reactormongoose.benchmarks.MongooseServer "$port" "$sc-offload" loops=1) ;;
    netty-ac) SERVER_CMD=(java "${JVM_OPTS[@]}" -cp "$JAR" io.github.reactormongoose.benchmarks.NettyServer "$port" "$sc") ;;
    webflux-rmg-l2) SERVER_CMD=(java "${JVM_OPTS[@]}" "${RMG_OPTS[@]}" -cp "$JAR" "$WEBFLUX_MAIN" "$port" "$sc" reactor-mongoose loops=2) ;;
    webflux-netty-ac) SERVER_CMD=(java "${JVM_OPTS[@]}" -cp "$JAR" "$WEBFLUX_MAIN" "$port" "$sc" reactor-netty) ;;
    rmg-tls) SERVER_CMD=(java "${JVM_OPTS[@]}" "${RMG_OPTS[@]}" -Dbench.tls.dir="$TARGET/tls" -cp "$JAR" io.github.reactormongoose.benchmarks.MongooseServer "$port" "$sc") ;;
    netty-tls) SERVER_CMD=(java "${JVM_OPTS[@]}" -Dbench.tls.dir="$TARGET/tls" -cp "$JAR" io.github.reactormongoose.benchmarks.NettyServer "$port" "$sc") ;;
    *) peer_cmd "$id" "$sc" "$port" || die "unknown server $id" ;;
  esac
}

peer_cmd() { # id scenario port -> SERVER_CMD (the issue-14 peers)
  case "$1" in
    vertx) SERVER_CMD=(java "${JVM_OPTS[@]}" -jar "$VERTX_JAR" "$3" "$2" loops=1) ;;
    vertx-ac) SERVER_CMD=(java "${JVM_OPTS[@]}" -jar "$VERTX_JAR" "$3" "$2" loops=2) ;;
    helidon | helidon-ac) SERVER_CMD=("$JDK21/bin/java" "${JVM_OPTS[@]}" -jar "$HELIDON_JAR" "$3" "$2") ;;
    *) return 1 ;;
  esac
}

jdk_bin() { # id tool -> the JDK tool (jcmd, jfr) that matches the JVM of that server
  if [[ "$1" == helidon* ]]; then echo "$JDK21/bin/$2"; else echo "$2"; fi
}

is_jvm() { [[ "$1" != rawc* && "$1" != cymongoose ]]; }

pin() { # id -> PIN (the taskset prefix of a server's command; empty for the all-cores servers)
  PIN=()
  [[ -n "${ALLCORES[$1]:-}" ]] || PIN=(taskset -c "$SERVER_CPU")
}

tls_certificate() { # a self-signed EC P-256 certificate for 127.0.0.1 in $TARGET/tls (no key leaves the run)
  mkdir -p "$TARGET/tls"
  openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$TARGET/tls/key.pem" \
    -out "$TARGET/tls/cert.pem" -days 2 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
    -addext basicConstraints=critical,CA:true >/dev/null 2>&1 || die "openssl could not make the TLS certificate"
}

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

start_server() { # id scenario
  local id=$1 sc=$2 port=${PORT[$1]} logf i
  STARTS=$((STARTS + 1))
  logf="$OUT/logs/$STARTS-$1-$2.log"
  port_free "$port" || die "port $port is in use"
  server_cmd "$id" "$sc" "$port"
  pin "$id"
  echo "${PIN[*]}${PIN[*]:+ }${SERVER_CMD[*]}" >>"$OUT/commands.txt"
  "${PIN[@]}" "${SERVER_CMD[@]}" >"$logf" 2>&1 &
  PIDS[$id]=$!
  for ((i = 0; i < 600; i++)); do
    grep -q '^READY' "$logf" 2>/dev/null && {
      log "started $id ($sc) pid ${PIDS[$id]}: $(grep -m1 '^READY' "$logf")"
      return 0
    }
    kill -0 "${PIDS[$id]}" 2>/dev/null || break
    sleep 0.1
  done
  cat "$logf" >&2
  die "$id did not start"
}

stop_server() { # id
  local id=$1 pid=${PIDS[$1]} i
  kill "$pid" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  unset "PIDS[$id]"
}

dep_version() { # groupId:artifactId [dependencies.txt] -> version, from target/dependencies.txt (written by the build)
  sed -n "s/^ *$1:jar:\([^:]*\):.*/\1/p" "${2:-$TARGET/dependencies.txt}" | head -1
}

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

# ---------------------------------------------------------------- load

# Client-side scenarios: name -> server scenario, wrk options (WRK_PIN: wrk's taskset prefix)
wrk_args() { # scenario seconds -> WRK_ARGS WRK_PIN
  WRK_PIN=(taskset -c "$CLIENT_CPU")
  case "$1" in
    hello-c50 | 64k | fib) WRK_ARGS=(-t1 -c50 -s "$SRC/lua/report.lua") ;;
    hello-c1000) WRK_ARGS=(-t1 -c1000 -s "$SRC/lua/report.lua") ;;
    hello-close) WRK_ARGS=(-t1 -c50 -H "Connection: close" -s "$SRC/lua/report.lua") ;;
    # HTTPS: keep-alive (TLS record cost), and a new connection and TLS handshake per request
    tls-hello-c50) WRK_ARGS=(-t1 -c50 -s "$SRC/lua/report.lua") ;;
    tls-handshake) WRK_ARGS=(-t1 -c50 -H "Connection: close" -s "$SRC/lua/report.lua") ;;
    echo-1mib) WRK_ARGS=(-t1 -c16 -s "$SRC/lua/post-1mib.lua") ;;
    file-1mib) WRK_ARGS=(-t1 -c16 -s "$SRC/lua/report.lua") ;;
    # all cores: wrk unpinned beside the unpinned server
    ac-hello-c50 | sha) WRK_ARGS=("-t$AC_WRK_THREADS" -c50 -s "$SRC/lua/report.lua") WRK_PIN=() ;;
    ac-hello-c1000) WRK_ARGS=("-t$AC_WRK_THREADS" -c1000 -s "$SRC/lua/report.lua") WRK_PIN=() ;;
    *) die "unknown scenario $1" ;;
  esac
  WRK_ARGS+=(-d "${2}s" --timeout 10s --latency)
}

run_wrk() { # scenario server seconds outfile
  local sc=$1 id=$2 secs=$3 out=$4
  wrk_args "$sc" "$secs"
  local scheme=http
  [[ "$sc" != tls-* ]] || scheme=https
  local cmd=("${WRK_PIN[@]}" wrk "${WRK_ARGS[@]}" "$scheme://127.0.0.1:${PORT[$id]}/")
  printf '%q ' "${cmd[@]}" >>"$OUT/commands.txt"
  echo >>"$OUT/commands.txt"
  "${cmd[@]}" >"$out" 2>&1 || log "wrk failed for $sc/$id (see $out)"
}

summarise_run() { # file -> one short line
  local rps b
  rps="$(awk '/^Requests\/sec:/ { print $2 }' "$1")"
  b="$(awk '/^RESULT/ { for (i = 2; i <= NF; i++) { split($i, kv, "="); r[kv[1]] = kv[2] } if (r["requests"] > 0) printf "%.1f", r["bytes"] / r["requests"] }' "$1")"
  echo "${rps:-?} req/s, $(awk '/ 99%/ { print $2 }' "$1") p99, ${b:-?} B/response"
}

# ---- noise control: this is a shared 2-CPU machine, other builds may run at any time.
CLK_TCK="$(getconf CLK_TCK)"
QUIET_BUDGET_USED=0

cpu_jiffies() { # "busy steal total" over all CPUs (busy = user+nice+system+irq+softirq)
  awk '/^cpu / { print $2 + $3 + $4 + $7 + $8, $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat
}
pid_jiffies() { # utime+stime of a process (all threads)
  sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | awk '{ print $12 + $13 }' || echo 0
}
children_jiffies() { # cutime+cstime of this shell's waited-for children (wrk)
  sed 's/^.*) //' "/proc/$$/stat" | awk '{ print $14 + $15 }'
}

# Waits (within the run's budget) until the machine is quiet: less than QUIET_PCT % of all CPUs
# busy over half a second while our servers idle.
wait_quiet() {
  local t0=$SECONDS b1 s1 t1 b2 s2 t2 busy
  WAITED=0
  ((QUIET_BUDGET > 0)) || return 0 # quick mode: no waiting (foreign load is still accounted)
  while :; do
    read -r b1 s1 t1 < <(cpu_jiffies)
    sleep 0.5
    read -r b2 s2 t2 < <(cpu_jiffies)
    busy=$(((b2 - b1) * 100 / (t2 - t1 > 0 ? t2 - t1 : 1)))
    ((busy < QUIET_PCT)) && break
    if ((QUIET_BUDGET_USED + SECONDS - t0 >= QUIET_BUDGET)); then
      log "machine busy (${busy}% of all CPUs) and the wait budget is spent: measuring anyway"
      break
    fi
  done
  QUIET_BUDGET_USED=$((QUIET_BUDGET_USED + SECONDS - t0))
  WAITED=$((SECONDS - t0))
}

# Runs one measured wrk run; accounts the CPU time of the server, of wrk and of everything else
# ("foreign"); repeats a run that foreign load disturbed, while the budget lasts.
measure() { # scenario server round
  local sc=$1 id=$2 r=$3 f attempt=0 pid=${PIDS[$2]}
  local b1 s1 t1 b2 s2 t2 p1 p2 c1 c2 srv wrkc foreign steal waited_total=0
  while :; do
    attempt=$((attempt + 1))
    wait_quiet
    waited_total=$((waited_total + WAITED))
    f="$OUT/wrk/$sc--$id--r$r.txt"
    ((attempt == 1)) || f="$OUT/wrk/$sc--$id--r$r--attempt$attempt.txt"
    [[ -z "${SPREAD[$id]:-}" ]] || spread_fetch "$id" /dev/null # reset the per-loop counts
    read -r b1 s1 t1 < <(cpu_jiffies)
    p1=$(pid_jiffies "$pid")
    c1=$(children_jiffies)
    run_wrk "$sc" "$id" "$DURATION" "$f"
    c2=$(children_jiffies)
    p2=$(pid_jiffies "$pid")
    read -r b2 s2 t2 < <(cpu_jiffies)
    [[ -z "${SPREAD[$id]:-}" ]] || spread_fetch "$id" "$OUT/spread/$(basename "$f")"
    srv=$((p2 - p1))
    wrkc=$((c2 - c1))
    foreign=$((b2 - b1 - srv - wrkc))
    ((foreign > 0)) || foreign=0
    steal=$((s2 - s1))
    # disturbed: foreign work above DISTURBED_PCT % of one CPU over the run
    if ((foreign * 100 > DISTURBED_PCT * DURATION * CLK_TCK)) && ((attempt < MAX_ATTEMPTS)) &&
      ((QUIET_BUDGET_USED < QUIET_BUDGET)); then
      log "round $r $sc $id: disturbed (other processes used $(awk -v j=$foreign -v hz=$CLK_TCK -v d=$DURATION 'BEGIN { printf "%.0f", j / hz / d * 100 }') % of a CPU), repeating"
      QUIET_BUDGET_USED=$((QUIET_BUDGET_USED + DURATION))
      sleep "$GAP"
      continue
    fi
    break
  done
  echo "$sc,$id,$r,wrk/$(basename "$f"),$(awk -v a=$srv -v b=$wrkc -v c=$foreign -v d=$steal -v hz=$CLK_TCK 'BEGIN { printf "%.2f,%.2f,%.2f,%.2f", a / hz, b / hz, c / hz, d / hz }'),$attempt,$waited_total" >>"$OUT/runs.csv"
  log "round $r $sc $id: $(summarise_run "$f"); server $(awk -v a=$srv -v hz=$CLK_TCK 'BEGIN { printf "%.1f", a / hz }') CPU-s, wrk $(awk -v a=$wrkc -v hz=$CLK_TCK 'BEGIN { printf "%.1f", a / hz }') CPU-s, foreign $(awk -v a=$foreign -v hz=$CLK_TCK 'BEGIN { printf "%.1f", a / hz }') CPU-s${SPREAD[$id]:+; per loop: $(awk '{ printf "%s%s %s", (NR > 1 ? ", " : ""), $1, $2 }' "$OUT/spread/$(basename "$f")" 2>/dev/null)}"
}

# The requests (and connections) each loop of a multi-loop reactor-mongoose server served since
# the previous fetch; the server resets its counts on every fetch.
spread_fetch() { # id outfile
  curl -s -m 5 "http://127.0.0.1:${PORT[$1]}/__spread" >"$2" || log "could not fetch the per-loop counts of $1"
}

# Client scenarios run against some servers of their group only: scenario -> "servers"
declare -A SC_ONLY=([ac-hello-c1000]="rmg-l1 rmg-l2 netty-ac")

# One group = the servers of one server-side scenario, started once, warmed, then measured in rounds.
run_group() { # server-scenario "client scenarios" "servers" [JVM warm-up seconds]
  local ssc=$1 scs=($2) ids=($3) wjvm=${4:-$WARMUP_JVM} id sc r
  log "=== group $ssc: servers ${ids[*]}; scenarios ${scs[*]}"
  for id in "${ids[@]}"; do start_server "$id" "$ssc"; done
  for id in "${ids[@]}"; do
    local w=$WARMUP_NATIVE
    is_jvm "$id" && w=$wjvm
    log "warm-up $id: ${w}s of ${scs[0]}"
    run_wrk "${scs[0]}" "$id" "$w" "$OUT/wrk/warmup-$ssc-$id.txt"
  done
  for ((r = 1; r <= ROUNDS; r++)); do
    for sc in "${scs[@]}"; do
      for id in "${ids[@]}"; do
        [[ -z "${SC_ONLY[$sc]:-}" || " ${SC_ONLY[$sc]} " == *" $id "* ]] || continue
        sleep "$GAP"
        measure "$sc" "$id" "$r"
      done
    done
  done
  if [[ "$ssc" == hello ]] && [[ " ${ids[*]} " == *" rmg "* ]]; then
    profile_rmg
    perf_profile rmg hello-c50
    perf_profile rawc hello-c50
  fi
  if [[ "$ssc" == echo && "$MODE" == full ]] && [[ " ${ids[*]} " == *" rmg "* ]]; then
    perf_profile rmg echo-1mib
    perf_profile rawc echo-1mib
  fi
  peer_profiles "$ssc" "${ids[*]}"
  for id in "${ids[@]}"; do stop_server "$id"; done
}

# JFR: 'profile' settings on a running hello server (ours: rmg; the peers with BENCH_PROFILE_PEERS)
# while wrk -c50 loads it. Files: jfr/<id>-hello.jfr and jfr/[<id>-]summary|execution-samples|native-samples.txt
# (no prefix for ours).
profile_rmg() { profile_jfr rmg; }
profile_jfr() { # id
  local id=$1 pid=${PIDS[$1]} jfr="$OUT/jfr/$1-hello.jfr" i pre="$1-" jcmd jfrt
  [[ "$id" != rmg ]] || pre=""
  jcmd="$(jdk_bin "$id" jcmd)" jfrt="$(jdk_bin "$id" jfr)"
  wait_quiet
  log "JFR: ${JFR_SECS}s profile of the $id hello server under wrk -c50"
  "$jcmd" "$pid" JFR.start name=bench settings=profile "duration=${JFR_SECS}s" "filename=$jfr" >"$OUT/jfr/${pre}jcmd.txt" 2>&1
  echo "jcmd PID JFR.start name=bench settings=profile duration=${JFR_SECS}s filename=$id-hello.jfr" >>"$OUT/commands.txt"
  run_wrk hello-c50 "$id" "$JFR_SECS" "$OUT/jfr/${pre}wrk-during-jfr.txt"
  for ((i = 0; i < 100; i++)); do
    [[ -s "$jfr" ]] && ! "$jcmd" "$pid" JFR.check 2>/dev/null | grep -q 'name=bench' && break
    sleep 0.2
  done
  sleep 1
  "$jfrt" summary "$jfr" >"$OUT/jfr/${pre}summary.txt" 2>&1 || true
  "$jfrt" print --stack-depth 64 --events jdk.ExecutionSample "$jfr" >"$OUT/jfr/${pre}execution-samples.txt" 2>&1 || true
  "$jfrt" print --stack-depth 64 --events jdk.NativeMethodSample "$jfr" >"$OUT/jfr/${pre}native-samples.txt" 2>&1 || true
  echo "jfr summary $id-hello.jfr; jfr print --stack-depth 64 --events jdk.ExecutionSample $id-hello.jfr; jfr print --stack-depth 64 --events jdk.NativeMethodSample $id-hello.jfr" >>"$OUT/commands.txt"
}

# The peers' profiles, as of ours (BENCH_PROFILE_PEERS=1): JFR + perf under hello -c50, perf under the
# 1 MiB echo in full mode.
peer_profiles() { # server-scenario "servers"
  local id
  ((PROFILE_PEERS)) || return 0
  for id in $2; do
    [[ "$id" == vertx || "$id" == helidon ]] || continue
    if [[ "$1" == hello ]]; then
      profile_jfr "$id"
      perf_profile "$id" hello-c50
    elif [[ "$1" == echo && "$MODE" == full ]]; then
      perf_profile "$id" echo-1mib
    fi
  done
}

# perf (cpu-clock sampling, all threads of the process) of a running server under one client
# scenario: where the CPU goes by binary (kernel, Mongoose library, JVM, JIT-compiled Java) and symbol.
perf_profile() { # id client-scenario
  local id=$1 sc=$2 pid=${PIDS[$1]} data="$OUT/perf/$1-$2.data" ppid
  if ! command -v perf >/dev/null 2>&1; then
    echo "perf not installed" >"$OUT/perf/$id-$sc-dso.txt"
    return 0
  fi
  wait_quiet
  log "perf: ${PROF_SECS}s cpu-clock profile of the $id server under $sc"
  taskset -c "$CLIENT_CPU" perf record -e cpu-clock -F 499 -p "$pid" -o "$data" -- sleep "$PROF_SECS" >"$OUT/perf/$id-$sc-record.txt" 2>&1 &
  ppid=$!
  run_wrk "$sc" "$id" "$PROF_SECS" "$OUT/perf/$id-$sc-wrk.txt"
  wait "$ppid" || true
  echo "taskset -c $CLIENT_CPU perf record -e cpu-clock -F 499 -p PID -o $id-$sc.data -- sleep $PROF_SECS; perf report --stdio --no-children --sort dso[,sym]" >>"$OUT/commands.txt"
  perf report -i "$data" --stdio --no-children --sort dso >"$OUT/perf/$id-$sc-dso.txt" 2>/dev/null || true
  perf report -i "$data" --stdio --no-children --sort dso,sym >"$OUT/perf/$id-$sc-sym.txt" 2>/dev/null || true
  rm -f "$data.old"
}

# ---------------------------------------------------------------- idle connections

idle_test() { # id
  local id=$1 port=${PORT[$1]} d="$OUT/idle" pid client_log ready=0 i body
  wait_quiet
  start_server "$id" hello
  pid=${PIDS[$id]}
  run_wrk hello-c50 "$id" "$IDLE_WARM" "$d/$id-warm.txt" # touch the heap/arenas once, as a running server would
  sleep "$SETTLE"
  if is_jvm "$id"; then
    "$(jdk_bin "$id" jcmd)" "$pid" GC.run >/dev/null
    "$(jdk_bin "$id" jcmd)" "$pid" GC.heap_info >"$d/$id-heap-before.txt"
  fi
  rss_kb "$pid" >"$d/$id-rss-before.txt"
  client_log="$d/$id-client.log"
  echo "jcmd PID GC.run; jcmd PID GC.heap_info; grep VmRSS /proc/PID/status   # before and after:" >>"$OUT/commands.txt"
  echo "taskset -c $CLIENT_CPU python3 benchmarks/src/main/python/idle_clients.py $port $IDLE_CONNS 120" >>"$OUT/commands.txt"
  taskset -c "$CLIENT_CPU" python3 "$SRC/python/idle_clients.py" "$port" "$IDLE_CONNS" 120 >"$client_log" 2>&1 &
  CLIENT_PID=$!
  for ((i = 0; i < 1200; i++)); do
    if grep -q '^READY' "$client_log"; then
      ready=1
      break
    fi
    kill -0 "$CLIENT_PID" 2>/dev/null || break
    sleep 0.1
  done
  if ((ready)); then
    sleep "$IDLE_SETTLE"
    body="$(curl -s -m 5 "http://127.0.0.1:$port/" || true)"
    echo "$body" >"$d/$id-probe.txt"
    if is_jvm "$id"; then
      "$(jdk_bin "$id" jcmd)" "$pid" GC.run >/dev/null
      "$(jdk_bin "$id" jcmd)" "$pid" GC.heap_info >"$d/$id-heap-after.txt"
    fi
    rss_kb "$pid" >"$d/$id-rss-after.txt"
    ss -Htn state established "( sport = :$port )" 2>/dev/null | wc -l >"$d/$id-established.txt" || true
    log "idle $id: $(grep -m1 READY "$client_log"), RSS $(cat "$d/$id-rss-before.txt") -> $(cat "$d/$id-rss-after.txt") kB, probe '$body'"
  else
    log "idle $id: client failed: $(tail -3 "$client_log")"
  fi
  kill "$CLIENT_PID" 2>/dev/null || true
  wait "$CLIENT_PID" 2>/dev/null || true
  CLIENT_PID=""
  stop_server "$id"
  sleep "$SETTLE"
}

# ---------------------------------------------------------------- 1 GiB streamed download

# One connection at a time downloads the server's 1 GiB streamed body (scenario download: 64 KiB
# buffers, Content-Length) with curl pinned to the client CPU: DL_WARM warm-up downloads, then
# DL_RUNS measured ones, one line each in <id>-curl.txt (the page reports their median). Recorded:
# MB/s (curl's average per download), the server's RSS before and its peak during the measured
# downloads (VmHWM, reset just before), and the peak of its Java heap in use (jstat -gc every
# 100 ms: S0U+S1U+EU+OU).
download_test() { # id (rmg-tls, netty-tls: over HTTPS with the run's self-signed certificate)
  local id=$1 port=${PORT[$1]} d="$OUT/download" pid jp scheme=http
  [[ "$id" == *-tls ]] && scheme=https
  mkdir -p "$d"
  wait_quiet
  start_server "$id" download
  pid=${PIDS[$id]}
  for ((i = 0; i < DL_WARM; i++)); do
    taskset -c "$CLIENT_CPU" curl -sk -o /dev/null "$scheme://127.0.0.1:$port/" || log "download $id: warm-up failed"
  done
  sleep "$SETTLE"
  jcmd "$pid" GC.run >/dev/null
  jcmd "$pid" GC.heap_info >"$d/$id-heap-before.txt"
  rss_kb "$pid" >"$d/$id-rss-before.txt"
  echo 5 >"/proc/$pid/clear_refs" 2>/dev/null || true # resets VmHWM to the current RSS
  jstat -gc "$pid" 100 >"$d/$id-jstat.txt" 2>&1 &
  jp=$!
  echo "taskset -c $CLIENT_CPU curl -sk -o /dev/null -w '%{size_download} %{time_total} %{speed_download}' $scheme://127.0.0.1:PORT/   # $DL_WARM warm-up and $DL_RUNS measured downloads; jstat -gc PID 100 beside them; VmHWM after" >>"$OUT/commands.txt"
  : >"$d/$id-curl.txt"
  for ((i = 0; i < DL_RUNS; i++)); do
    taskset -c "$CLIENT_CPU" curl -sk -o /dev/null -w '%{size_download} %{time_total} %{speed_download}\n' \
      "$scheme://127.0.0.1:$port/" >>"$d/$id-curl.txt" || log "download $id: curl failed"
  done
  kill "$jp" 2>/dev/null || true
  wait "$jp" 2>/dev/null || true
  awk '/^VmHWM:/ { print $2 }' "/proc/$pid/status" >"$d/$id-rss-peak.txt"
  # heap in use: S0U S1U EU OU are columns 3, 4, 6, 8 of jstat -gc
  awk '$1 ~ /^[0-9.]+$/ { u = $3 + $4 + $6 + $8; if (u > m) m = u } END { printf "%.0f\n", m }' "$d/$id-jstat.txt" >"$d/$id-heap-peak.txt"
  log "download $id: $(awk '{ printf "%s%.0f", (NR > 1 ? " / " : ""), $3 / 1e6 } END { printf " MB/s in %d downloads of %d bytes", NR, $1 }' "$d/$id-curl.txt"), RSS $(cat "$d/$id-rss-before.txt") -> peak $(cat "$d/$id-rss-peak.txt") kB, heap peak $(cat "$d/$id-heap-peak.txt") kB"
  stop_server "$id"
  sleep "$SETTLE"
}

# ---------------------------------------------------------------- HTTP clients (issue 10)

# Client requests/s over keep-alive, 50 requests in flight, against the raw C hello server
# (pinned to the server CPU; the client JVM pinned to the other): reactor-mongoose HttpClient
# (one loop), Reactor Netty HttpClient (defaults), JDK HttpClient (HTTP/1.1), interleaved in
# rounds. Then a streamed 64 MiB download per client with -Xmx32m (it only fits if the body
# streams) and the peak heap growth. Raw lines: client/*.txt; summary: client/summary.txt.
# report.py turns them into the "HTTP clients" table of docs/benchmarks.md.
CLIENTS=(rmg netty jdk)
client_bench() {
  local d="$OUT/client" r c f warm
  mkdir -p "$d"
  warm=$((WARMUP_JVM < 10 ? WARMUP_JVM : 10))
  start_server rawc hello
  for ((r = 1; r <= ROUNDS; r++)); do
    for c in "${CLIENTS[@]}"; do
      wait_quiet
      f="$d/rps-$c-r$r.txt"
      echo "taskset -c $CLIENT_CPU java ${JVM_OPTS[*]} -cp benchmarks.jar io.github.reactormongoose.benchmarks.ClientLoad rps $c http://127.0.0.1:${PORT[rawc]}/ 50 $warm $DURATION" >>"$OUT/commands.txt"
      taskset -c "$CLIENT_CPU" java "${JVM_OPTS[@]}" "${RMG_OPTS[@]}" -cp "$JAR" io.github.reactormongoose.benchmarks.ClientLoad \
        rps "$c" "http://127.0.0.1:${PORT[rawc]}/" 50 "$warm" "$DURATION" >"$f" 2>&1 || log "client $c failed (see $f)"
      log "client r$r: $(grep -m1 '^RESULT' "$f" || echo "$c: no result")"
    done
  done
  stop_server rawc
  for c in "${CLIENTS[@]}"; do
    f="$d/download-$c.txt"
    echo "java -Xmx32m -cp benchmarks.jar io.github.reactormongoose.benchmarks.ClientLoad download $c" >>"$OUT/commands.txt"
    java -Xmx32m "${RMG_OPTS[@]}" -cp "$JAR" io.github.reactormongoose.benchmarks.ClientLoad download "$c" >"$f" 2>&1 \
      || log "download $c failed (see $f)"
    log "client $(grep -m1 '^RESULT' "$f" || echo "download $c: no result")"
  done
  grep -h '^RESULT' "$d"/*.txt >"$d/summary.txt" || true
}

# ---------------------------------------------------------------- MQTT clients (issue 12)

# benchmarks/mqtt.sh against a Mosquitto it starts on a free port: this library's MqttClient and
# Eclipse Paho in one JVM, interleaved rounds, QoS 0 and QoS 1 (100 in flight) publish rates and
# publish-to-receive latency. Nothing pinned: the broker, the client JVM's poll thread and its
# publishing thread share both CPUs (the same for both clients).
MQTT_MESSAGES="${BENCH_MQTT_MESSAGES:-500000}"
mqtt_test() {
  local d="$OUT/mqtt" samples=5000 msgs=$MQTT_MESSAGES
  [[ "$MODE" == quick ]] && { samples=500; msgs=20000; }
  mkdir -p "$d"
  if [[ ! -x /usr/sbin/mosquitto ]]; then
    log "MQTT: skipped, /usr/sbin/mosquitto is missing (Debian package mosquitto)"
    echo "SKIPPED mqtt: /usr/sbin/mosquitto missing" >"$d/mqtt.txt"
    return
  fi
  wait_quiet
  echo "BENCH_MQTT_SKIP_BUILD=1 benchmarks/mqtt.sh $msgs $samples $ROUNDS" >>"$OUT/commands.txt"
  BENCH_MQTT_SKIP_BUILD=1 bash "$BENCH_DIR/mqtt.sh" "$msgs" "$samples" "$ROUNDS" >"$d/mqtt.txt" 2>&1 || log "MQTT benchmark failed (see $d/mqtt.txt)"
  grep -h '^RESULT\|^ratio' "$d/mqtt.txt" | while read -r l; do log "MQTT: $l"; done
}

# ---------------------------------------------------------------- 1 GiB streamed upload

# One connection uploads UPLOAD_MIB MiB (1 GiB; BENCH_UPLOAD_MIB overrides) with curl
# (Content-Length, read from a sparse file read once beforehand: no disk I/O, page cache warm) to the upload scenario, whose handler
# counts the streamed body piece by piece; reactor-mongoose, Reactor Netty and the issue-14 peers, pinned like
# the other server-side scenarios and started once, warmed with 64 MiB, then measured in
# interleaved rounds. Per run: MB/s (curl's speed_upload), the server's peak RSS during the
# upload (VmHWM, reset to the current RSS before the run by writing 5 to /proc/PID/clear_refs)
# against its RSS before, and the most Java heap in use the handler saw (answered by the server).
UPLOAD_MIB="${BENCH_UPLOAD_MIB:-1024}"
upload_test() { # "servers"
  local ids=($1) d="$OUT/upload" f="$TARGET/upload.bin" id r pid before out url jp
  mkdir -p "$d"
  truncate -s "${UPLOAD_MIB}M" "$f"
  # Read the fresh sparse file once before any round: the first reader of its holes pays for
  # filling the page cache (a fresh file uploaded at about 390 MB/s, then 1.9-2.4 GB/s, whichever
  # server came first), and reactor-mongoose, always first, took that cost in every round 1.
  cat "$f" >/dev/null
  for id in "${ids[@]}"; do
    start_server "$id" upload
    head -c 64M /dev/zero | curl -sS -m 120 -X POST -T - "http://127.0.0.1:${PORT[$id]}/" >"$d/$id-warm.txt" 2>&1 ||
      log "upload warm-up failed for $id"
  done
  echo "curl -sS -X POST -T upload.bin -H 'Expect:' -w '...' http://127.0.0.1:PORT/   # upload.bin: truncate -s ${UPLOAD_MIB}M" >>"$OUT/commands.txt"
  for ((r = 1; r <= ROUNDS; r++)); do
    for id in "${ids[@]}"; do
      wait_quiet
      pid=${PIDS[$id]}
      out="$d/$id-$r.txt"
      url="http://127.0.0.1:${PORT[$id]}/"
      echo 5 >"/proc/$pid/clear_refs" 2>/dev/null || log "cannot reset VmHWM of $id: its peak covers the whole process life"
      before=$(rss_kb "$pid")
      # the heap that survives collections (S0U+S1U+OU of jstat -gc, every 100 ms) from a full
      # GC before the upload to its peak: what the server keeps of the body, garbage excluded
      jcmd "$pid" GC.run >/dev/null 2>&1 || true
      jstat -gc "$pid" 100 >"$d/$id-$r-jstat.txt" 2>&1 &
      jp=$!
      taskset -c "$CLIENT_CPU" curl -sS -m 600 -X POST -T "$f" -H 'Expect:' \
        -w 'speed_upload=%{speed_upload}\ntime_total=%{time_total}\n' "$url" >"$out" 2>&1 ||
        log "upload failed for $id (see $out)"
      kill "$jp" 2>/dev/null || true
      wait "$jp" 2>/dev/null || true
      {
        echo "upload_bytes=$((UPLOAD_MIB * 1024 * 1024))"
        echo "rss_before_kb=$before"
        echo "vm_hwm_kb=$(awk '/^VmHWM:/ { print $2 }' "/proc/$pid/status")"
        # S0U S1U OU are columns 3, 4, 8 of jstat -gc
        awk '$1 ~ /^[0-9.]+$/ { u = $3 + $4 + $8; if (n++ == 0) b = u; if (u > m) m = u }
          END { if (n) printf "retained_before_kb=%.0f\nretained_peak_kb=%.0f\n", b, m }' "$d/$id-$r-jstat.txt"
      } >>"$out"
      log "upload $id round $r: $(tr '\n' ' ' <"$out")"
    done
  done
  for id in "${ids[@]}"; do stop_server "$id"; done
  rm -f "$f"
}

# ---------------------------------------------------------------- WebFlux hook

# WebFlux on reactor-mongoose vs WebFlux on Reactor Netty: the same Spring WebFlux functional
# application, in benchmarks.jar (the benchmarks module depends on reactor-mongoose-spring and
# spring-webflux):
#   java -cp benchmarks.jar io.github.reactormongoose.benchmarks.WebFluxServer PORT hello ENGINE
#   (ENGINE = reactor-mongoose | reactor-netty; prints a line starting with READY when bound)
# Enabled whenever that class is in the jar. Only the hello keep-alive -c50 scenario is run for it.
WEBFLUX_MAIN=io.github.reactormongoose.benchmarks.WebFluxServer
WEBFLUX_STATUS="skipped: no ${WEBFLUX_MAIN##*.} in benchmarks.jar"
webflux_hook() {
  python3 -c 'import sys, zipfile; sys.exit(0 if sys.argv[2] in zipfile.ZipFile(sys.argv[1]).namelist() else 1)' \
    "$JAR" "${WEBFLUX_MAIN//.//}.class" || return 1
  WEBFLUX_STATUS="run: hello-c50 only"
}

# ---------------------------------------------------------------- main

T0=$SECONDS
log "reactor-mongoose benchmarks, $MODE mode, results in $OUT"
setup_tools
setup_java
if [[ -n "$ONLY" ]]; then
  # a few scenarios by hand: no C/Python setup, no report, docs/ untouched (the peers are set
  # up: Helidon needs the JDK >= 21 that setup_peers finds)
  setup_peers
  raise_fd_limit
  echo "scenario,server,round,file,server_cpu_s,wrk_cpu_s,foreign_cpu_s,steal_cpu_s,attempts,waited_s" >"$OUT/runs.csv"
  : >"$OUT/commands.txt"
  for sc in ${ONLY//,/ }; do
    case "$sc" in
      download) tls_certificate; for id in rmg netty $PEERS webflux-rmg webflux-netty rmg-tls netty-tls; do download_test "$id"; done ;;
      file-1mib) run_group file "file-1mib" "rmg netty $PEERS" ;;
      idle) for id in rmg netty; do idle_test "$id"; done ;;
      tls) tls_certificate; run_group hello "tls-hello-c50 tls-handshake" "${TLS_SERVERS[*]}" ;;
      upload) upload_test "rmg netty $PEERS" ;;
      mqtt) mqtt_test ;;
      *) die "--only: unknown scenario $sc (download, file-1mib, idle, tls, mqtt, upload)" ;;
    esac
  done
  log "done in $((SECONDS - T0)) s (--only $ONLY, no report): $OUT"
  exit 0
fi
setup_c
setup_python
setup_peers
raise_fd_limit

SERVERS=(rawc rmg netty cymongoose)
WEBFLUX_SERVERS=()
if webflux_hook; then
  WEBFLUX_SERVERS=(webflux-rmg webflux-netty)
fi
log "WebFlux comparison: $WEBFLUX_STATUS"
AC_SERVERS=(rawc-ac rmg-l1 rmg-l2 netty-ac)
((${#WEBFLUX_SERVERS[@]} == 0)) || AC_SERVERS+=(webflux-rmg-l2 webflux-netty-ac)
SHA_SERVERS=(rmg-l1 rmg-l2 rmg-l1-offload netty-ac)
# Issue 14 peers: in every group (pinned, all cores, the 1,000-connection all-cores runs, sha, idle)
for p in $PEERS; do
  SERVERS+=("$p")
  AC_SERVERS+=("$p-ac")
  SHA_SERVERS+=("$p-ac")
  SC_ONLY[ac-hello-c1000]+=" $p-ac"
done

{
  echo "mode=$MODE"
  echo "stamp=$STAMP"
  echo "rounds=$ROUNDS"
  echo "duration=$DURATION"
  echo "warmup_jvm=$WARMUP_JVM"
  echo "warmup_native=$WARMUP_NATIVE"
  echo "jfr_secs=$JFR_SECS"
  echo "prof_secs=$PROF_SECS"
  echo "jfc=$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")/lib/jfr/profile.jfc"
  echo "idle_conns=$IDLE_CONNS"
  echo "idle_warm=$IDLE_WARM"
  echo "idle_settle=$IDLE_SETTLE"
  echo "upload_mib=$UPLOAD_MIB"
  echo "quiet_pct=$QUIET_PCT"
  echo "disturbed_pct=$DISTURBED_PCT"
  echo "max_attempts=$MAX_ATTEMPTS"
  echo "quiet_budget=$QUIET_BUDGET"
  echo "jmh_opts=${JMH_OPTS[*]}"
  echo "jvm_opts=${JVM_OPTS[*]}"
  echo "servers=${SERVERS[*]} ${WEBFLUX_SERVERS[*]}"
  echo "ac_servers=${AC_SERVERS[*]}"
  echo "sha_servers=${SHA_SERVERS[*]}"
  echo "tls_servers=${TLS_SERVERS[*]}"
  echo "ac_warmup_jvm=$AC_WARMUP_JVM"
  echo "ac_wrk_threads=$AC_WRK_THREADS"
  echo "ac_c1000_servers=${SC_ONLY[ac-hello-c1000]}"
  echo "mqtt_messages=$MQTT_MESSAGES"
  echo "sha_kib=$SHA_KIB"
  echo "webflux=$WEBFLUX_STATUS"
  echo "peers=$PEERS"
  echo "peers_status=$PEERS_STATUS"
  echo "profile_peers=$PROFILE_PEERS"
  echo "cpu_model=$(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -1)"
  echo "cpus=$(nproc --all)"
  echo "cores_per_socket=$(lscpu | sed -n 's/^Core(s) per socket:[[:space:]]*//p' | head -1)"
  echo "threads_per_core=$(lscpu | sed -n 's/^Thread(s) per core:[[:space:]]*//p' | head -1)"
  echo "hypervisor=$(lscpu | sed -n 's/^Hypervisor vendor:[[:space:]]*//p' | head -1)"
  echo "mem_total=$(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
  echo "kernel=$(uname -sr)"
  echo "os=$(. /etc/os-release && echo "$PRETTY_NAME")"
  echo "java=$(java -version 2>&1 | head -2 | tail -1)"
  echo "gcc=$(gcc --version | head -1)"
  echo "mongoose=$(sed -n 's/^#define MG_VERSION "\(.*\)"/\1/p' "$ROOT/native/target/mongoose/mongoose.h" | head -1)"
  echo "mongoose_source=cymongoose $(sed -n 's/^cymongoose.version=//p' "$ROOT/native/mongoose-source.properties") sdist"
  echo "reactor_netty=$(dep_version io.projectreactor.netty:reactor-netty-http)"
  echo "reactor_core=$(dep_version io.projectreactor:reactor-core)"
  echo "netty=$(dep_version io.netty:netty-codec-http)"
  echo "jmh=$(dep_version org.openjdk.jmh:jmh-core)"
  echo "spring_webflux=$(dep_version org.springframework:spring-webflux)"
  if [[ " $PEERS " == *" vertx "* ]]; then
    echo "vertx=$(dep_version io.vertx:vertx-core "$BENCH_DIR/peers/vertx/target/dependencies.txt")"
    echo "vertx_netty=$(dep_version io.netty:netty-codec-http "$BENCH_DIR/peers/vertx/target/dependencies.txt")"
  fi
  if [[ " $PEERS " == *" helidon "* ]]; then
    echo "helidon=$(dep_version io.helidon.webserver:helidon-webserver "$BENCH_DIR/peers/helidon/target/dependencies.txt")"
    echo "helidon_java=$("$JDK21/bin/java" -version 2>&1 | head -2 | tail -1)"
    echo "helidon_jdk=$JDK21"
  fi
  echo "cymongoose=$("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("cymongoose"))')"
  echo "python=$("$VENV/bin/python" -c 'import sys; print(sys.version.split()[0])')"
  echo "wrk=$(wrk -v 2>&1 | head -1 | awk '{ print $1, $2, $3 }')"
  echo "gnuplot=$(gnuplot --version)"
  echo "ulimit_n=$(ulimit -n)"
  echo "c_build=${C_BUILD[*]}"
} >"$OUT/meta.txt"
sed "s|$ROOT/||g" "$OUT/meta.txt"
echo "scenario,server,round,file,server_cpu_s,wrk_cpu_s,foreign_cpu_s,steal_cpu_s,attempts,waited_s" >"$OUT/runs.csv"
: >"$OUT/commands.txt"

NATIVE_AND_JAVA="${SERVERS[*]}"
JAVA_ONLY="rmg netty $PEERS"

run_group hello "hello-c50 hello-c1000 hello-close" "$NATIVE_AND_JAVA"
# WebFlux on both engines: hello keep-alive -c50 only (a group of its own, interleaved rounds)
if ((${#WEBFLUX_SERVERS[@]})); then run_group hello "hello-c50" "${WEBFLUX_SERVERS[*]}"; fi
run_group 64k "64k" "$NATIVE_AND_JAVA"
run_group echo "echo-1mib" "$NATIVE_AND_JAVA"
run_group fib "fib" "$JAVA_ONLY"
# HTTPS (issue 11): reactor-mongoose (built-in TLS 1.3) vs Reactor Netty (JDK provider), pinned
tls_certificate
run_group hello "tls-hello-c50 tls-handshake" "${TLS_SERVERS[*]}"
run_group file "file-1mib" "rmg netty $PEERS" # Helidon copies the file (its core has no sendfile)
# All cores (nothing pinned): hello at 50 connections against every server, at 1,000 against
# reactor-mongoose (1 and 2 loops) and Reactor Netty; then the CPU-heavy handler.
echo "curl -s http://127.0.0.1:${PORT[rmg-l2]}/__spread   # per-loop counts of the 2-loop server, before (reset) and after each of its runs" >>"$OUT/commands.txt"
run_group hello "ac-hello-c50 ac-hello-c1000" "${AC_SERVERS[*]}" "$AC_WARMUP_JVM"
run_group sha "sha" "${SHA_SERVERS[*]}" "$AC_WARMUP_JVM"

log "=== HTTP clients: requests/s at 50 in flight against raw C, and a streamed 64 MiB download"
client_bench

log "=== MQTT clients against Mosquitto: reactor-mongoose and Eclipse Paho"
mqtt_test

log "=== ${IDLE_CONNS} idle keep-alive connections"
for id in "${SERVERS[@]}"; do idle_test "$id"; done

log "=== ${UPLOAD_MIB} MiB streamed upload, one connection"
upload_test "rmg netty $PEERS"

log "=== 1 GiB streamed download, one connection (also over HTTPS: reactor-mongoose and Reactor Netty)"
for id in rmg netty $PEERS webflux-rmg webflux-netty rmg-tls netty-tls; do download_test "$id"; done

log "=== JMH micro-benchmarks: java -jar benchmarks.jar ${JMH_OPTS[*]}"
echo "java -jar benchmarks/target/benchmarks.jar ${JMH_OPTS[*]} -rf json -rff jmh/jmh.json" >>"$OUT/commands.txt"
wait_quiet
java -jar "$JAR" "${JMH_OPTS[@]}" -rf json -rff "$OUT/jmh/jmh.json" >"$OUT/jmh/jmh.txt" 2>&1 || log "JMH failed (see jmh/jmh.txt)"
sed -n '/^Benchmark /,$p' "$OUT/jmh/jmh.txt"

echo "elapsed_seconds=$((SECONDS - T0))" >>"$OUT/meta.txt"
echo "quiet_budget_used=$QUIET_BUDGET_USED" >>"$OUT/meta.txt"
log "=== report"
python3 "$SRC/python/report.py" "$OUT" "$ROOT"
log "done in $((SECONDS - T0)) s: docs/benchmarks.md, docs/benchmarks.png, $OUT"
