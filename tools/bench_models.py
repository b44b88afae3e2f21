#!/usr/bin/python3
"""Writes the benchmark's models: one set of weights, one file per contender.

For a Llama-shaped description with random weights (examples/stories15M.yaml
and the like), this generates attnc's deterministic random weights (the NumPy
port test/Models/Inputs/attnc_random.py, the same values `attnc compile
--random-weights SEED` makes) once, and writes them as
  OUT/model.bin       llama2.c version 0 (test/reference/llama2c_writer.py):
                      what attnc compiles and llama2.c's run.c reads;
  OUT/model-f32.gguf  GGUF v3, F32 (test/reference/gguf_writer.py): what
                      llama.cpp reads (Q8_0 / BF16 are made from it with
                      llama-quantize, llama.cpp's own quantizer).
so every contender computes with identical weights. The GGUF has no text
vocabulary (tokenizer.ggml.model "no_vocab" plus llama.vocab_size):
llama-bench feeds token ids and needs none. Tensors keep llama2.c's row
order (its RoPE rotates adjacent pairs, as llama.cpp's llama architecture
does), so no Q/K permutation is needed. OUT/checksum holds attnc check's
checksum of the weights, for a cross-check against attnc.

  bench_models.py MODEL.yaml OUT_DIR [--layers N]
      --layers N overrides the depth (the compile-time table of 1, 6 and 12
      layers of one width).
"""
import os
import sys

import numpy as np

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "test", "reference"))
sys.path.insert(0, os.path.join(HERE, "..", "test", "Models", "Inputs"))
import attnc_random  # noqa: E402
import gguf_writer  # noqa: E402
import llama2c_writer  # noqa: E402

LAYER_NAMES = ("attention_norm", "wq", "wk", "wv", "wo", "ffn_norm", "w1", "w2", "w3")
GGUF_NAMES = {"attention_norm": "attn_norm.weight", "wq": "attn_q.weight", "wk": "attn_k.weight",
              "wv": "attn_v.weight", "wo": "attn_output.weight", "ffn_norm": "ffn_norm.weight",
              "w1": "ffn_gate.weight", "w2": "ffn_down.weight", "w3": "ffn_up.weight"}


def read_config(path):
    import yaml
    with open(path) as f:
        d = yaml.safe_load(f)
    att = d["attention"]
    weights = d.get("weights", {})
    if weights.get("format") != "random":
        raise SystemExit(f"error: {path}: the benchmark's models use random weights")
    for key in ("position", "activation", "kind", "qkv_bias", "out_bias"):
        if key in att or key in d.get("mlp", {}) or key in d.get("norm", {}):
            raise SystemExit(f"error: {path}: only the plain Llama shape is supported ({key})")
    return {"name": d["name"], "vocab_size": d["vocab_size"],
            "context_length": d["context_length"], "dim": d["dim"], "layers": d["layers"],
            "attention": {"heads": att["heads"], "kv_heads": att.get("kv_heads", att["heads"]),
                          "rope_theta": float(att.get("rope_theta", 10000.0))},
            "norm": {"eps": float(d.get("norm", {}).get("eps", 1e-5))},
            "mlp": {"hidden": d["mlp"]["hidden"]},
            "tie_embeddings": bool(d.get("tie_embeddings", True)),
            "seed": int(weights.get("seed", 0))}


def shapes(c):
    v, d, f = c["vocab_size"], c["dim"], c["mlp"]["hidden"]
    h, kvh = c["attention"]["heads"], c["attention"]["kv_heads"]
    hd = d // h
    per = {"attention_norm": (d,), "wq": (h * hd, d), "wk": (kvh * hd, d), "wv": (kvh * hd, d),
           "wo": (d, h * hd), "ffn_norm": (d,), "w1": (f, d), "w2": (d, f), "w3": (f, d)}
    out = {"tok_embeddings": (v, d)}
    for l in range(c["layers"]):
        for name in LAYER_NAMES:
            out[f"layers.{l}.{name}"] = per[name]
    out["norm"] = (d,)
    if not c["tie_embeddings"]:
        out["output"] = (v, d)
    return out


def write_gguf(path, c, tensors):
    att = c["attention"]
    meta = [("general.architecture", "str", "llama"), ("general.name", "str", c["name"]),
            ("llama.context_length", "u32", c["context_length"]),
            ("llama.embedding_length", "u32", c["dim"]),
            ("llama.feed_forward_length", "u32", c["mlp"]["hidden"]),
            ("llama.block_count", "u32", c["layers"]),
            ("llama.attention.head_count", "u32", att["heads"]),
            ("llama.attention.head_count_kv", "u32", att["kv_heads"]),
            ("llama.rope.dimension_count", "u32", c["dim"] // att["heads"]),
            ("llama.rope.freq_base", "f32", att["rope_theta"]),
            ("llama.attention.layer_norm_rms_epsilon", "f32", c["norm"]["eps"]),
            ("llama.vocab_size", "u32", c["vocab_size"]),
            ("tokenizer.ggml.model", "str", "no_vocab")]
    out = [("token_embd.weight", tensors["tok_embeddings"], "F32")]
    for l in range(c["layers"]):
        for name in LAYER_NAMES:
            out.append((f"blk.{l}.{GGUF_NAMES[name]}", tensors[f"layers.{l}.{name}"], "F32"))
    out.append(("output_norm.weight", tensors["norm"], "F32"))
    if "output" in tensors:
        out.append(("output.weight", tensors["output"], "F32"))
    gguf_writer.write_gguf(path, meta, out)


def main(argv):
    if len(argv) not in (3, 5) or (len(argv) == 5 and argv[3] != "--layers"):
        raise SystemExit("usage: bench_models.py MODEL.yaml OUT_DIR [--layers N]")
    c = read_config(argv[1])
    if len(argv) == 5:
        c["layers"] = int(argv[4])
    out = argv[2]
    os.makedirs(out, exist_ok=True)
    tensors = attnc_random.random_tensors(shapes(c), c["seed"], c["tie_embeddings"])
    for tmp, final, write in (
            ("model.bin.tmp", "model.bin",
             lambda p: llama2c_writer.write(p, c, tensors, version=0)),
            ("model-f32.gguf.tmp", "model-f32.gguf", lambda p: write_gguf(p, c, tensors))):
        write(os.path.join(out, tmp))
        os.replace(os.path.join(out, tmp), os.path.join(out, final))
    with open(os.path.join(out, "checksum"), "w") as f:
        f.write(f"{attnc_random.checksum(c, tensors):016x}\n")


if __name__ == "__main__":
    main(sys.argv)
