"""Writes tiny Hugging Face checkpoint directories with test/reference/hf_writer.py
and, for each, NAME.expected: the `tensor NAME [SHAPE] 0xFNV` lines that
attnc-hf-dump must print, computed here from the same arrays by the mapping
written down in COMMON6 (Llama: names only; GPT-2: Conv1D weights
transposed, c_attn split by rows of the transpose into q, k, v), after the
dtype round trip (hf_writer.to_stored_f32). Also NAME.wq0.f32: layer 0's wq
as raw float32, for a byte comparison with `attnc-hf-dump --tensor`.

Usage: hf_models.py REFDIR OUTDIR
"""
import os
import sys

import numpy as np

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, sys.argv[1])
import hf_writer  # noqa: E402

OUT = sys.argv[2]
ORDER = ["attention_norm", "attention_norm_bias", "wq", "wk", "wv", "wo", "bq", "bk", "bv",
         "bo", "ffn_norm", "ffn_norm_bias", "w1", "w3", "w2", "b1", "b3", "b2"]


def fnv(a):
    h = 0xCBF29CE484222325
    for b in np.ascontiguousarray(a, dtype="<f4").tobytes():
        h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def expected(name, canonical, layers):
    lines = []
    names = ["tok_embeddings", "pos_embeddings"]
    names += ["layers.%d.%s" % (l, t) for l in range(layers) for t in ORDER]
    names += ["norm", "norm_bias", "output"]
    for n in names:
        if n in canonical:
            a = canonical[n]
            lines.append("tensor %s [%s] 0x%016x" % (n, ", ".join(str(d) for d in a.shape), fnv(a)))
    with open(os.path.join(OUT, name + ".expected"), "w") as f:
        f.write("\n".join(lines) + "\n")
    np.ascontiguousarray(canonical["layers.0.wq"], dtype="<f4").tofile(
        os.path.join(OUT, name + ".wq0.f32"))


def llama(name, rng, dim=8, heads=2, kv_heads=2, hidden=12, layers=2, vocab=10, ctx=16,
          tied=False, attention_bias=False, mlp_bias=False, dtype="F32", shards=1,
          arch="LlamaForCausalLM", extra=None, lm_head_when_tied=False, inv_freq=False,
          embed=None):
    hd = dim // heads
    config = {"architectures": [arch], "hidden_size": dim, "intermediate_size": hidden,
              "num_hidden_layers": layers, "num_attention_heads": heads,
              "num_key_value_heads": kv_heads, "max_position_embeddings": ctx,
              "vocab_size": vocab, "rms_norm_eps": 1e-5, "hidden_act": "silu",
              "tie_word_embeddings": tied, "attention_bias": attention_bias,
              "mlp_bias": mlp_bias, "rope_scaling": None, "torch_dtype": "float32"}
    config.update(extra or {})
    r = lambda *s: rng.standard_normal(s).astype(np.float32)  # noqa: E731
    t = {"model.embed_tokens.weight": r(vocab, dim) if embed is None else embed}
    c = {"tok_embeddings": "model.embed_tokens.weight"}
    for l in range(layers):
        p = "model.layers.%d." % l
        q = "layers.%d." % l
        parts = [("input_layernorm.weight", "attention_norm", (dim,)),
                 ("self_attn.q_proj.weight", "wq", (heads * hd, dim)),
                 ("self_attn.k_proj.weight", "wk", (kv_heads * hd, dim)),
                 ("self_attn.v_proj.weight", "wv", (kv_heads * hd, dim)),
                 ("self_attn.o_proj.weight", "wo", (dim, heads * hd)),
                 ("post_attention_layernorm.weight", "ffn_norm", (dim,)),
                 ("mlp.gate_proj.weight", "w1", (hidden, dim)),
                 ("mlp.up_proj.weight", "w3", (hidden, dim)),
                 ("mlp.down_proj.weight", "w2", (dim, hidden))]
        if attention_bias:
            parts += [("self_attn.q_proj.bias", "bq", (heads * hd,)),
                      ("self_attn.k_proj.bias", "bk", (kv_heads * hd,)),
                      ("self_attn.v_proj.bias", "bv", (kv_heads * hd,)),
                      ("self_attn.o_proj.bias", "bo", (dim,))]
        if mlp_bias:
            parts += [("mlp.gate_proj.bias", "b1", (hidden,)), ("mlp.up_proj.bias", "b3", (hidden,)),
                      ("mlp.down_proj.bias", "b2", (dim,))]
        for hf, canon, shape in parts:
            t[p + hf] = r(*shape)
            c[q + canon] = p + hf
        if inv_freq:
            t[p + "self_attn.rotary_emb.inv_freq"] = r(hd // 2)
    t["model.norm.weight"] = r(dim)
    c["norm"] = "model.norm.weight"
    if not tied:
        t["lm_head.weight"] = r(vocab, dim)
        c["output"] = "lm_head.weight"
    elif lm_head_when_tied:
        t["lm_head.weight"] = t["model.embed_tokens.weight"].copy()
    hf_writer.write_hf_dir(os.path.join(OUT, name), config, t, dtype=dtype, shards=shards)
    stored = {k: hf_writer.to_stored_f32(v, dtype) for k, v in t.items()}
    canonical = {k: stored[v] for k, v in c.items()}
    if tied:
        canonical["output"] = canonical["tok_embeddings"]
    expected(name, canonical, layers)


def gpt2(name, rng, dim=8, heads=2, layers=2, vocab=11, ctx=6, inner=None, prefix="transformer.",
         dtype="F32", act="gelu_new", lm_head=None):
    f = inner or 4 * dim
    config = {"architectures": ["GPT2LMHeadModel"], "n_embd": dim, "n_layer": layers,
              "n_head": heads, "n_positions": ctx, "n_ctx": ctx, "vocab_size": vocab,
              "n_inner": inner, "activation_function": act, "layer_norm_epsilon": 1e-5,
              "bos_token_id": 9, "eos_token_id": 10}
    r = lambda *s: rng.standard_normal(s).astype(np.float32)  # noqa: E731
    p = prefix
    t = {p + "wte.weight": r(vocab, dim), p + "wpe.weight": r(ctx, dim)}
    for l in range(layers):
        h = p + "h.%d." % l
        for k, s in [("ln_1.weight", (dim,)), ("ln_1.bias", (dim,)),
                     ("attn.c_attn.weight", (dim, 3 * dim)), ("attn.c_attn.bias", (3 * dim,)),
                     ("attn.c_proj.weight", (dim, dim)), ("attn.c_proj.bias", (dim,)),
                     ("ln_2.weight", (dim,)), ("ln_2.bias", (dim,)),
                     ("mlp.c_fc.weight", (dim, f)), ("mlp.c_fc.bias", (f,)),
                     ("mlp.c_proj.weight", (f, dim)), ("mlp.c_proj.bias", (dim,))]:
            t[h + k] = r(*s)
        t[h + "attn.bias"] = np.tril(np.ones((ctx, ctx), np.float32)).reshape(1, 1, ctx, ctx)
    t[p + "ln_f.weight"] = r(dim)
    t[p + "ln_f.bias"] = r(dim)
    if lm_head == "same":
        t["lm_head.weight"] = t[p + "wte.weight"].copy()
    elif lm_head == "own":
        t["lm_head.weight"] = r(vocab, dim)
    hf_writer.write_hf_dir(os.path.join(OUT, name), config, t, dtype=dtype)
    s = {k: hf_writer.to_stored_f32(v, dtype) for k, v in t.items()}
    canonical = {"tok_embeddings": s[p + "wte.weight"], "pos_embeddings": s[p + "wpe.weight"],
                 "norm": s[p + "ln_f.weight"], "norm_bias": s[p + "ln_f.bias"]}
    for l in range(layers):
        h = p + "h.%d." % l
        q = "layers.%d." % l
        attn_t = s[h + "attn.c_attn.weight"].T  # (3D, D): rows q, then k, then v
        canonical.update({
            q + "attention_norm": s[h + "ln_1.weight"], q + "attention_norm_bias": s[h + "ln_1.bias"],
            q + "wq": attn_t[:dim], q + "wk": attn_t[dim:2 * dim], q + "wv": attn_t[2 * dim:],
            q + "bq": s[h + "attn.c_attn.bias"][:dim], q + "bk": s[h + "attn.c_attn.bias"][dim:2 * dim],
            q + "bv": s[h + "attn.c_attn.bias"][2 * dim:],
            q + "wo": s[h + "attn.c_proj.weight"].T, q + "bo": s[h + "attn.c_proj.bias"],
            q + "ffn_norm": s[h + "ln_2.weight"], q + "ffn_norm_bias": s[h + "ln_2.bias"],
            q + "w1": s[h + "mlp.c_fc.weight"].T, q + "b1": s[h + "mlp.c_fc.bias"],
            q + "w2": s[h + "mlp.c_proj.weight"].T, q + "b2": s[h + "mlp.c_proj.bias"]})
    canonical["output"] = s["lm_head.weight"] if lm_head == "own" else canonical["tok_embeddings"]
    expected(name, canonical, layers)


os.makedirs(OUT, exist_ok=True)
rng = np.random.default_rng(6)
llama("llama-f32", rng)
llama("llama-f16-gqa", rng, heads=4, kv_heads=2, dtype="F16", tied=True,
      extra={"rope_theta": 500000.0, "bos_token_id": 3, "eos_token_id": [4, 5]},
      lm_head_when_tied=True, inv_freq=True)
llama("llama-bf16-sharded", rng, heads=4, kv_heads=1, dtype="BF16", shards=3, layers=3,
      attention_bias=True, mlp_bias=True)
llama("mistral-window", rng, arch="MistralForCausalLM", extra={"sliding_window": 4})
llama("mistral-nowindow", rng, arch="MistralForCausalLM", dtype="BF16",
      extra={"sliding_window": None, "head_dim": 4})
# Every 16-bit pattern as the embedding: the F16 and BF16 conversions are
# exact for all of them (subnormals, infinities, NaN payloads).
bits = np.arange(65536, dtype=np.uint32)
llama("llama-f16-all", rng, vocab=8192, dtype="F16",
      embed=bits.astype(np.uint16).view(np.float16).astype(np.float32).reshape(8192, 8))
llama("llama-bf16-all", rng, vocab=8192, dtype="BF16",
      embed=(bits << 16).view(np.float32).reshape(8192, 8))
gpt2("gpt2", rng)
gpt2("gpt2-noprefix-f16", rng, prefix="", dtype="F16", act="gelu", inner=20, lm_head="own")
gpt2("gpt2-samehead", rng, act="relu", lm_head="same")
