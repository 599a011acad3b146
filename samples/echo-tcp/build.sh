#!/usr/bin/env bash
# Builds echo-tcp.wasm from echo-tcp.c with clang and wasm-ld (Debian: apt-get install clang lld).
# No libc and no sysroot: the program declares the WASI imports it uses itself. The .wasm is
# committed, so the build and tests need no C compiler; rebuild it after editing echo-tcp.c.
# The output depends only on the source and the compiler version (no paths, no debug info).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
"${CLANG:-clang}" --target=wasm32-wasi -O2 -std=c11 -ffreestanding -nostdlib \
  -Wall -Wextra -Werror \
  -Wl,--entry=_start -Wl,--strip-all -Wl,-z,stack-size=65536 \
  -o echo-tcp.wasm echo-tcp.c
chmod 644 echo-tcp.wasm
