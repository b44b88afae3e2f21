#!/usr/bin/python3
"""Tiny GGUF models for the GGUF import tests, and what attnc must read from them.

  gguf_models.py llama OUT.gguf EXPECTED [--type F32|F16|BF16|Q8_0|Q4_0] [--tied]
  gguf_models.py gpt2 OUT.gguf EXPECTED [--type ...] [--untied]
      Writes a random model with gguf_writer.py and, in EXPECTED, the lines
      `tensor NAME [SHAPE] crc32 0x........` attnc-gguf-dump --import must
      print: each canonical tensor (COMMON6.md) computed here from the arrays
      written (gpt2's fused qkv split by rows, a tied output equal to the
      embedding), dequantized by gguf_dequant_ref.py's NumPy reference when
      the type is not F32.
  gguf_models.py llama2c BIN EXPECTED
      The same lines for a llama2.c version 0 checkpoint read with NumPy
      (7 int32: dim, hidden, layers, heads, kv_heads, vocab (negative: untied
      classifier), seq_len; then the tensors in llama2.c order), to compare a
      GGUF conversion of it.
"""
import argparse
import os
import sys
import zlib

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "reference"))
import gguf_dequant_ref  # noqa: E402
import gguf_writer  # noqa: E402

PER_LAYER = ["attention_norm", "attention_norm_bias", "wq", "wk", "wv", "wo", "bq", "bk", "bv",
             "bo", "ffn_norm", "ffn_norm_bias", "w1", "w3", "w2", "b1", "b3", "b2"]


def expected_lines(canonical, layers):
    """attnc-gguf-dump's order: embeddings, layer by layer, final norm, output."""
    order = ["tok_embeddings", "pos_embeddings"]
    for l in range(layers):
        order += ["layers.%d.%s" % (l, n) for n in PER_LAYER]
    order += ["norm", "norm_bias", "output"]
    lines = []
    for name in order:
        if name in canonical:
            a = np.ascontiguousarray(canonical[name], dtype="<f4")
            lines.append("tensor %s [%s] crc32 0x%08x"
                         % (name, ", ".join(str(d) for d in a.shape), zlib.crc32(a.tobytes())))
    return lines


def stored(x, type_name):
    """What a reader gets back from `x` written as `type_name`."""
    if type_name == "F32" or x.ndim < 2:
        return x
    raw = gguf_writer.quantize(x, type_name)
    return gguf_dequant_ref.reference_numpy(raw, type_name, x.size).reshape(x.shape)


def llama(rng, t, tied):
    D, H, KVH, F, V, L, S = 64, 4, 2, 96, 40, 2, 16
    HD = D // H
    meta = [("general.architecture", "str", "llama"), ("general.name", "str", "tiny-llama"),
            ("llama.context_length", "u32", S), ("llama.embedding_length", "u32", D),
            ("llama.block_count", "u32", L), ("llama.feed_forward_length", "u32", F),
            ("llama.attention.head_count", "u32", H), ("llama.attention.head_count_kv", "u32", KVH),
            ("llama.rope.freq_base", "f32", 500000.0), ("llama.rope.dimension_count", "u32", HD),
            ("llama.attention.layer_norm_rms_epsilon", "f32", 1e-6),
            ("tokenizer.ggml.model", "str", "llama"),
            ("tokenizer.ggml.tokens", "arr[str]", ["t%d" % i for i in range(V)]),
            ("tokenizer.ggml.bos_token_id", "u32", 1), ("tokenizer.ggml.eos_token_id", "u32", 2)]
    tensors, canonical = [], {}

    def add(gname, cname, shape, norm=False):
        x = rng.standard_normal(shape).astype(np.float32)
        ty = "F32" if norm else t
        tensors.append((gname, x, ty))
        canonical[cname] = stored(x, ty)

    add("token_embd.weight", "tok_embeddings", (V, D))
    for l in range(L):
        b, c = "blk.%d." % l, "layers.%d." % l
        add(b + "attn_norm.weight", c + "attention_norm", (D,), True)
        add(b + "attn_q.weight", c + "wq", (H * HD, D))
        add(b + "attn_k.weight", c + "wk", (KVH * HD, D))
        add(b + "attn_v.weight", c + "wv", (KVH * HD, D))
        add(b + "attn_output.weight", c + "wo", (D, H * HD))
        add(b + "ffn_norm.weight", c + "ffn_norm", (D,), True)
        add(b + "ffn_gate.weight", c + "w1", (F, D))
        add(b + "ffn_up.weight", c + "w3", (F, D))
        add(b + "ffn_down.weight", c + "w2", (D, F))
    add("output_norm.weight", "norm", (D,), True)
    if tied:
        canonical["output"] = canonical["tok_embeddings"]
    else:
        add("output.weight", "output", (V, D))
    return meta, tensors, expected_lines(canonical, L)


def gpt2(rng, t, tied):
    D, H, F, V, L, S = 64, 4, 128, 50, 2, 24
    meta = [("general.architecture", "str", "gpt2"),
            ("gpt2.context_length", "u32", S), ("gpt2.embedding_length", "u32", D),
            ("gpt2.block_count", "u32", L), ("gpt2.feed_forward_length", "u32", F),
            ("gpt2.attention.head_count", "u32", H),
            ("gpt2.attention.layer_norm_epsilon", "f32", 1e-5),
            ("tokenizer.ggml.bos_token_id", "u32", 49), ("tokenizer.ggml.eos_token_id", "u32", 49)]
    tensors, canonical = [], {}

    def add(gname, shape, norm=False):
        x = rng.standard_normal(shape).astype(np.float32)
        ty = "F32" if norm else t
        tensors.append((gname, x, ty))
        return stored(x, ty)

    canonical["tok_embeddings"] = add("token_embd.weight", (V, D))
    canonical["pos_embeddings"] = add("position_embd.weight", (S, D))
    for l in range(L):
        b, c = "blk.%d." % l, "layers.%d." % l
        canonical[c + "attention_norm"] = add(b + "attn_norm.weight", (D,), True)
        canonical[c + "attention_norm_bias"] = add(b + "attn_norm.bias", (D,), True)
        qkv = add(b + "attn_qkv.weight", (3 * D, D))
        qkv_bias = add(b + "attn_qkv.bias", (3 * D,), True)
        for i, n in enumerate("qkv"):
            canonical[c + "w" + n] = qkv[i * D:(i + 1) * D]
            canonical[c + "b" + n] = qkv_bias[i * D:(i + 1) * D]
        canonical[c + "wo"] = add(b + "attn_output.weight", (D, D))
        canonical[c + "bo"] = add(b + "attn_output.bias", (D,), True)
        canonical[c + "ffn_norm"] = add(b + "ffn_norm.weight", (D,), True)
        canonical[c + "ffn_norm_bias"] = add(b + "ffn_norm.bias", (D,), True)
        canonical[c + "w1"] = add(b + "ffn_up.weight", (F, D))
        canonical[c + "b1"] = add(b + "ffn_up.bias", (F,), True)
        canonical[c + "w2"] = add(b + "ffn_down.weight", (D, F))
        canonical[c + "b2"] = add(b + "ffn_down.bias", (D,), True)
    canonical["norm"] = add("output_norm.weight", (D,), True)
    canonical["norm_bias"] = add("output_norm.bias", (D,), True)
    canonical["output"] = canonical["tok_embeddings"] if tied else add("output.weight", (V, D))
    return meta, tensors, expected_lines(canonical, L)


def llama2c(path):
    header = np.fromfile(path, dtype="<i4", count=7)
    dim, hidden, layers, heads, kv_heads, vocab, seq = (int(v) for v in header)
    shared = vocab > 0
    vocab = abs(vocab)
    hd = dim // heads
    data = np.fromfile(path, dtype="<f4", offset=28)
    at = 0

    def take(*shape):
        nonlocal at
        n = int(np.prod(shape))
        a = data[at:at + n].reshape(shape)
        at += n
        return a

    c = {"tok_embeddings": take(vocab, dim)}
    for name, shape in [("attention_norm", (dim,)), ("wq", (heads * hd, dim)),
                        ("wk", (kv_heads * hd, dim)), ("wv", (kv_heads * hd, dim)),
                        ("wo", (dim, heads * hd)), ("ffn_norm", (dim,)), ("w1", (hidden, dim)),
                        ("w2", (dim, hidden)), ("w3", (hidden, dim))]:
        for l in range(layers):
            c["layers.%d.%s" % (l, name)] = take(*shape)
    c["norm"] = take(dim)
    take(seq * hd // 2)  # freq_cis_real
    take(seq * hd // 2)  # freq_cis_imag
    c["output"] = c["tok_embeddings"] if shared else take(vocab, dim)
    assert at == data.size
    return expected_lines(c, layers)


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("kind", choices=["llama", "gpt2", "llama2c"])
    p.add_argument("path")
    p.add_argument("expected")
    p.add_argument("--type", default="F32")
    p.add_argument("--tied", action="store_true")
    p.add_argument("--alignment", type=int, default=32)
    args = p.parse_args(argv)
    if args.kind == "llama2c":
        lines = llama2c(args.path)
    else:
        rng = np.random.default_rng(7)
        meta, tensors, lines = (llama if args.kind == "llama" else gpt2)(rng, args.type, args.tied)
        gguf_writer.write_gguf(args.path, meta, tensors, args.alignment)
    with open(args.expected, "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
