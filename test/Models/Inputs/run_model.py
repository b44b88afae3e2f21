#!/usr/bin/python3
"""Acceptance 1 of issue 6: one test model per case, written by this script in
the format under test from deterministic random weights, compiled with
`attnc compile`, run greedily with --logits-out, and compared with the
independent float32 PyTorch reference test/reference/transformer_ref.py
within 1e-4 absolute. Runs on Debian's /usr/bin/python3 (torch, numpy).

  run_model.py run CASE DIR      write the files into DIR, compile, run, compare
  run_model.py write CASE DIR    only write the files; prints the compile target
  run_model.py check CASE DIR LOGITS   compare LOGITS (from the prompt of
                                 `prompt CASE`, -n STEPS) with the reference
  run_model.py prompt CASE       prints "--prompt-ids ... -n N" for the case
  run_model.py list              the case names
  run_model.py selftest          the rounding functions against gguf-py's
                                 quantizers (PYTHONPATH) and idempotence

`run` prints every command it runs. attnc is taken from PATH (lit puts the
build's tools first). The compile target is the checkpoint itself (an HF
directory, a .gguf, a llama2.c .bin). Architectures no checkpoint format
expresses (post-norm, sinusoidal or no positions, ReLU, exact GELU, an output
bias alone, no final norm) are descriptions with `weights: {format: random,
seed: N}`: a description naming a checkpoint must agree with the checkpoint's
own architecture, so random weights are the only ones such a model has. The
reference gets them from attnc_random.py, a port of attnc's documented
generator, checked against `attnc check`'s checksum before the logits are
compared. (Format yaml-gguf, unused by the tests, writes such a model as a
description over a GGUF file with llama.cpp's names for every canonical
tensor: token_embd, position_embd, output_norm, output, blk.N.attn_norm,
attn_q / attn_k / attn_v / attn_output, ffn_norm, ffn_gate = w1 and ffn_up =
w3 for SwiGLU, ffn_up = w1 otherwise, ffn_down = w2, biases as `.bias`.)

The weights the reference uses are the written ones after rounding to the
stored type (f16, bf16, ggml's Q8_0 / Q4_0, llama2.c's int8 groups), computed
here in NumPy; every rounding used is idempotent, so the writers store exactly
those values. Each case's prompt is 10 ids (one case: 70, two prefill calls);
the program generates 10 tokens, i.e. 9 decode steps after the prefill, and
writes prompt + 9 rows of logits. The decode
tokens the reference is fed are the argmaxes of attnc's rows (teacher
forcing), so a near-tie cannot make the runs diverge; the weights are chosen
(fixed seeds) so that the reference's own greedy path never emits token 1 or 2
(BOS / EOS, where generation would stop early).
"""
import math
import os
import shutil
import subprocess
import sys

import numpy as np

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "reference"))
import transformer_ref  # noqa: E402
import llama2c_writer  # noqa: E402
import attnc_random  # noqa: E402

TOL = 1e-4
N_PREDICT = 10
SPECIAL = (1, 2)  # BOS, EOS: the metadata of every case says so

# ----------------------------------------------------------------------------
# Rounding to stored types (the values a reader of the file gets back)
# ----------------------------------------------------------------------------


def round_f16(x):
    return np.asarray(x, np.float32).astype(np.float16).astype(np.float32)


def round_bf16(x):
    """float32 -> bfloat16 round to nearest even on the bits (no NaNs here)."""
    bits = np.asarray(x, np.float32).view(np.uint32).astype(np.uint64)
    bits = (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16 << 16
    return bits.astype(np.uint32).view(np.float32)


def round_q8_0(x):
    """ggml's Q8_0: blocks of 32 along a row; d = max|x| / 127 (stored as
    f16), q = roundf(x / d) (half away from zero); value = q * f16(d)."""
    x = np.asarray(x, np.float32)
    b = x.reshape(-1, 32)
    d = np.max(np.abs(b), axis=1, keepdims=True) / np.float32(127)
    with np.errstate(divide="ignore", invalid="ignore"):
        idv = np.where(d == 0, np.float32(0), np.float32(1) / d).astype(np.float32)
    v = b * idv
    # + 0: a negative value rounding to 0 gives q = +0, as an int8 does.
    q = np.sign(v) * np.floor(np.abs(v) + np.float32(0.5)) + np.float32(0)
    return (q.astype(np.float32) * round_f16(d)).reshape(x.shape)


def round_q4_0(x):
    """ggml's Q4_0: blocks of 32; m = the element of largest magnitude (with
    its sign), d = m / -8 (stored as f16), q = min(15, trunc(x / d + 8.5));
    value = (q - 8) * f16(d)."""
    x = np.asarray(x, np.float32)
    b = x.reshape(-1, 32)
    m = np.take_along_axis(b, np.argmax(np.abs(b), axis=1)[:, None], axis=1)
    d = (m / np.float32(-8)).astype(np.float32)
    with np.errstate(divide="ignore", invalid="ignore"):
        idv = np.where(d == 0, np.float32(0), np.float32(1) / d).astype(np.float32)
    q = np.minimum(np.float32(15), np.trunc(b * idv + np.float32(8.5)))
    return ((q - np.float32(8)) * round_f16(d)).reshape(x.shape)


ROUND = {"F32": lambda x: np.asarray(x, np.float32), "F16": round_f16, "BF16": round_bf16,
         "Q8_0": round_q8_0, "Q4_0": round_q4_0}

# ----------------------------------------------------------------------------
# The cases
# ----------------------------------------------------------------------------

SMALL = {"vocab_size": 96, "context_length": 32, "dim": 64, "layers": 2}


def arch(attention, norm=None, mlp=None, tied=True, **extra):
    c = dict(SMALL, attention=attention, norm=norm or {"kind": "rms", "eps": 1e-5},
             mlp=mlp or {"hidden": 96, "activation": "swiglu"}, tie_embeddings=tied)
    c.update(extra)
    return transformer_ref.normalize(c)


GPT2 = arch({"heads": 4, "kv_heads": 4, "position": "learned", "qkv_bias": True,
             "out_bias": True},
            {"kind": "layer", "eps": 1e-5, "placement": "pre"},
            {"hidden": 128, "activation": "gelu_tanh", "bias": True}, tied=True)

# format: hf-llama | hf-mistral | hf-gpt2 | gguf-llama | gguf-gpt2 | yaml-random |
#         yaml-gguf | llama2c-vN[-yaml]
# types: stored type per canonical tensor kind (matrix, embedding, vector, output)
CASES = {
    "gpt2-hf": dict(format="hf-gpt2", config=GPT2, dtype="F32", seed=11),
    # GPT2LMHeadModel's other activation_function values, and a separate lm_head.
    "gpt2-hf-gelu-bf16": dict(
        format="hf-gpt2", dtype="BF16", seed=25,
        config=dict(GPT2, mlp=dict(GPT2["mlp"], activation="gelu"))),
    "gpt2-hf-relu-untied": dict(
        format="hf-gpt2", dtype="F16", seed=28,
        config=dict(GPT2, mlp=dict(GPT2["mlp"], activation="relu"), tie_embeddings=False)),
    # LlamaForCausalLM with attention_bias (q, k, v, o) and mlp_bias.
    "llama-hf-biases": dict(
        format="hf-llama", dtype="F32", seed=27,
        config=arch({"heads": 4, "kv_heads": 2, "rope_theta": 10000.0, "rope_pairs": "halves",
                     "qkv_bias": True, "out_bias": True},
                    mlp={"hidden": 96, "activation": "swiglu", "bias": True}, tied=True)),
    "gpt2-gguf": dict(format="gguf-gpt2", config=GPT2, seed=12,
                      types={"tok_embeddings": "F16", "pos_embeddings": "F32", "wq": "BF16",
                             "wk": "BF16", "wv": "BF16", "wo": "F16", "w1": "F16",
                             "w2": "BF16"}),
    "llama-hf-bf16-gqa": dict(
        format="hf-llama", dtype="BF16", seed=31,
        config=arch({"heads": 8, "kv_heads": 2, "rope_theta": 10000.0, "rope_pairs": "halves"},
                    tied=False)),
    "mqa-hf-f16": dict(
        format="hf-llama", dtype="F16", seed=14,
        config=arch({"heads": 4, "kv_heads": 1, "rope_theta": 500000.0, "rope_pairs": "halves"},
                    tied=True)),
    "mistral-hf-sliding": dict(
        format="hf-mistral", dtype="F32", seed=15,
        config=arch({"heads": 4, "kv_heads": 2, "rope_theta": 10000.0, "rope_pairs": "halves",
                     "mask": "sliding_window", "window": 6}, tied=False)),
    # A 70-id prompt, which the program runs as two prefill calls (64 + 6):
    # the window must hold across the chunk boundary and into the cache.
    "mistral-hf-long-prompt": dict(
        format="hf-mistral", dtype="F32", seed=15, prompt_len=70,
        config=dict(arch({"heads": 4, "kv_heads": 2, "rope_theta": 10000.0,
                          "rope_pairs": "halves", "mask": "sliding_window", "window": 6},
                         tied=False), context_length=96)),
    # Heads of 64 (as in stories42M and 110M) and two query heads per KV
    # head over a 70-id prompt (prefill calls of 64 + 6, then 9 decode
    # steps): the score tiles of 16 keys summed by attn-lower-vector-ops'
    # shuffle tree (each key row folded with three FMAs), their peeled
    # remainders, and a prompt's rows that stop at the query's own position.
    "llama-hf-hd64": dict(
        format="hf-llama", dtype="F32", seed=33, prompt_len=70,
        config=arch({"heads": 4, "kv_heads": 2, "rope_theta": 10000.0, "rope_pairs": "halves"},
                    tied=True, dim=256, context_length=96)),
    "llama-hf-sharded": dict(
        format="hf-llama", dtype="F32", shards=3, seed=16,
        config=arch({"heads": 4, "kv_heads": 4, "rope_theta": 10000.0, "rope_pairs": "halves"},
                    {"kind": "rms", "eps": 1e-6}, tied=False)),
    # The original Transformer's block, decoder made bidirectional.
    "postnorm-sinusoidal-relu": dict(
        format="yaml-random", seed=4,
        config=arch({"heads": 4, "kv_heads": 4, "position": "sinusoidal", "mask": "none",
                     "qkv_bias": True, "out_bias": True},
                    {"kind": "layer", "eps": 1e-5, "placement": "post"},
                    {"hidden": 128, "activation": "relu", "bias": True}, tied=False)),
    # Exact GELU, no position information at all, an output bias alone.
    "gelu-nopos-outbias": dict(
        format="yaml-random", seed=4,
        config=arch({"heads": 4, "kv_heads": 2, "position": "none", "out_bias": True},
                    {"kind": "layer", "eps": 1e-5, "placement": "pre"},
                    {"hidden": 128, "activation": "gelu", "bias": False}, tied=True)),
    # Qwen-like: QKV biases only, biased SwiGLU, no final norm, rotate-half,
    # a sliding window, a large theta.
    "final-off-qkvbias": dict(
        format="yaml-random", seed=4,
        config=arch({"heads": 4, "kv_heads": 2, "rope_theta": 1000000.0, "rope_pairs": "halves",
                     "qkv_bias": True, "mask": "sliding_window", "window": 5},
                    {"kind": "rms", "eps": 1e-6, "placement": "pre", "final": False},
                    {"hidden": 96, "activation": "swiglu", "bias": True}, tied=False)),
    "llama2c-v0": dict(format="llama2c-v0", seed=20,
                       config=arch({"heads": 8, "kv_heads": 4}, tied=False)),
    "llama2c-v0-yaml": dict(format="llama2c-v0-yaml", seed=20,
                            config=arch({"heads": 8, "kv_heads": 4}, tied=False)),
    "llama2c-v1": dict(format="llama2c-v1", seed=21,
                       config=arch({"heads": 4, "kv_heads": 2}, tied=True)),
    "llama2c-v2": dict(format="llama2c-v2", seed=22, group_size=32,
                       config=arch({"heads": 4, "kv_heads": 4}, tied=False)),
    "gguf-q8_0": dict(format="gguf-llama", seed=23,
                      types={"matrix": "Q8_0", "tok_embeddings": "Q8_0", "output": "F16"},
                      config=arch({"heads": 8, "kv_heads": 2}, tied=False)),
    "gguf-q4_0": dict(format="gguf-llama", seed=24,
                      types={"matrix": "Q4_0", "tok_embeddings": "Q4_0"},
                      config=arch({"heads": 4, "kv_heads": 1}, tied=True)),
}


def kind_of(name):
    """tok_embeddings, pos_embeddings, output, norm, a matrix's short name
    (wq ... w3), or 'vector' for norms and biases."""
    short = name.split(".")[-1]
    if short in ("tok_embeddings", "pos_embeddings", "output"):
        return short
    if short in ("wq", "wk", "wv", "wo", "w1", "w2", "w3"):
        return short
    return "vector"


def stored_type(case, name):
    """The type a tensor is stored in for this case."""
    if "dtype" in case:
        return case["dtype"]  # HF: one dtype for every tensor
    types = case.get("types", {})
    kind = kind_of(name)
    if kind == "vector":
        return "F32"
    if kind in types:
        return types[kind]
    if kind.startswith("w") and "matrix" in types:
        return types["matrix"]
    return "F32"


def make_tensors(case):
    """Deterministic random canonical tensors, scaled so activations stay
    O(1): matrices N(0, 1/fan_in), embeddings N(0, 0.5^2), norm weights 1 + N(0,
    0.1^2), biases and LayerNorm shifts N(0, 0.1^2)."""
    rng = np.random.default_rng(case["seed"])
    out = {}
    for name, shape in transformer_ref.tensor_shapes(case["config"]).items():
        if len(shape) == 1:
            base = 1.0 if name.endswith("norm") else 0.0
            w = base + 0.1 * rng.standard_normal(shape)
        elif kind_of(name) in ("tok_embeddings", "pos_embeddings", "output"):
            w = 0.5 * rng.standard_normal(shape)
        else:
            w = rng.standard_normal(shape) / math.sqrt(shape[1])
        out[name] = w.astype(np.float32)
    return out


def rounded_tensors(case):
    """The canonical tensors as a reader of the written file gets them back."""
    if case["format"] == "yaml-random":
        return attnc_random.random_tensors(transformer_ref.tensor_shapes(case["config"]),
                                           case["seed"], case["config"]["tie_embeddings"])
    tensors = make_tensors(case)
    if case["format"] == "llama2c-v2":
        gs = case["group_size"]
        return {n: (w if kind_of(n) == "vector" else llama2c_writer.roundtrip_q80(w, gs))
                for n, w in tensors.items()}
    return {n: ROUND[stored_type(case, n)](w) for n, w in tensors.items()}


def prompt_of(case):
    rng = np.random.default_rng(1000 + case["seed"])
    return [int(t) for t in rng.integers(3, case["config"]["vocab_size"],
                                         size=case.get("prompt_len", 10))]

# ----------------------------------------------------------------------------
# Writers of each format
# ----------------------------------------------------------------------------


def per_layer(config):
    return range(config["layers"])


def write_hf(case, tensors, path):
    import hf_writer
    c, att, norm, mlp = case["config"], case["config"]["attention"], case["config"]["norm"], \
        case["config"]["mlp"]
    out = {}
    if case["format"] == "hf-gpt2":
        cfg = {"architectures": ["GPT2LMHeadModel"], "model_type": "gpt2",
               "vocab_size": c["vocab_size"], "n_positions": c["context_length"],
               "n_ctx": c["context_length"], "n_embd": c["dim"], "n_layer": c["layers"],
               "n_head": att["heads"], "n_inner": mlp["hidden"],
               "activation_function": {"gelu_tanh": "gelu_new", "gelu": "gelu",
                                       "relu": "relu"}[mlp["activation"]],
               "layer_norm_epsilon": norm["eps"],
               "tie_word_embeddings": c["tie_embeddings"], "bos_token_id": 1, "eos_token_id": 2,
               "scale_attn_weights": True, "torch_dtype": "float32"}
        out["transformer.wte.weight"] = tensors["tok_embeddings"]
        out["transformer.wpe.weight"] = tensors["pos_embeddings"]
        for l in per_layer(c):
            p, h = f"layers.{l}.", f"transformer.h.{l}."
            out[h + "ln_1.weight"] = tensors[p + "attention_norm"]
            out[h + "ln_1.bias"] = tensors[p + "attention_norm_bias"]
            # Conv1D stores (in, out): the transpose of nn.Linear's (out, in).
            out[h + "attn.c_attn.weight"] = np.concatenate(
                [tensors[p + "wq"], tensors[p + "wk"], tensors[p + "wv"]], axis=0).T
            out[h + "attn.c_attn.bias"] = np.concatenate(
                [tensors[p + "bq"], tensors[p + "bk"], tensors[p + "bv"]])
            out[h + "attn.c_proj.weight"] = tensors[p + "wo"].T
            out[h + "attn.c_proj.bias"] = tensors[p + "bo"]
            out[h + "ln_2.weight"] = tensors[p + "ffn_norm"]
            out[h + "ln_2.bias"] = tensors[p + "ffn_norm_bias"]
            out[h + "mlp.c_fc.weight"] = tensors[p + "w1"].T
            out[h + "mlp.c_fc.bias"] = tensors[p + "b1"]
            out[h + "mlp.c_proj.weight"] = tensors[p + "w2"].T
            out[h + "mlp.c_proj.bias"] = tensors[p + "b2"]
        out["transformer.ln_f.weight"] = tensors["norm"]
        out["transformer.ln_f.bias"] = tensors["norm_bias"]
        if not c["tie_embeddings"]:
            out["lm_head.weight"] = tensors["output"]
    else:
        mistral = case["format"] == "hf-mistral"
        cfg = {"architectures": ["MistralForCausalLM" if mistral else "LlamaForCausalLM"],
               "model_type": "mistral" if mistral else "llama",
               "vocab_size": c["vocab_size"], "max_position_embeddings": c["context_length"],
               "hidden_size": c["dim"], "intermediate_size": mlp["hidden"],
               "num_hidden_layers": c["layers"], "num_attention_heads": att["heads"],
               "num_key_value_heads": att["kv_heads"], "hidden_act": "silu",
               "rms_norm_eps": norm["eps"], "rope_theta": att["rope_theta"],
               "tie_word_embeddings": c["tie_embeddings"], "bos_token_id": 1,
               "eos_token_id": 2, "attention_bias": att["qkv_bias"], "mlp_bias": mlp["bias"],
               "torch_dtype": {"F32": "float32", "F16": "float16",
                               "BF16": "bfloat16"}[case["dtype"]]}
        if mistral:
            cfg["sliding_window"] = att["window"]
        out["model.embed_tokens.weight"] = tensors["tok_embeddings"]
        names = {"attention_norm": "input_layernorm.weight", "wq": "self_attn.q_proj.weight",
                 "wk": "self_attn.k_proj.weight", "wv": "self_attn.v_proj.weight",
                 "wo": "self_attn.o_proj.weight", "ffn_norm": "post_attention_layernorm.weight",
                 "w1": "mlp.gate_proj.weight", "w3": "mlp.up_proj.weight",
                 "w2": "mlp.down_proj.weight"}
        # attention_bias: q, k, v and o; mlp_bias: gate, up and down.
        names.update({"bq": "self_attn.q_proj.bias", "bk": "self_attn.k_proj.bias",
                      "bv": "self_attn.v_proj.bias", "bo": "self_attn.o_proj.bias",
                      "b1": "mlp.gate_proj.bias", "b3": "mlp.up_proj.bias",
                      "b2": "mlp.down_proj.bias"})
        assert att["qkv_bias"] == att["out_bias"], "HF Llama has one attention_bias"
        for l in per_layer(c):
            for ours, theirs in names.items():
                if f"layers.{l}.{ours}" in tensors:
                    out[f"model.layers.{l}.{theirs}"] = tensors[f"layers.{l}.{ours}"]
        out["model.norm.weight"] = tensors["norm"]
        if not c["tie_embeddings"]:
            out["lm_head.weight"] = tensors["output"]
    out = {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in out.items()}
    hf_writer.write_hf_dir(path, cfg, out, dtype=case["dtype"], shards=case.get("shards", 1))


GGUF_NAMES = {"attention_norm": "attn_norm.weight", "attention_norm_bias": "attn_norm.bias",
              "wq": "attn_q.weight", "wk": "attn_k.weight", "wv": "attn_v.weight",
              "wo": "attn_output.weight", "bq": "attn_q.bias", "bk": "attn_k.bias",
              "bv": "attn_v.bias", "bo": "attn_output.bias", "ffn_norm": "ffn_norm.weight",
              "ffn_norm_bias": "ffn_norm.bias", "w2": "ffn_down.weight", "b2": "ffn_down.bias"}
GGUF_TOP = {"tok_embeddings": "token_embd.weight", "pos_embeddings": "position_embd.weight",
            "norm": "output_norm.weight", "norm_bias": "output_norm.bias",
            "output": "output.weight"}


def gguf_name(config, name):
    """llama.cpp's name of a canonical tensor (split q / k / v)."""
    if name in GGUF_TOP:
        return GGUF_TOP[name]
    _, l, short = name.split(".")
    gated = config["mlp"]["activation"] == "swiglu"
    if short in ("w1", "b1"):
        base = "ffn_gate" if gated else "ffn_up"
    elif short in ("w3", "b3"):
        base = "ffn_up"
    else:
        return f"blk.{l}.{GGUF_NAMES[short]}"
    return f"blk.{l}.{base}.{'weight' if short[0] == 'w' else 'bias'}"


def write_gguf_file(case, tensors, path):
    import gguf_writer
    c, att, norm = case["config"], case["config"]["attention"], case["config"]["norm"]
    gpt2 = case["format"] == "gguf-gpt2"
    a = "gpt2" if gpt2 else "llama"
    hd = c["dim"] // att["heads"]
    meta = [("general.architecture", "str", a), ("general.name", "str", "attnc-test"),
            (f"{a}.context_length", "u32", c["context_length"]),
            (f"{a}.embedding_length", "u32", c["dim"]),
            (f"{a}.feed_forward_length", "u32", c["mlp"]["hidden"]),
            (f"{a}.block_count", "u32", c["layers"]),
            (f"{a}.attention.head_count", "u32", att["heads"]),
            ("tokenizer.ggml.bos_token_id", "u32", 1), ("tokenizer.ggml.eos_token_id", "u32", 2)]
    if gpt2:
        meta.append((f"{a}.attention.layer_norm_epsilon", "f32", norm["eps"]))
    else:
        meta += [(f"{a}.attention.head_count_kv", "u32", att["kv_heads"]),
                 (f"{a}.rope.dimension_count", "u32", hd),
                 (f"{a}.rope.freq_base", "f32", att["rope_theta"]),
                 (f"{a}.attention.layer_norm_rms_epsilon", "f32", norm["eps"]),
                 (f"{a}.vocab_size", "u32", c["vocab_size"])]
    out = []
    names = list(tensors)
    if gpt2:
        # llama.cpp's gpt2 stores q, k, v fused as attn_qkv, rows q then k then v.
        for name in names:
            short = name.split(".")[-1]
            if short in ("wk", "wv", "bk", "bv"):
                continue
            if short in ("wq", "bq"):
                l = name.split(".")[1]
                fused = np.concatenate([tensors[f"layers.{l}.{short[0]}{x}"] for x in "qkv"])
                kind = "weight" if short == "wq" else "bias"
                out.append((f"blk.{l}.attn_qkv.{kind}", fused, stored_type(case, name)))
                continue
            out.append((gguf_name(c, name), tensors[name], stored_type(case, name)))
    else:
        out = [(gguf_name(c, n), tensors[n], stored_type(case, n)) for n in names]
    gguf_writer.write_gguf(path, meta, [(n, np.ascontiguousarray(w, np.float32), t)
                                        for n, w, t in out])


def yaml_of(config, weights_format, weights_path, seed=None):
    """The description (YAML flow mappings) of a config."""
    att, norm, mlp = config["attention"], config["norm"], config["mlp"]

    def flow(d):
        items = []
        for k, v in d.items():
            if isinstance(v, bool):
                v = "true" if v else "false"
            elif isinstance(v, float):
                v = repr(v)
            items.append(f"{k}: {v}")
        return "{" + ", ".join(items) + "}"

    attention = {k: att[k] for k in ("heads", "kv_heads", "mask", "position", "qkv_bias",
                                     "out_bias")}
    if att["mask"] == "sliding_window":
        attention["window"] = att["window"]
    if att["position"] == "rope":
        attention["rope_theta"] = float(att["rope_theta"])
        attention["rope_pairs"] = att["rope_pairs"]
    lines = ["# Written by test/Models/Inputs/run_model.py.",
             "name: attnc-test",
             f"vocab_size: {config['vocab_size']}",
             f"context_length: {config['context_length']}",
             f"dim: {config['dim']}",
             f"layers: {config['layers']}",
             f"attention: {flow(attention)}",
             f"norm: {flow({k: norm[k] for k in ('kind', 'eps', 'placement', 'final')})}",
             f"mlp: {flow({k: mlp[k] for k in ('hidden', 'activation', 'bias')})}",
             f"tie_embeddings: {'true' if config['tie_embeddings'] else 'false'}",
             f"weights: {{format: {weights_format}, "
             + (f"seed: {seed}}}" if seed is not None else f"path: {weights_path}}}")]
    return "\n".join(lines) + "\n"


def write_case(name, directory):
    """Writes the case's files into `directory`; returns the compile target."""
    case = CASES[name]
    os.makedirs(directory, exist_ok=True)
    tensors = rounded_tensors(case)
    fmt = case["format"]
    if fmt.startswith("hf-"):
        target = os.path.join(directory, "model")
        if os.path.isdir(target):
            shutil.rmtree(target)
        write_hf(case, tensors, target)
    elif fmt.startswith("gguf-"):
        target = os.path.join(directory, "model.gguf")
        write_gguf_file(case, tensors, target)
    elif fmt == "yaml-random":
        target = os.path.join(directory, "model.yaml")
        with open(target, "w") as f:
            f.write(yaml_of(case["config"], "random", None, seed=case["seed"]))
    elif fmt == "yaml-gguf":
        write_gguf_file(case, tensors, os.path.join(directory, "weights.gguf"))
        target = os.path.join(directory, "model.yaml")
        with open(target, "w") as f:
            f.write(yaml_of(case["config"], "gguf", "weights.gguf"))
    elif fmt.startswith("llama2c-"):
        version = int(fmt.split("-")[1][1])
        target = os.path.join(directory, "model.bin")
        llama2c_writer.write(target, case["config"], tensors, version=version,
                             group_size=case.get("group_size"))
        if fmt.endswith("-yaml"):
            target = os.path.join(directory, "model.yaml")
            with open(target, "w") as f:
                f.write(yaml_of(case["config"], "llama2c", "model.bin"))
    else:
        raise ValueError(fmt)
    return target

# ----------------------------------------------------------------------------
# Compile, run, compare
# ----------------------------------------------------------------------------


def reference_path_ok(name):
    """The reference's own greedy path must not reach BOS / EOS (the program
    would stop early); true for the fixed seeds above."""
    case = CASES[name]
    tokens, _ = transformer_ref.generate(case["config"], rounded_tensors(case), prompt_of(case),
                                         N_PREDICT)
    generated = tokens[len(prompt_of(case)):]
    if any(t in SPECIAL for t in generated):
        print(f"FAIL: the case's weights make greedy decoding emit BOS/EOS ({generated}); "
              f"change its seed")
        return False
    return True


def check(name, logits_path):
    case = CASES[name]
    config, vocab = case["config"], case["config"]["vocab_size"]
    prompt = prompt_of(case)
    expected_rows = len(prompt) + N_PREDICT - 1
    size = os.path.getsize(logits_path)
    if size % (4 * vocab):
        print(f"FAIL: {logits_path} has {size} bytes, not rows of {vocab} float32")
        return 1
    ours = np.fromfile(logits_path, dtype="<f4").reshape(-1, vocab)
    if ours.shape[0] != expected_rows:
        print(f"FAIL: {ours.shape[0]} rows of logits, expected {expected_rows} "
              f"(prompt {len(prompt)} + {N_PREDICT - 1} decode steps)")
        return 1
    forced = [int(np.argmax(ours[i])) for i in range(len(prompt) - 1, expected_rows - 1)]
    tokens, ref = transformer_ref.generate(config, rounded_tensors(case), prompt,
                                           N_PREDICT - 1, forced=forced)
    worst, bad = 0.0, []
    for i in range(expected_rows):
        diff = float(np.max(np.abs(ours[i].astype(np.float64) - ref[i])))
        print(f"row {i:3d} token {tokens[i]:4d}  max |diff| {diff:.3e}")
        if not diff <= TOL:
            bad.append(i)
        worst = max(worst, diff) if diff == diff else float("nan")
    print(f"{name}: max |diff| {worst:.3e} over {expected_rows} rows "
          f"(logits up to {float(np.max(np.abs(ref))):.1f}; tol {TOL:g})")
    if bad:
        print(f"FAIL: {len(bad)} rows differ by more than {TOL:g}, the first is row {bad[0]}")
        return 1
    return 0


def prompt_args(name):
    return ["--prompt-ids", ",".join(str(t) for t in prompt_of(CASES[name])),
            "-n", str(N_PREDICT), "--temp", "0"]


def run_cmd(cmd):
    print("$ " + " ".join(cmd), flush=True)
    done = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, errors="replace")
    if done.returncode != 0:
        print(done.stdout, end="")
        print(f"FAIL: exit status {done.returncode}")
        return False
    return True


def case_format(name):
    return CASES[name]["format"]


def check_random_weights(name, attnc, target):
    """attnc check's checksum of the described random weights must be the
    port's (attnc_random.py): otherwise the port drifted from attnc's
    generator, and a logits difference would say nothing about the model."""
    cmd = [attnc, "check", target]
    print("$ " + " ".join(cmd), flush=True)
    done = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          errors="replace")
    case = CASES[name]
    ours = "0x%016x" % attnc_random.checksum(case["config"], rounded_tensors(case))
    line = [l for l in done.stdout.splitlines() if l.startswith("checksum")]
    if done.returncode != 0 or not line or line[0].split()[-1] != ours:
        print(done.stdout, end="")
        print(f"FAIL: attnc's random weights are not attnc_random.py's (checksum {ours}): "
              f"update the port")
        return False
    print(f"random weights: checksum {ours} as attnc's")
    return True


def run_case(name, directory):
    if not reference_path_ok(name):
        return 1
    target = write_case(name, directory)
    attnc = shutil.which("attnc") or "attnc"
    exe, logits = os.path.join(directory, "model.exe"), os.path.join(directory, "logits.f32")
    if case_format(name) == "yaml-random" and not check_random_weights(name, attnc, target):
        return 1
    if not run_cmd([attnc, "compile", target, "-o", exe]):
        return 1
    if not run_cmd([exe] + prompt_args(name) + ["--logits-out", logits]):
        return 1
    return check(name, logits)


def selftest():
    """The reference's rounding must be what a reader of the stored file gets,
    and rounding rounded values must change nothing (the writers round again)."""
    rng = np.random.default_rng(5)
    x = (rng.standard_normal((64, 96)) * rng.uniform(0.01, 3, (64, 1))).astype(np.float32)
    x[0, :32] = 0  # an all-zero block
    x[1, 5] = -x[1, :32].__abs__().max() * 2  # the largest magnitude negative
    ok = True
    for name, fn in ROUND.items():
        once = fn(x)
        # Numerically (ggml's Q4_0 of a zero block gives -0, whose second
        # rounding gives +0; random weights have no zero block).
        same = np.array_equal(fn(once), once)
        print(f"{name}: idempotent {same}")
        ok &= same
    import gguf.quants as q  # from PYTHONPATH: llama.cpp's gguf-py
    from gguf.constants import GGMLQuantizationType as T
    for name, qt in (("Q8_0", T.Q8_0), ("Q4_0", T.Q4_0), ("BF16", T.BF16), ("F16", T.F16)):
        theirs = q.dequantize(q.quantize(x, qt), qt).astype(np.float32)
        equal = np.array_equal(theirs.view(np.uint32), ROUND[name](x).view(np.uint32))
        print(f"{name}: equals gguf-py's quantize + dequantize {equal}")
        ok &= equal
    print("selftest passed" if ok else "FAIL")
    return 0 if ok else 1


def main(argv):
    if len(argv) >= 2 and argv[1] == "selftest":
        return selftest()
    if len(argv) >= 2 and argv[1] == "list":
        print("\n".join(CASES))
        return 0
    if len(argv) < 3 or argv[2] not in CASES:
        sys.exit(f"usage: run_model.py run|write|check|prompt CASE [DIR [LOGITS]]; "
                 f"cases: {', '.join(CASES)}")
    mode, name = argv[1], argv[2]
    if mode == "run" and len(argv) == 4:
        return run_case(name, argv[3])
    if mode == "write" and len(argv) == 4:
        print(write_case(name, argv[3]))
        return 0
    if mode == "check" and len(argv) == 5:
        return check(name, argv[4])
    if mode == "prompt" and len(argv) == 3:
        print(" ".join(prompt_args(name)))
        return 0
    sys.exit("usage: run_model.py run|write|check|prompt CASE [DIR [LOGITS]]")


if __name__ == "__main__":
    sys.exit(main(sys.argv))
