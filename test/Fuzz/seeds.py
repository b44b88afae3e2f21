#!/usr/bin/env python3
"""Writes the seed corpus of one libFuzzer target (test/Fuzz/*Fuzzer.cpp).

Used by tools/fuzz.sh and by the smoke runs in test/Fuzz/smoke.test:
    seeds.py TARGET OUTDIR [--models DIR] [--describe DIR]
TARGET is description, llama2c, tokenizer or options. Seeds come from the
repository's test inputs (test/Frontend/Inputs/*.yaml, examples/*.yaml), from
small inputs generated here (llama2.c checkpoints of a few tiny shapes, a
small tokenizer, typical command lines), from ../shared/models/tok512.bin when
present, and from test/Fuzz/corpus/TARGET/ (reproducers of past findings).
--describe DIR also writes, for each generated checkpoint NAME.bin, a
description DIR/NAME.yaml that matches it, so a test can check with
`attnc check` that the seeds reach past the reader's checks.
"""
import argparse
import glob
import os
import random
import shutil
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

# Tiny shapes (dim, hidden, layers, heads, kv_heads, vocab, context, tied)
# that the description parser accepts.
SHAPES = {
    "tied": (8, 16, 1, 2, 1, 4, 4, True),
    "untied-gqa": (8, 12, 2, 4, 2, 6, 8, False),
    "mha": (16, 8, 1, 2, 2, 3, 2, True),
}


def checkpoint(shape, seed):
    """A llama2.c version 0 checkpoint of `shape` with random floats."""
    dim, hidden, layers, heads, kv_heads, vocab, context, tied = shape
    head_dim = dim // heads
    kv_dim = kv_heads * head_dim
    floats = vocab * dim  # tok_embeddings
    floats += layers * (dim + dim * dim + 2 * kv_dim * dim + dim * dim  # norm, wq, wk, wv, wo
                        + dim + 3 * hidden * dim)  # ffn_norm, w1, w2, w3
    floats += dim  # norm
    floats += context * head_dim  # the two legacy RoPE tables, context * head_dim / 2 each
    if not tied:
        floats += vocab * dim  # output
    rng = random.Random(seed)
    header = struct.pack("<7i", dim, hidden, layers, heads, kv_heads,
                         vocab if tied else -vocab, context)
    return header + struct.pack("<%df" % floats, *(rng.uniform(-1, 1) for _ in range(floats)))


def versioned(shape, seed, version, group=2):
    """The same shape as llama2.c's version 1 (float32) or 2 (int8 groups of
    `group` with a float32 scale each) export: a 256-byte header, the norms in
    float32, then the matrices."""
    dim, hidden, layers, heads, kv_heads, vocab, context, tied = shape
    kv_dim = kv_heads * (dim // heads)
    norms = layers * 2 * dim + dim
    matrices = [vocab * dim] + [dim * dim, kv_dim * dim, kv_dim * dim, dim * dim,
                                hidden * dim, dim * hidden, hidden * dim] * layers
    if not tied:
        matrices.append(vocab * dim)
    rng = random.Random(seed)
    header = struct.pack("<Ii7iB", 0x616b3432, version, dim, hidden, layers, heads, kv_heads,
                         vocab, context, 1 if tied else 0)
    if version == 2:
        header += struct.pack("<i", group)
    out = header + bytes(256 - len(header))
    out += struct.pack("<%df" % norms, *(rng.uniform(0.5, 1.5) for _ in range(norms)))
    for n in matrices:
        if version == 1:
            out += struct.pack("<%df" % n, *(rng.uniform(-1, 1) for _ in range(n)))
        else:
            out += struct.pack("<%db" % n, *(rng.randint(-127, 127) for _ in range(n)))
            out += struct.pack("<%df" % (n // group),
                               *(rng.uniform(0.001, 0.01) for _ in range(n // group)))
    return out


def description(name, shape):
    dim, hidden, layers, heads, kv_heads, vocab, context, tied = shape
    return ("name: %s\nvocab_size: %d\ncontext_length: %d\ndim: %d\nlayers: %d\n"
            "attention: {heads: %d, kv_heads: %d}\nmlp: {hidden: %d}\n"
            "tie_embeddings: %s\nweights: {format: llama2c, path: %s.bin}\n"
            % (name, vocab, context, dim, layers, heads, kv_heads, hidden,
               "true" if tied else "false", name))


def tokenizer():
    """A small llama2.c tokenizer.bin with what encode() needs: <unk>, BOS,
    EOS, the 256 byte tokens at 3..258, " ", and a few merges."""
    pieces = [b"<unk>", b"\n<s>\n", b"\n</s>\n"]
    pieces += [b"<0x%02X>" % b for b in range(256)]
    pieces += [b" ", b"a", b"e", b"n", b"o", b"t", b"O", b"c", b"u", b"p", b"i", b"m",
               b"on", b"ce", b"On", b"Once", b" u", b" up", b"up", b" a", b" t", b"ti",
               b" ti", b" time", b"me", b"\xc3\xa9", b"\xe6\x97\xa5"]
    out = struct.pack("<i", max(len(p) for p in pieces))
    for i, p in enumerate(pieces):
        score = 0.0 if i < 259 else -float(i - 259)
        out += struct.pack("<fi", score, len(p)) + p
    return out


OPTION_LINES = [
    ["-p", "Once upon a time", "-n", "64"],
    ["--prompt-ids", "1,403,407", "--temp", "0"],
    ["--temp=0.8", "--top-k=40", "--top-p=0.95", "--seed=42"],
    ["-t", "4", "--logits-out", "logits.bin", "-n", "-1"],
    ["-h"],
    ["--seed", "-1", "--n-predict=5", "-p", ""],
    ["--top-p", "1", "--top-k", "0", "--threads=1024"],
]


def write(outdir, name, data):
    with open(os.path.join(outdir, name), "wb") as f:
        f.write(data)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("target", choices=["description", "llama2c", "tokenizer", "options"])
    parser.add_argument("outdir")
    parser.add_argument("--models", help="directory with tok512.bin (optional)")
    parser.add_argument("--describe", help="write matching descriptions of the checkpoints here")
    args = parser.parse_args()
    os.makedirs(args.outdir, exist_ok=True)

    if args.target == "description":
        for path in sorted(glob.glob(os.path.join(ROOT, "test", "Frontend", "Inputs", "*.yaml")) +
                           glob.glob(os.path.join(ROOT, "examples", "*.yaml"))):
            parent = os.path.basename(os.path.dirname(path))
            shutil.copyfile(path, os.path.join(args.outdir, parent + "-" + os.path.basename(path)))
    elif args.target == "llama2c":
        for seed, (name, shape) in enumerate(sorted(SHAPES.items())):
            data = checkpoint(shape, seed)
            write(args.outdir, name + ".bin", data)
            if args.describe:
                os.makedirs(args.describe, exist_ok=True)
                write(args.describe, name + ".bin", data)
                write(args.describe, name + ".yaml", description(name, shape).encode())
        data = checkpoint(SHAPES["tied"], 7)
        write(args.outdir, "truncated.bin", data[:-6])
        write(args.outdir, "trailing.bin", data + b"\0\0\0\0")
        write(args.outdir, "version2-header-only.bin",
              struct.pack("<2i", 0x616b3432, 2) + data[8:64])
        write(args.outdir, "version1.bin", versioned(SHAPES["untied-gqa"], 8, 1))
        write(args.outdir, "version2.bin", versioned(SHAPES["tied"], 9, 2))
    elif args.target == "tokenizer":
        write(args.outdir, "small.bin", tokenizer())
        if args.models and os.path.isfile(os.path.join(args.models, "tok512.bin")):
            shutil.copyfile(os.path.join(args.models, "tok512.bin"),
                            os.path.join(args.outdir, "tok512.bin"))
    else:
        for i, argv in enumerate(OPTION_LINES):
            write(args.outdir, "line%d" % i, "\n".join(argv).encode())

    # Reproducers of past findings, kept small, named after what they found.
    for path in sorted(glob.glob(os.path.join(HERE, "corpus", args.target, "*"))):
        shutil.copyfile(path, os.path.join(args.outdir, "repro-" + os.path.basename(path)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
