#!/usr/bin/env bash
# Fuzzes one reader of user bytes with libFuzzer for a given time:
#   tools/fuzz.sh TARGET SECONDS [libFuzzer flags...]
# TARGET: description (YAML description files), llama2c (checkpoints),
# tokenizer (llama2.c tokenizer.bin), options (the generated executable's
# command line); the targets are test/Fuzz/*Fuzzer.cpp.
# It configures and builds the fuzzing build (build-fuzz/, -DATTNC_FUZZ=ON:
# the readers themselves carry coverage, AddressSanitizer and UBSan), writes
# the seed corpus (test/Fuzz/seeds.py: the test inputs, examples, tiny
# checkpoints, ../shared/models/tok512.bin, typical command lines), and runs
# the target in libFuzzer's fork mode, so that a crash is saved and fuzzing
# goes on until the time is up. The work corpus (build-fuzz/fuzz/TARGET/corpus)
# persists between runs; findings (crash-*, timeout-*, oom-*) are written to
# build-fuzz/fuzz/TARGET/findings/ and reproduce with
#   build-fuzz/bin/attnc-fuzz-TARGET FILE
# The last lines printed are the executions, corpus size and new findings;
# the exit status is 1 when there are new findings.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${ATTNC_FUZZ_BUILD_DIR:-$root/build-fuzz}
models=${ATTNC_SHARED_MODELS:-$root/../shared/models}
targets=(description llama2c tokenizer options)

usage() {
  echo "usage: tools/fuzz.sh description|llama2c|tokenizer|options SECONDS [libFuzzer flags...]" >&2
  exit 2
}
[ $# -ge 2 ] || usage
target=$1 seconds=$2
shift 2
[[ " ${targets[*]} " == *" $target "* ]] || usage
[[ "$seconds" =~ ^[1-9][0-9]*$ ]] || usage

if [ ! -f "$build/build.ninja" ]; then
  launcher=()
  if command -v ccache >/dev/null; then
    launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  fi
  cmake -G Ninja -S "$root" -B "$build" \
    -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_COMPILER=clang-19 -DCMAKE_CXX_COMPILER=clang++-19 \
    -DLLVM_USE_LINKER=lld \
    -DMLIR_DIR=/usr/lib/llvm-19/lib/cmake/mlir \
    -DATTNC_SHARED_MODELS="$models" -DATTNC_FUZZ=ON "${launcher[@]}" >&2
fi
cmake --build "$build" --target "attnc-fuzz-$target" >&2

work=$build/fuzz/$target
mkdir -p "$work/corpus" "$work/findings"
rm -rf "$work/seeds"
python3 "$root/test/Fuzz/seeds.py" "$target" "$work/seeds" --models "$models"
dict=()
[ -f "$root/test/Fuzz/$target.dict" ] && dict=(-dict="$root/test/Fuzz/$target.dict")

stamp=$work/.started
touch "$stamp"
log=$work/last-run.log
echo "fuzz.sh: running attnc-fuzz-$target for ${seconds}s (log: $log)" >&2
status=0
# llama2c writes each input to a private directory under TMPDIR.
TMPDIR=$work "$build/bin/attnc-fuzz-$target" \
  -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
  -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 -print_final_stats=1 \
  -artifact_prefix="$work/findings/" "${dict[@]}" "$@" "$work/corpus" "$work/seeds" \
  >"$log" 2>&1 || status=$?
tail -n 5 "$log" >&2

# Fork mode prints "#N: cov: ... corp: ... oom/timeout/crash: a/b/c ..." lines
# with N the executions so far; without fork, -print_final_stats' line says it.
executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
[ -n "$executions" ] || executions=$(sed -n 's/^#\([0-9][0-9]*\): cov:.*/\1/p' "$log" | tail -n 1)
corpus=$(find "$work/corpus" -type f | wc -l)
mapfile -t found < <(find "$work/findings" -type f -newer "$stamp" | sort)
echo "target     attnc-fuzz-$target"
echo "seconds    $seconds"
echo "executions ${executions:-unknown}"
echo "corpus     $corpus inputs ($work/corpus)"
echo "findings   ${#found[@]} new in $work/findings (libFuzzer exit status $status)"
for f in "${found[@]}"; do
  echo "  $f ($(stat -c %s "$f") bytes)"
done
[ ${#found[@]} -eq 0 ]
