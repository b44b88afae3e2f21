#!/usr/bin/env bash
# Decode and prefill speed of a model compiled by attnc, against the memory
# roofline measured in the same run. Decoding one token of an fp32 model reads
# every weight once, so tokens/s <= read bandwidth / weight bytes; the
# bandwidth is measured here (tools/attnc-bandwidth, one thread, like the
# compiled kernels), not taken from a data sheet.
#
#   tools/bench.sh [MODEL] [RUNS]     MODEL: stories15M (default), stories42M,
#                                     stories110M, or any examples/*.yaml name
#
# Uses the build in $ATTNC_BUILD_DIR (default build/; run tools/dev.sh build
# first) and deterministic random weights, so it needs no checkpoint.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${ATTNC_BUILD_DIR:-$root/build}
model=${1:-stories15M}
runs=${2:-3}
prompt_tokens=64
decode_tokens=128
yaml=$root/examples/$model.yaml
exe=$build/bench/$model

[ -f "$yaml" ] || { echo "error: no description $yaml" >&2; exit 2; }
[ -x "$build/bin/attnc" ] || { echo "error: $build/bin/attnc not built (tools/dev.sh build)" >&2; exit 2; }
mkdir -p "$build/bench"

start=$(date +%s.%N)
"$build/bin/attnc" compile "$yaml" --random-weights 1 --tokenizer "" -o "$exe"
compile_s=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')
weight_bytes=$("$build/bin/attnc" check "$yaml" --random-weights 1 --tokenizer "" |
               sed -n 's/^parameters .*(\([0-9]*\) bytes.*/\1/p')

prompt=$(seq -s, 1 "$prompt_tokens")
best_prefill=0
best_decode=0
for ((i = 0; i < runs; ++i)); do
  log=$("$exe" --prompt-ids "$prompt" -n "$decode_tokens" --temp 0 2>&1 >/dev/null)
  prefill=$(sed -n 's/^prefill: .*(\([0-9.]*\) tokens\/s)$/\1/p' <<<"$log")
  decode=$(sed -n 's/^decode: .*(\([0-9.]*\) tokens\/s)$/\1/p' <<<"$log")
  [ -n "$prefill" ] && [ -n "$decode" ] || { echo "error: no timings from $exe:" >&2; echo "$log" >&2; exit 1; }
  best_prefill=$(awk -v a="$prefill" -v b="$best_prefill" 'BEGIN { print (a > b ? a : b) }')
  best_decode=$(awk -v a="$decode" -v b="$best_decode" 'BEGIN { print (a > b ? a : b) }')
done
read_gbps=$("$build/bin/attnc-bandwidth" | sed -n 's/^read_gbps //p')

calc() { awk "BEGIN { print $1 }"; }
roofline=$(calc "$read_gbps * 1e9 / $weight_bytes")
effective=$(calc "$best_decode * $weight_bytes / 1e9")
percent=$(calc "100 * $best_decode / $roofline")
printf '%-28s %s (random weights, %.1f MB of fp32 weights)\n' "model" "$model" "$(calc "$weight_bytes / 1e6")"
printf '%-28s %.1f s\n' "compile (attnc, -o exe)" "$compile_s"
printf '%-28s %.1f tokens/s (%d-token prompt, best of %d)\n' "prefill" "$best_prefill" "$prompt_tokens" "$runs"
printf '%-28s %.1f tokens/s (%d tokens, best of %d)\n' "decode" "$best_decode" "$decode_tokens" "$runs"
printf '%-28s %.1f GB/s read, 1 thread (attnc-bandwidth, this run)\n' "memory roofline" "$read_gbps"
printf '%-28s %.1f tokens/s\n' "decode roofline" "$roofline"
printf '%-28s %.2f GB/s = %.1f%% of roofline\n' "decode effective" "$effective" "$percent"
