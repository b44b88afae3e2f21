#!/usr/bin/env bash
# Fuzzes one reader of user bytes with libFuzzer for a given time:
#   tools/fuzz.sh TARGET SECONDS [libFuzzer flags...]
# TARGET: description (YAML description files), llama2c (checkpoints),
# tokenizer (embedded tokenizers and llama2.c tokenizer.bin, both encoders),
# options (the generated executable's command line), gguf, tokenizer-json
# and gguf-vocab (tokenizer import); the targets are test/Fuzz/*Fuzzer.cpp.
# It configures and builds the fuzzing build (build-fuzz/, -DATTNC_FUZZ=ON:
# the readers themselves carry coverage, AddressSanitizer and UBSan), writes
# the seed corpus (test/Fuzz/seeds.py: the test inputs, examples, tiny
# checkpoints, ../shared/models/tok512.bin, typical command lines), and runs
# the target until the time is up, going on after each finding. The work
# corpus (build-fuzz/fuzz/TARGET/corpus) persists between runs; findings (crash-*, timeout-*, oom-*) are written to
# build-fuzz/fuzz/TARGET/findings/ and reproduce with
#   build-fuzz/bin/attnc-fuzz-TARGET FILE
# The last lines printed are the executions, corpus size and new findings;
# the exit status is 1 when there are new findings.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${ATTNC_FUZZ_BUILD_DIR:-$root/build-fuzz}
models=${ATTNC_SHARED_MODELS:-$root/../shared/models}
targets=(description llama2c tokenizer options gguf safetensors hf-config tokenizer-json gguf-vocab)

usage() {
  echo "usage: tools/fuzz.sh description|llama2c|tokenizer|options|gguf|safetensors|hf-config|tokenizer-json|gguf-vocab SECONDS [libFuzzer flags...]" >&2
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
# A target with a seed generator of its own (test/Fuzz/seeds_TARGET.py) uses
# it; the tokenizer targets share test/Fuzz/seeds_tok.py, the Hugging Face
# ones test/Fuzz/seeds_hf.py.
if [[ " tokenizer tokenizer-json gguf-vocab " == *" $target "* ]]; then
  python3 "$root/test/Fuzz/seeds_tok.py" "$target" "$work/seeds" --models "$models"
elif [ "$target" = safetensors ] || [ "$target" = hf-config ]; then
  python3 "$root/test/Fuzz/seeds_hf.py" "$target" "$work/seeds"
elif [ -f "$root/test/Fuzz/seeds_$target.py" ]; then
  python3 "$root/test/Fuzz/seeds_$target.py" "$work/seeds" --models "$models"
else
  python3 "$root/test/Fuzz/seeds.py" "$target" "$work/seeds" --models "$models"
fi
dict=()
[ -f "$root/test/Fuzz/$target.dict" ] && dict=(-dict="$root/test/Fuzz/$target.dict")

stamp=$work/.started
touch "$stamp"
log=$work/last-run.log
: >"$log"
echo "fuzz.sh: running attnc-fuzz-$target for ${seconds}s (log: $log)" >&2
# In-process fuzzing is several times faster than libFuzzer's fork mode here
# (each forked job would load libMLIR again), but it stops at the first
# finding: so it is restarted with the time that is left, until the time is
# up, a run stops without leaving a finding behind, or a seed itself crashes.
executions=0
status=0
deadline=$((SECONDS + seconds))
while [ $((deadline - SECONDS)) -gt 0 ]; do
  touch "$work/.segment"
  segment=$work/segment.log
  status=0
  "$build/bin/attnc-fuzz-$target" \
    -max_total_time=$((deadline - SECONDS)) -timeout=10 -rss_limit_mb=4096 \
    -print_final_stats=1 -artifact_prefix="$work/findings/" "${dict[@]}" "$@" \
    "$work/corpus" "$work/seeds" >"$segment" 2>&1 || status=$?
  cat "$segment" >>"$log"
  # The final stats give the executions; after a crash, the last status line.
  n=$(sed -n 's/^stat::number_of_executed_units: *//p' "$segment" | tail -n 1)
  [ -n "$n" ] || n=$(sed -n 's/^#\([0-9][0-9]*\)[[:space:]].*/\1/p' "$segment" | tail -n 1)
  executions=$((executions + ${n:-0}))
  # (a finding found again keeps its name, hence -newer, not a count)
  new=$(find "$work/findings" -type f -newer "$work/.segment" | wc -l)
  [ "$status" -ne 0 ] && [ "$new" -gt 0 ] || break
  # An input of the corpus itself crashes (before INITED): every restart would
  # stop there again.
  grep -q "INITED" "$segment" || break
  echo "fuzz.sh: finding $(ls -t "$work/findings" | head -n 1); going on" >&2
done
rm -f "$work/segment.log" "$work/.segment"
tail -n 8 "$log" >&2

corpus=$(find "$work/corpus" -type f | wc -l)
mapfile -t found < <(find "$work/findings" -type f -newer "$stamp" | sort)
echo "target     attnc-fuzz-$target"
echo "seconds    $seconds"
echo "executions $executions"
echo "corpus     $corpus inputs ($work/corpus)"
echo "findings   ${#found[@]} new in $work/findings (libFuzzer exit status $status)"
for f in "${found[@]}"; do
  echo "  $f ($(stat -c %s "$f") bytes)"
done
[ ${#found[@]} -eq 0 ]
