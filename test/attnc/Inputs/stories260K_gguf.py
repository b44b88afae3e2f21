#!/usr/bin/python3
"""Writes stories260K (llama2.c v0 checkpoint) as a GGUF whose matrices are
Q8_0 or Q4_0, packed as GGUF specifies (per block of 32: f16 d, then 32
int8, or 16 bytes of two 4-bit codes), by test/reference/gguf_writer.py (a
NumPy transcription of ggml's quantizers), not by attnc. ffn_down (rows of
172 values, not whole blocks) stays F32, as ggml requires. The tokenizer is
given to attnc separately (--tokenizer).

  stories260K_gguf.py CHECKPOINT OUT.gguf [Q8_0|Q4_0]     (default Q8_0)
"""
import os
import struct
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "reference"))
import gguf_writer  # noqa: E402


def main(checkpoint, out, quant="Q8_0"):
    assert quant in ("Q8_0", "Q4_0"), quant
    with open(checkpoint, "rb") as f:
        dim, hidden, layers, heads, kv_heads, vocab, seq = struct.unpack("<7i", f.read(28))
        floats = np.frombuffer(f.read(), "<f4")
    assert vocab > 0, "a shared classifier"
    hd = dim // heads
    kv = kv_heads * hd
    shapes = [("emb", (vocab, dim)), ("rms_att", (layers, dim)), ("wq", (layers, dim, dim)),
              ("wk", (layers, kv, dim)), ("wv", (layers, kv, dim)), ("wo", (layers, dim, dim)),
              ("rms_ffn", (layers, dim)), ("w1", (layers, hidden, dim)),
              ("w2", (layers, dim, hidden)), ("w3", (layers, hidden, dim)), ("norm", (dim,))]
    t, at = {}, 0
    for name, shape in shapes:
        n = int(np.prod(shape))
        t[name] = floats[at:at + n].reshape(shape)
        at += n

    def matrix(a):
        return quant if a.shape[-1] % 32 == 0 else "F32"

    tensors = [("token_embd.weight", t["emb"], matrix(t["emb"]))]
    for l in range(layers):
        for key, gguf in (("rms_att", "attn_norm"), ("wq", "attn_q"), ("wk", "attn_k"),
                          ("wv", "attn_v"), ("wo", "attn_output"), ("rms_ffn", "ffn_norm"),
                          ("w1", "ffn_gate"), ("w2", "ffn_down"), ("w3", "ffn_up")):
            a = t[key][l]
            tensors.append((f"blk.{l}.{gguf}.weight", a, "F32" if a.ndim == 1 else matrix(a)))
    tensors.append(("output_norm.weight", t["norm"], "F32"))
    meta = [("general.architecture", "str", "llama"), ("general.name", "str", "stories260K-" + quant[:2].lower()),
            ("llama.context_length", "u32", seq), ("llama.embedding_length", "u32", dim),
            ("llama.feed_forward_length", "u32", hidden), ("llama.block_count", "u32", layers),
            ("llama.attention.head_count", "u32", heads),
            ("llama.attention.head_count_kv", "u32", kv_heads),
            ("llama.rope.dimension_count", "u32", hd), ("llama.rope.freq_base", "f32", 10000.0),
            ("llama.attention.layer_norm_rms_epsilon", "f32", 1e-5),
            ("llama.vocab_size", "u32", vocab),
            ("tokenizer.ggml.bos_token_id", "u32", 1), ("tokenizer.ggml.eos_token_id", "u32", 2)]
    gguf_writer.write_gguf(out, meta, [(n, np.ascontiguousarray(a, np.float32), ty)
                                       for n, a, ty in tensors])


if __name__ == "__main__":
    main(*sys.argv[1:])
