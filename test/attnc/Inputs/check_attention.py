"""Checks an --attention-out file of a llama2.c checkpoint's model against
the PyTorch reference (test/reference/transformer_ref.py) run on the same
token ids. Usage: check_attention.py FILE CHECKPOINT [--layers N] [--heads N]

Prints the shape and, per property, one line (for FileCheck); exits 1 on any
violation: the format, T tokens and T x T weights per map, exactly 0 above
the diagonal (causal), each row summing to 1 within 1e-5, and every weight
within 1e-5 of the reference's softmax.
"""
import json
import os
import sys

import numpy as np

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "reference"))
import transformer_ref  # noqa: E402


def main(path, checkpoint, want_layers, want_heads):
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    errors = []
    if doc.get("format") != "attnc-attention" or doc.get("version") != 1:
        errors.append(f"format {doc.get('format')!r} version {doc.get('version')!r}")
    ids, tokens, maps = doc["token_ids"], doc["tokens"], doc["maps"]
    T = len(ids)
    if len(tokens) != T:
        errors.append(f"{len(tokens)} token strings for {T} ids")
    config, tensors = transformer_ref.read_llama2c(checkpoint)
    model = transformer_ref.Transformer(config, tensors)
    model.probs = {}
    model.forward(ids)
    print(f"tokens {T}: {' | '.join(tokens)}")
    print(f"maps {len(maps)} (layers {doc['layers']}, heads {doc['heads']}, mask {doc['mask']})")
    if len(maps) != want_layers * want_heads:
        errors.append(f"{len(maps)} maps, expected {want_layers} x {want_heads}")
    worst_sum = worst_ref = 0.0
    for m in maps:
        w = np.asarray(m["weights"], dtype=np.float64)
        where = f"layer {m['layer']} head {m['head']}"
        if w.shape != (T, T):
            errors.append(f"{where}: shape {w.shape}, expected {(T, T)}")
            continue
        above = w[np.triu_indices(T, k=1)]
        if np.any(above != 0.0):
            errors.append(f"{where}: {np.count_nonzero(above)} nonzero weights above the diagonal")
        worst_sum = max(worst_sum, float(np.max(np.abs(w.sum(axis=1) - 1.0))))
        ref = model.probs[(m["layer"], m["head"])]
        worst_ref = max(worst_ref, float(np.max(np.abs(w - ref))))
    print("upper triangle: exactly 0 in every map" if not any("above" in e for e in errors)
          else "upper triangle: NOT zero")
    print(f"rows sum to 1: max error {worst_sum:.2g} {'<= 1e-5' if worst_sum <= 1e-5 else '> 1e-5'}")
    print(f"vs PyTorch reference: max error {worst_ref:.2g} "
          f"{'<= 1e-5' if worst_ref <= 1e-5 else '> 1e-5'}")
    if worst_sum > 1e-5 or worst_ref > 1e-5:
        errors.append("tolerance exceeded")
    for e in errors:
        print("ERROR:", e)
    return 1 if errors else 0


if __name__ == "__main__":
    args = sys.argv[1:]
    layers = heads = None
    if "--layers" in args:
        i = args.index("--layers"); layers = int(args[i + 1]); del args[i:i + 2]
    if "--heads" in args:
        i = args.index("--heads"); heads = int(args[i + 1]); del args[i:i + 2]
    sys.exit(main(args[0], args[1], layers, heads))
