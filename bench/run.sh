#!/usr/bin/env bash
# Benchmark of the Wasm -> x86-64 compiler (issue 4, item 7). Not a test: nothing here runs in
# `mvn verify`. Usage: bench/run.sh [all|compile|run] [quick]
#   compile  compile speed (MB of Wasm per second) on the WASI test suite's Rust programs
#   run      run speed of the C programs in bench/c on every engine
#   quick    1/8 of the work, for checking the harness itself
# Output: markdown tables on stdout, progress on stderr. Build products go to bench/build/.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
BUILD="$HERE/build"
MODE=${1:-all}
QUICK=${2:-}
JAVA_HOME=${KEEP_BENCH_JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
M2=${HOME}/.m2/repository
TESTSUITE="$ROOT/../shared/testdata/wasi-testsuite/tests/rust"

need() { command -v "$1" >/dev/null 2>&1; }
if ! need clang || ! need wasm-ld; then
    echo "installing clang and lld (wasm32 target, wasm-ld)" >&2
    apt-get install -y clang lld >&2
fi
need gcc && need node || { echo "bench needs gcc and node on PATH" >&2; exit 1; }
mkdir -p "$BUILD/classes"

# 1. The C programs: freestanding wasm32 modules (no imports, export run) and native gcc -O2.
#    -ffp-contract=off on both sides so nbody's checksum is bit-identical on every engine.
for p in fib sort hash nbody malloc; do
    clang --target=wasm32 -O2 -ffp-contract=off -nostdlib -ffreestanding \
        -Wl,--no-entry -Wl,--export=run -Wl,-z,stack-size=1048576 \
        -o "$BUILD/$p.wasm" "$HERE/c/$p.c" "$HERE/c/wasm_rt.c"
    gcc -O2 -ffp-contract=off -fno-math-errno -o "$BUILD/$p" "$HERE/c/native_main.c" "$HERE/c/$p.c" -lm
done

# 2. wasm-shim's main and test classes (the native harness lives in its test scope).
(cd "$ROOT" && ./mvnw -q -B -pl wasm-shim test-compile)
(cd "$ROOT" && ./mvnw -q -B -pl wasm-shim dependency:build-classpath \
    -Dmdep.includeScope=test -Dmdep.outputFile="$BUILD/shim-classpath.txt" >&2)
# Chicory's compiler is not a wasm-shim dependency; take it and its ASM jars (the versions
# Chicory 1.7.5 is built against) from the local repository Maven already filled.
EXTRA="$M2/com/dylibso/chicory/compiler/1.7.5/compiler-1.7.5.jar"
for a in asm asm-commons asm-tree asm-util asm-analysis; do
    jar="$M2/org/ow2/asm/$a/9.9.1/$a-9.9.1.jar"
    [ -f "$jar" ] || (cd "$ROOT" && ./mvnw -q -B dependency:get -Dartifact=org.ow2.asm:$a:9.9.1 >&2)
    EXTRA="$EXTRA:$jar"
done
[ -f "${EXTRA%%:*}" ] || (cd "$ROOT" && ./mvnw -q -B dependency:get -Dartifact=com.dylibso.chicory:compiler:1.7.5 >&2)
CP="$ROOT/wasm-shim/target/classes:$ROOT/wasm-shim/target/test-classes:$(cat "$BUILD/shim-classpath.txt"):$EXTRA"

# 3. The benchmark's own classes (bench/src), compiled against that classpath.
rm -rf "$BUILD/classes" && mkdir -p "$BUILD/classes"
"$JAVA_HOME/bin/javac" --release 25 -d "$BUILD/classes" -cp "$CP" $(find "$HERE/src" -name '*.java')
# Jars rather than class directories: the JVMs timed whole-process start from a CDS archive, and
# CDS only archives classes that come from jars.
"$JAVA_HOME/bin/jar" cf "$BUILD/bench.jar" -C "$BUILD/classes" .
"$JAVA_HOME/bin/jar" cf "$BUILD/wasm-shim.jar" -C "$ROOT/wasm-shim/target/classes" .
"$JAVA_HOME/bin/jar" cf "$BUILD/wasm-shim-tests.jar" -C "$ROOT/wasm-shim/target/test-classes" .
rm -f "$BUILD"/once-*.jsa   # archives are only valid for the exact jars they were dumped from
CP="$BUILD/bench.jar:$BUILD/wasm-shim.jar:$BUILD/wasm-shim-tests.jar:$(cat "$BUILD/shim-classpath.txt"):$EXTRA"
JAVA=("$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -cp "$CP")

echo "# Keep compiler benchmark, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "# 'ours' = the compiler's x86-64 output run natively in-process by wasm-shim's test harness (Panama):"
echo "# no /dev/kvm here, so this is the code the keep would run at CPL3, without the VM around it."
echo "# node $(node --version), $(gcc --version | head -1), $(clang --version | head -1), Java $("$JAVA_HOME/bin/java" -version 2>&1 | head -1)"
echo
if [ "$MODE" = all ] || [ "$MODE" = compile ]; then
    echo "## Compile speed"
    echo
    # one core: the compiling thread, the JIT and the GC all share CPU 0
    taskset -c 0 "${JAVA[@]}" dev.keep.bench.BenchMain compile "$TESTSUITE"
    echo
fi
if [ "$MODE" = all ] || [ "$MODE" = run ]; then
    echo "## Run speed"
    echo
    "${JAVA[@]}" dev.keep.bench.BenchMain run "$BUILD" "$HERE/node/run.mjs" $QUICK
fi
