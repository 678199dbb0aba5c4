#!/usr/bin/env bash
# Builds reactor-mongoose and starts the demo server (examples/.../DemoServer.java).
#
#   ./run-demo.sh            # http://127.0.0.1:8000
#   PORT=9000 ./run-demo.sh  # another port; HOST=0.0.0.0 listens on every IPv4 address
#
# Extra arguments go to 'mvn install' (for example -Dmongoose.home=DIR). Ctrl-C stops the server.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

HOST="${HOST:-127.0.0.1}"
PORT="${PORT:-8000}"

die() {
  echo "run-demo: $*" >&2
  exit 1
}

# ---- 1. tools ---------------------------------------------------------------
command -v java >/dev/null 2>&1 || die "java not found: install a JDK 17 or newer."
command -v mvn >/dev/null 2>&1 || die "mvn not found: install Apache Maven 3.8 or newer."
java_major="$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')"
[[ "${java_major%%.*}" -ge 17 ]] 2>/dev/null || die "Java 17 or newer is needed, found '${java_major:-unknown}'."
command -v make >/dev/null 2>&1 || die "make not found: the native library is built with make and gcc."
command -v "${CC:-gcc}" >/dev/null 2>&1 || die "${CC:-gcc} not found: install a C compiler (gcc)."
# The Mongoose sources come from the cymongoose sdist via pip, unless given with -Dmongoose.home
# or MONGOOSE_HOME, or already in native/.mongoose-cache.
cym_version="$(sed -n 's/^cymongoose.version=//p' native/mongoose-source.properties)"
if [[ -z "${MONGOOSE_HOME:-}" && "$*" != *mongoose.home* \
      && ! -f "native/.mongoose-cache/$cym_version/mongoose.c" ]]; then
  command -v python3 >/dev/null 2>&1 || die "python3 not found: it fetches the Mongoose sources (or pass -Dmongoose.home=DIR)."
  python3 -m pip --version >/dev/null 2>&1 \
    || die "pip for python3 not found: it fetches the Mongoose sources (or pass -Dmongoose.home=DIR)."
fi

# ---- 2. build -----------------------------------------------------------------
echo "Building reactor-mongoose (mvn install, tests skipped)..."
mvn -B -ntp -q -DskipTests -Dfuzz.skip=true -Dcross.skip=true install "$@"

CP_FILE="examples/target/demo.classpath"
mvn -B -ntp -q -pl examples dependency:build-classpath \
  -Dmdep.includeScope=runtime -Dmdep.outputFile="$PWD/$CP_FILE"
shopt -s nullglob
jars=(examples/target/reactor-mongoose-examples-*.jar)
[[ ${#jars[@]} -eq 1 ]] || die "expected one examples jar in examples/target, found ${#jars[@]}."
CLASSPATH_ALL="${jars[0]}:$(cat "$CP_FILE")"

# ---- 3. run -----------------------------------------------------------------
URL_HOST="$HOST"
[[ "$HOST" == *:* ]] && URL_HOST="[$HOST]"
echo "Starting the demo: open http://$URL_HOST:$PORT/ (Ctrl-C stops it)"
# native access for the class path: Java 24+ warns without it (JEP 472); 17 to 23 accept it
exec java --enable-native-access=ALL-UNNAMED -Dhost="$HOST" -Dport="$PORT" -cp "$CLASSPATH_ALL" \
  io.github.reactormongoose.examples.DemoServer
