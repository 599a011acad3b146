#!/usr/bin/env bash
# WASI I/O benchmark (issue 5, item 3): fd_write of 1 byte and of 64 KiB and a 1 MiB file read,
# timed inside the same app on every engine, against a native write(2)/read(2) baseline, in one
# run. Not a test: nothing here runs in `mvn verify`. Usage: bench/wasi-io/run.sh [quick]
#   quick   1/10 of the work, for checking the harness itself
# Output: markdown tables on stdout, progress on stderr. Build products go to bench/build/wasi-io/.
#
# It uses the keep jars already in ~/.m2 (dev.keep:*:0.1.0-SNAPSHOT) and builds no Maven module;
# Maven only lists keep-loader's dependency jars. The user-mode keep row also needs one class of
# keep-loader's test sources (UserModeKeep, the harness that runs a keep image's ring-3 code in a
# child process), compiled here with javac; if that fails, the row says so and the rest still runs.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD="$ROOT/bench/build/wasi-io"
QUICK=${1:-}
JAVA_HOME=${KEEP_BENCH_JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
M2=${HOME}/.m2/repository
KEEP_LOADER_JAR="$M2/dev/keep/keep-loader/0.1.0-SNAPSHOT/keep-loader-0.1.0-SNAPSHOT.jar"

# Loop counts: one-byte writes, 64 KiB writes, passes over the 1 MiB file; the user-mode keep does
# 1/USER_MODE_DIVISOR of them (every one of its hostcalls is a signal and a 128 KiB pipe round trip).
ONE_BYTE=50000 BIG=400 READS=64 USER_MODE_DIVISOR=5
if [ "$QUICK" = quick ]; then ONE_BYTE=5000 BIG=40 READS=8 USER_MODE_DIVISOR=5; fi

need() { command -v "$1" >/dev/null 2>&1; }
if ! need clang || ! need wasm-ld; then
    echo "installing clang and lld (wasm32 target, wasm-ld)" >&2
    apt-get install -y clang lld >&2
fi
need gcc || { echo "wasi-io bench needs gcc on PATH" >&2; exit 1; }
[ -f "$KEEP_LOADER_JAR" ] || { echo "no $KEEP_LOADER_JAR: build and install the project first" >&2; exit 1; }
mkdir -p "$BUILD/work" "$BUILD/cache"

# 1. The app twice from the same loops (c/io_bench.c): a freestanding wasm32 WASI command module
#    with hand-declared imports, and a gcc -O2 binary on plain system calls.
C="$HERE/c"
clang --target=wasm32 -O2 -nostdlib -ffreestanding -Wall -Wextra \
    -Wl,--no-entry -Wl,--export=_start -Wl,-z,stack-size=262144 \
    -o "$BUILD/wasi-io.wasm" "$C/io_bench.c" "$C/wasi_platform.c"
gcc -O2 -Wall -Wextra -o "$BUILD/native-io" "$C/io_bench.c" "$C/posix_platform.c"
[ -f "$BUILD/work/in-1MiB.bin" ] || head -c 1048576 /dev/urandom > "$BUILD/work/in-1MiB.bin"

# 2. keep-loader's dependency jars (test scope: the user-mode harness needs test-support).
(cd "$ROOT" && ./mvnw -q -B -pl keep-loader dependency:build-classpath \
    -Dmdep.includeScope=test -Dmdep.outputFile="$BUILD/classpath.txt" >&2)
DEPS=$(cat "$BUILD/classpath.txt")
RUN_CP="$KEEP_LOADER_JAR:$DEPS"

# 3. The driver (src/), and the optional user-mode adapter against keep-loader's test sources.
rm -rf "$BUILD/classes" "$BUILD/usermode-classes"
mkdir -p "$BUILD/classes" "$BUILD/usermode-classes"
"$JAVA_HOME/bin/javac" --release 25 -d "$BUILD/classes" -cp "$RUN_CP" $(find "$HERE/src" -name '*.java')
USERMODE_CP=""
if "$JAVA_HOME/bin/javac" --release 25 -nowarn -d "$BUILD/usermode-classes" -cp "$BUILD/classes:$RUN_CP" \
        -sourcepath "$ROOT/keep-loader/src/test/java" \
        "$HERE/usermode/dev/keep/bench/wasiio/UserModeKeepRunner.java" 2>"$BUILD/usermode-javac.log"; then
    USERMODE_CP=":$BUILD/usermode-classes"
else
    echo "wasi-io: the user-mode keep runner did not compile (see $BUILD/usermode-javac.log); its row will say so" >&2
fi

echo "# Keep WASI I/O benchmark, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "# $(gcc --version | head -1), $(clang --version | head -1), Java $("$JAVA_HOME/bin/java" -version 2>&1 | head -1)"
echo
export KEEP_CACHE_DIR="$BUILD/cache"
"$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -Xss16m -XX:+UseSerialGC \
    -cp "$BUILD/classes:$RUN_CP$USERMODE_CP" dev.keep.bench.wasiio.WasiIoBench \
    "$BUILD/work" "$BUILD/wasi-io.wasm" "$BUILD/native-io" "$JAVA_HOME/bin/java" "$RUN_CP" "$BUILD/keep.jsa" \
    "$ONE_BYTE" "$BIG" "$READS" "$USER_MODE_DIVISOR"
