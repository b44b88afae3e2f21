#!/usr/bin/env bash
# attnc against the peers (llama.cpp's llama-bench, llama2.c's run.c) in one
# run, alternating them: decode and prefill tokens/s at each thread count for
# the stories15M, 42M and 110M shapes, in f32 and the weight types attnc
# offers, compile seconds and sizes, the ratio to each peer, and the share of
# the rooflines measured in the same run (read bandwidth for decode, FMA peak
# for prefill). The work is done by tools/bench.py (its docstring says what
# each figure is); this wrapper only picks the Python that has NumPy and
# PyYAML (Debian's) and checks the probes are built.
#
#   tools/bench.sh --quick               stories15M f32, one round
#   tools/bench.sh --peers --json r.json every shape, type and thread count,
#                                        building the missing peers first
#   tools/bench.sh --help                every option
#
# Uses the build in $ATTNC_BUILD_DIR (default build/): attnc, attnc-bandwidth
# and attnc-flops must be built (ninja -C build attnc attnc-bandwidth
# attnc-flops). The weights are deterministic random ones (no checkpoint
# needed); the models, generators and peers go under build/.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
python=${ATTNC_PYTHON:-/usr/bin/python3}
[ -x "$python" ] || python=$(command -v python3 || true)
[ -n "$python" ] || { echo "error: python3 is needed (with numpy and yaml)" >&2; exit 1; }
"$python" -c 'import numpy, yaml' 2>/dev/null ||
  { echo "error: $python lacks numpy or yaml (apt-get install python3-numpy python3-yaml)" >&2; exit 1; }
exec "$python" "$root/tools/bench.py" "$@"
