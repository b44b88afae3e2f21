#!/usr/bin/env python3
"""Writes the seed corpus of attnc-fuzz-gguf (test/Fuzz/GgufFuzzer.cpp).

    seeds_gguf.py OUTDIR [--models DIR]

Small valid GGUF files, written here with struct only (the fuzz scripts run
on any python3): a tiny llama model in F32 with a tokenizer, the same with
Q8_0 matrices and a tied classifier, a tiny gpt2 model with Q4_0 matrices and
alignment 64, a file of Q4_K, Q6_K, F16 and BF16 tensors, and one holding a
value of every metadata type (arrays of each, strings, bools). Each model
imports with importGguf (smoke-gguf.test checks that with attnc-gguf-dump).
"""
import argparse
import os
import random
import struct
import sys

TYPES = {"u8": (0, "<B"), "i8": (1, "<b"), "u16": (2, "<H"), "i16": (3, "<h"),
         "u32": (4, "<I"), "i32": (5, "<i"), "f32": (6, "<f"), "bool": (7, "<?"),
         "u64": (10, "<Q"), "i64": (11, "<q"), "f64": (12, "<d")}
GGML = {"F32": (0, 1, 4), "F16": (1, 1, 2), "Q4_0": (2, 32, 18), "Q8_0": (8, 32, 34),
        "Q4_K": (12, 256, 144), "Q6_K": (14, 256, 210), "BF16": (30, 1, 2)}


def string(s):
    b = s.encode()
    return struct.pack("<Q", len(b)) + b


def value(ty, v):
    if ty == "str":
        return struct.pack("<I", 8) + string(v)
    if ty.startswith("arr["):
        el = ty[4:-1]
        if el == "str":
            return struct.pack("<IIQ", 9, 8, len(v)) + b"".join(string(x) for x in v)
        code, fmt = TYPES[el]
        return struct.pack("<IIQ", 9, code, len(v)) + b"".join(struct.pack(fmt, x) for x in v)
    code, fmt = TYPES[ty]
    return struct.pack("<I", code) + struct.pack(fmt, v)


def blocks(rng, ggml, shape):
    """Random bytes of `shape` in `ggml` with small finite scales."""
    _, per, size = GGML[ggml]
    n = 1
    for d in shape:
        n *= d
    out = bytearray()
    for _ in range(n // per):
        if ggml == "F32":
            out += struct.pack("<f", rng.uniform(-1, 1))
            continue
        b = bytearray(rng.getrandbits(8) for _ in range(size))
        scale = struct.pack("<e", rng.uniform(0.001, 0.1))
        for at in {"Q8_0": [0], "Q4_0": [0], "Q4_K": [0, 2], "Q6_K": [208]}.get(ggml, []):
            b[at:at + 2] = scale
        if ggml in ("F16", "BF16"):
            b = bytearray(struct.pack("<e", rng.uniform(-1, 1)))
        out += b
    return bytes(out)


def gguf(meta, tensors, alignment=32):
    """tensors: (name, shape in torch order, ggml type, bytes)."""
    if alignment != 32:
        meta = meta + [("general.alignment", "u32", alignment)]
    out = b"GGUF" + struct.pack("<IQQ", 3, len(tensors), len(meta))
    out += b"".join(string(k) + value(t, v) for k, t, v in meta)
    data, offset = b"", 0
    for name, shape, ggml, raw in tensors:
        out += string(name) + struct.pack("<I", len(shape))
        out += b"".join(struct.pack("<Q", d) for d in reversed(shape))
        out += struct.pack("<IQ", GGML[ggml][0], offset)
        raw += b"\0" * (-len(raw) % alignment)
        data += raw
        offset += len(raw)
    out += b"\0" * (-len(out) % alignment)
    return out + data


def llama(rng, d, heads, kv_heads, ff, vocab, ggml, tied):
    hd = d // heads
    meta = [("general.architecture", "str", "llama"), ("llama.context_length", "u32", 8),
            ("llama.embedding_length", "u32", d), ("llama.block_count", "u32", 1),
            ("llama.feed_forward_length", "u32", ff), ("llama.attention.head_count", "u32", heads),
            ("llama.attention.head_count_kv", "u32", kv_heads),
            ("llama.attention.layer_norm_rms_epsilon", "f32", 1e-5),
            ("tokenizer.ggml.model", "str", "llama"),
            ("tokenizer.ggml.tokens", "arr[str]", ["<t%d>" % i for i in range(vocab)]),
            ("tokenizer.ggml.scores", "arr[f32]", [float(-i) for i in range(vocab)]),
            ("tokenizer.ggml.token_type", "arr[i32]", [1] * vocab),
            ("tokenizer.ggml.bos_token_id", "u32", 1), ("tokenizer.ggml.eos_token_id", "u32", 2)]
    shapes = [("token_embd.weight", (vocab, d), ggml), ("blk.0.attn_norm.weight", (d,), "F32"),
              ("blk.0.attn_q.weight", (d, d), ggml), ("blk.0.attn_k.weight", (kv_heads * hd, d), ggml),
              ("blk.0.attn_v.weight", (kv_heads * hd, d), ggml),
              ("blk.0.attn_output.weight", (d, d), ggml), ("blk.0.ffn_norm.weight", (d,), "F32"),
              ("blk.0.ffn_gate.weight", (ff, d), ggml), ("blk.0.ffn_up.weight", (ff, d), ggml),
              ("blk.0.ffn_down.weight", (d, ff), ggml), ("output_norm.weight", (d,), "F32")]
    if not tied:
        shapes.append(("output.weight", (vocab, d), ggml))
    return gguf(meta, [(n, s, t, blocks(rng, t, s)) for n, s, t in shapes])


def gpt2(rng):
    d, ff, vocab, ctx = 32, 32, 4, 4
    meta = [("general.architecture", "str", "gpt2"), ("gpt2.context_length", "u32", ctx),
            ("gpt2.embedding_length", "u32", d), ("gpt2.block_count", "u32", 1),
            ("gpt2.feed_forward_length", "u32", ff), ("gpt2.attention.head_count", "u32", 2),
            ("gpt2.attention.layer_norm_epsilon", "f32", 1e-5)]
    shapes = [("token_embd.weight", (vocab, d), "Q4_0"), ("position_embd.weight", (ctx, d), "F32"),
              ("blk.0.attn_norm.weight", (d,), "F32"), ("blk.0.attn_norm.bias", (d,), "F32"),
              ("blk.0.attn_qkv.weight", (3 * d, d), "Q4_0"), ("blk.0.attn_qkv.bias", (3 * d,), "F32"),
              ("blk.0.attn_output.weight", (d, d), "Q4_0"), ("blk.0.attn_output.bias", (d,), "F32"),
              ("blk.0.ffn_norm.weight", (d,), "F32"), ("blk.0.ffn_norm.bias", (d,), "F32"),
              ("blk.0.ffn_up.weight", (ff, d), "Q4_0"), ("blk.0.ffn_up.bias", (ff,), "F32"),
              ("blk.0.ffn_down.weight", (d, ff), "Q4_0"), ("blk.0.ffn_down.bias", (d,), "F32"),
              ("output_norm.weight", (d,), "F32"), ("output_norm.bias", (d,), "F32")]
    return gguf(meta, [(n, s, t, blocks(rng, t, s)) for n, s, t in shapes], alignment=64)


def kquants(rng):
    shapes = [("a", (1, 256), "Q4_K"), ("b", (1, 256), "Q6_K"), ("c", (3, 2), "F16"),
              ("d", (5,), "BF16")]
    return gguf([("general.architecture", "str", "none")],
                [(n, s, t, blocks(rng, t, s)) for n, s, t in shapes])


def all_types():
    meta = [("k.%s" % t, t, v) for t, v in [("u8", 200), ("i8", -5), ("u16", 60000), ("i16", -300),
                                            ("u32", 7), ("i32", -7), ("f32", 0.5), ("bool", True),
                                            ("u64", 1 << 40), ("i64", -(1 << 40)), ("f64", 2.5)]]
    meta += [("k.str", "str", "text"), ("k.arr.str", "arr[str]", ["a", "", "bc"]),
             ("k.arr.f32", "arr[f32]", [1.0, -2.0]), ("k.arr.u8", "arr[u8]", [1, 2, 3]),
             ("k.arr.i64", "arr[i64]", [-1, 5]), ("k.arr.bool", "arr[bool]", [True, False]),
             ("k.arr.f64", "arr[f64]", [0.25])]
    return gguf(meta, [])


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--models", default=None, help="unused (fuzz.sh passes it)")
    args = parser.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    rng = random.Random(6)
    seeds = {"llama-f32.gguf": llama(rng, 8, 2, 1, 8, 4, "F32", False),
             "llama-q8_0-tied.gguf": llama(rng, 32, 2, 1, 32, 4, "Q8_0", True),
             "gpt2-q4_0.gguf": gpt2(rng), "kquants.gguf": kquants(rng),
             "all-types.gguf": all_types()}
    for name, data in seeds.items():
        with open(os.path.join(args.out, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main(sys.argv[1:])
