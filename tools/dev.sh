#!/usr/bin/env bash
# The two commands README.md opens with:
#   tools/dev.sh demo   install what is needed, build, compile the default
#                       example model and generate text with it
#   tools/dev.sh test   install what is needed, build, run every test
# Both are safe to re-run; the install step is skipped when nothing is missing.
#   tools/dev.sh test --sanitize   the same suite with the compiler, the runtime
#                       and every executable attnc links built with
#                       AddressSanitizer + UndefinedBehaviorSanitizer, in its
#                       own build directory (build-sanitize/)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
models=${ATTNC_SHARED_MODELS:-$root/../shared/models}
cmd=${1:-}
sanitize=()
if [ "${2:-}" = --sanitize ]; then
  sanitize=(-DATTNC_SANITIZE=address,undefined)
  build=${ATTNC_BUILD_DIR:-$root/build-sanitize}
elif [ $# -gt 1 ]; then
  echo "usage: tools/dev.sh demo|test|build [--sanitize]" >&2; exit 2
else
  build=${ATTNC_BUILD_DIR:-$root/build}
fi

# libclang-rt-19-dev: the sanitizer and libFuzzer runtimes (test --sanitize, test/Fuzz);
# libpng-dev: the PNGs of attnc attention-map.
packages=(cmake ninja-build llvm-19-dev libmlir-19-dev mlir-19-tools llvm-19-tools
          clang-19 libclang-rt-19-dev libomp-19-dev lld-19 libcli11-dev libfmt-dev libgtest-dev libpng-dev
          python3 python3-torch python3-numpy python3-sentencepiece)

install_deps() {
  local missing=()
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "dev.sh: installing ${missing[*]}" >&2
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

build_all() {
  if [ ! -f "$build/build.ninja" ]; then
    cmake -G Ninja -S "$root" -B "$build" \
      -DCMAKE_BUILD_TYPE=Release \
      -DCMAKE_C_COMPILER=clang-19 -DCMAKE_CXX_COMPILER=clang++-19 \
      -DLLVM_USE_LINKER=lld \
      -DMLIR_DIR=/usr/lib/llvm-19/lib/cmake/mlir \
      -DATTNC_SHARED_MODELS="$models" "${sanitize[@]}" >&2
  fi
  # Build chatter goes to stderr: stdout carries only the generated text.
  cmake --build "$build" >&2
}

demo() {
  local yaml=$root/examples/stories260K.yaml exe=$build/stories260K
  local extra=() run=(--temp 0 -n 256)
  if [ ! -f "$models/stories260K.bin" ]; then
    echo "dev.sh: $models/stories260K.bin not found: compiling stories260K's architecture" \
         "with deterministic random weights and no tokenizer, so it prints sampled token ids" >&2
    extra=(--random-weights 1 --tokenizer "")
    run=(--temp 1 --seed 42 -n 64)
  else
    extra=(--weights "$models/stories260K.bin" --tokenizer "$models/tok512.bin")
  fi
  "$build/bin/attnc" compile "$yaml" "${extra[@]}" -o "$exe"
  echo "dev.sh: running $exe ${run[*]}" >&2
  "$exe" "${run[@]}"
}

# llama.cpp's gguf-py (not a Debian package) for the tests that compare with
# it; where npm or the registry is missing those tests say UNSUPPORTED, and
# NumPy references written here cover the same formats.
fetch_gguf_py() {
  if command -v npm >/dev/null; then
    ATTNC_BUILD_DIR=$build "$root/tools/peers.sh" gguf-py >/dev/null 2>&1 ||
      echo "dev.sh: could not fetch gguf-py (tools/peers.sh gguf-py); its tests are skipped" >&2
  else
    echo "dev.sh: npm not found: tests against llama.cpp's gguf-py are skipped" >&2
  fi
}

case "$cmd" in
  demo) install_deps; build_all; demo ;;
  test) install_deps; build_all; fetch_gguf_py; cd "$build" && ctest --output-on-failure ;;
  build) install_deps; build_all ;;
  *) echo "usage: tools/dev.sh demo|test|build [--sanitize]" >&2; exit 2 ;;
esac
