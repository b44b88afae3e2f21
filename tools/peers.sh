#!/usr/bin/env bash
# Fetches the peers of ../shared/PEERS.md into the build folder (never into
# the repository), for the optional reference tests and the benchmarks:
#   tools/peers.sh gguf-py     llama.cpp's source from the npm package
#                              node-llama-cpp (its gguf-py is the reference
#                              GGUF reader/writer and dequantizer the tests
#                              marked `REQUIRES: gguf-py` compare against)
#   tools/peers.sh llama.cpp   the same source, built (llama-bench,
#                              llama-quantize; ~10 min on 2 idle cores; this
#                              version has llama-cli only with the server,
#                              which the recipe leaves out)
#   tools/peers.sh llama2.c    llama2.c's run.c built as its Makefile's
#                              `runomp` (gcc -Ofast -march=native -fopenmp)
#                              from ../shared/peers/llama2.c (or
#                              ATTNC_LLAMA2C_DIR)
# Each prints the folder (or file) it made on standard output. Needs npm and
# access to the npm registry for llama.cpp. ATTNC_BUILD_DIR picks the build
# folder (default: build/); ATTNC_PEERS_JOBS the parallel jobs of the
# llama.cpp build (default 2: the machines are small and shared), which runs
# under `nice` so that it does not starve the work beside it.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${ATTNC_BUILD_DIR:-$root/build}
peers=$build/peers
what=${1:-}

fetch_source() {
  if [ -f "$peers/llama.cpp/gguf-py/gguf/quants.py" ]; then
    return 0
  fi
  command -v npm >/dev/null || { echo "peers.sh: npm is needed (apt-get install npm)" >&2; exit 1; }
  mkdir -p "$peers"
  (cd "$peers" &&
     { [ -f package.json ] || npm init -y >/dev/null; } &&
     npm install --no-audit --no-fund --ignore-scripts node-llama-cpp@3.22.1 >&2 &&
     rm -rf llama.cpp &&
     git clone -q node_modules/node-llama-cpp/llama/gitRelease.bundle llama.cpp)
}

case "$what" in
  gguf-py)
    fetch_source
    echo "$peers/llama.cpp/gguf-py"
    ;;
  llama.cpp)
    fetch_source
    cmake -S "$peers/llama.cpp" -B "$peers/llama.cpp/build" -DCMAKE_BUILD_TYPE=Release \
      -DGGML_NATIVE=ON -DLLAMA_CURL=OFF -DLLAMA_BUILD_SERVER=OFF -DLLAMA_BUILD_TESTS=OFF >&2
    nice -n 10 cmake --build "$peers/llama.cpp/build" -j"${ATTNC_PEERS_JOBS:-2}" \
      --target llama-bench llama-quantize >&2
    echo "$peers/llama.cpp/build/bin"
    ;;
  llama2.c)
    src=${ATTNC_LLAMA2C_DIR:-$root/../shared/peers/llama2.c}
    [ -f "$src/run.c" ] || src=/work/shared/peers/llama2.c
    [ -f "$src/run.c" ] || { echo "peers.sh: no llama2.c run.c (set ATTNC_LLAMA2C_DIR)" >&2; exit 1; }
    command -v gcc >/dev/null || { echo "peers.sh: gcc is needed for llama2.c" >&2; exit 1; }
    mkdir -p "$peers"
    gcc -Ofast -march=native -fopenmp "$src/run.c" -lm -o "$peers/runomp" >&2
    echo "$peers/runomp"
    ;;
  *)
    echo "usage: tools/peers.sh gguf-py|llama.cpp|llama2.c" >&2
    exit 2
    ;;
esac
