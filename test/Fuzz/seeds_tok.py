#!/usr/bin/env python3
"""Writes the seed corpus of the tokenizer fuzz targets.

    seeds_tok.py TARGET OUTDIR [--models DIR]

TARGET is one of
  tokenizer        attnc-fuzz-tokenizer: embedded-format images (spm and
                   gpt2, written here from the format's description in
                   runtime/include/attnrt/tokenizer.h), llama2.c tokenizer.bin
                   images, and DIR/tok512.bin when present;
  tokenizer-json   attnc-fuzz-tokenizer-json: small tokenizer.json files of
                   both supported kinds (GPT-2 ByteLevel, SentencePiece BPE);
  gguf-vocab       attnc-fuzz-gguf-vocab: small GGUF v3 files holding only a
                   vocabulary (llama and gpt2).
"""
import argparse
import json
import os
import shutil
import struct

SPACE = "\u2581"


def bytes_to_unicode():
    keep = list(range(33, 127)) + list(range(161, 173)) + list(range(174, 256))
    out, n = {}, 0
    for b in range(256):
        if b in keep:
            out[b] = chr(b)
        else:
            out[b] = chr(256 + n)
            n += 1
    return out


def spm_vocab():
    pieces = [("<unk>", 0.0, 2), ("<s>", 0.0, 3), ("</s>", 0.0, 3)]
    pieces += [("<0x%02X>" % b, 0.0, 6) for b in range(256)]
    words = [SPACE, "a", "b", "c", "t", "h", "e", SPACE + "a", SPACE + "t", "th", "the",
             SPACE + "the", "ab", "\u00e9", "\u65e5"]
    pieces += [(w, -float(i), 1) for i, w in enumerate(words)]
    return pieces


def gpt2_vocab():
    b2u = bytes_to_unicode()
    pieces = [(b2u[b], 0.0, 1) for b in range(256)]
    merges = [("h", "e"), ("l", "l"), ("he", "ll"), ("\u0120", "h"), ("\u0120", "t"),
              ("o", "n"), ("\u0120t", "he")]
    have = {p for p, _, _ in pieces}
    for l, r in merges:
        if l + r not in have:
            pieces.append((l + r, 0.0, 1))
            have.add(l + r)
    pieces.append(("<|endoftext|>", 0.0, 3))
    return pieces, merges


def embedded(kind, pieces, merges, bos, eos, unk, flags):
    ids = {p: i for i, (p, _, _) in reversed(list(enumerate(pieces)))}
    out = b"ATTNTOK\0" + struct.pack("<IIII", 1, kind, len(pieces), len(merges))
    out += struct.pack("<iiiI", bos, eos, unk, flags)
    for p, score, typ in pieces:
        data = p.encode("utf-8")
        out += struct.pack("<fBI", score, typ, len(data)) + data
    for l, r in merges:
        out += struct.pack("<III", ids[l], ids[r], ids[l + r])
    return out


def llama2c_bin(pieces):
    out = struct.pack("<i", max(len(p.encode()) for p, _, _ in pieces))
    for p, score, _ in pieces:
        data = p.replace(SPACE, " ").encode("utf-8")
        out += struct.pack("<fi", score, len(data)) + data
    return out


def tokenizer_seeds(out, models):
    spm = spm_vocab()
    gpt2, merges = gpt2_vocab()
    eot = len(gpt2) - 1
    seeds = {
        "spm.tok": embedded(0, spm, [], 1, 2, 0, 3),
        "spm-nobos.tok": embedded(0, spm, [], -1, 2, -1, 2),
        "gpt2.tok": embedded(1, gpt2, merges, eot, eot, -1, 0),
        "llama2c.bin": llama2c_bin(spm),
    }
    for name, data in seeds.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
    if models and os.path.isfile(os.path.join(models, "tok512.bin")):
        shutil.copy(os.path.join(models, "tok512.bin"), os.path.join(out, "tok512.bin"))


def json_seeds(out):
    gpt2, merges = gpt2_vocab()
    eot = len(gpt2) - 1
    doc = {"added_tokens": [{"id": eot, "content": "<|endoftext|>", "special": True}],
           "normalizer": None,
           "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "use_regex": True},
           "decoder": {"type": "ByteLevel"},
           "model": {"type": "BPE", "byte_fallback": False,
                     "vocab": {p: i for i, (p, _, _) in enumerate(gpt2[:-1])},
                     "merges": [l + " " + r for l, r in merges]}}
    with open(os.path.join(out, "gpt2.json"), "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False)
    doc["model"]["merges"] = [[l, r] for l, r in merges]
    with open(os.path.join(out, "gpt2-pairs.json"), "w", encoding="utf-8") as f:
        json.dump(doc, f)
    spm = spm_vocab()
    ids = {p: i for i, (p, _, _) in enumerate(spm)}
    spm_merges = [(SPACE, "a"), (SPACE, "t"), ("t", "h"), ("th", "e"), (SPACE, "the"), ("a", "b")]
    doc = {"added_tokens": [{"id": i, "content": spm[i][0], "special": True} for i in range(3)],
           "normalizer": {"type": "Sequence", "normalizers": [
               {"type": "Prepend", "prepend": SPACE},
               {"type": "Replace", "pattern": {"String": " "}, "content": SPACE}]},
           "pre_tokenizer": None,
           "post_processor": {"type": "TemplateProcessing",
                              "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}},
                                         {"Sequence": {"id": "A", "type_id": 0}}]},
           "model": {"type": "BPE", "byte_fallback": True, "unk_token": "<unk>",
                     "vocab": ids, "merges": [l + " " + r for l, r in spm_merges]}}
    with open(os.path.join(out, "spm.json"), "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False)


def gguf(kvs):
    def s(x):
        b = x.encode("utf-8")
        return struct.pack("<Q", len(b)) + b
    body = b""
    for key, typ, value in kvs:
        body += s(key) + struct.pack("<I", typ)
        if typ == 8:
            body += s(value)
        elif typ == 4:
            body += struct.pack("<I", value)
        elif typ == 7:
            body += struct.pack("<B", value)
        elif typ == 9:
            etype, items = value
            body += struct.pack("<IQ", etype, len(items))
            for it in items:
                body += s(it) if etype == 8 else struct.pack({5: "<i", 6: "<f"}[etype], it)
    return b"GGUF" + struct.pack("<IQQ", 3, 0, len(kvs)) + body


def gguf_seeds(out):
    spm = spm_vocab()
    llama = gguf([("tokenizer.ggml.model", 8, "llama"),
                  ("tokenizer.ggml.tokens", 9, (8, [p for p, _, _ in spm])),
                  ("tokenizer.ggml.scores", 9, (6, [sc for _, sc, _ in spm])),
                  ("tokenizer.ggml.token_type", 9, (5, [t for _, _, t in spm])),
                  ("tokenizer.ggml.bos_token_id", 4, 1), ("tokenizer.ggml.eos_token_id", 4, 2),
                  ("tokenizer.ggml.unknown_token_id", 4, 0),
                  ("tokenizer.ggml.add_bos_token", 7, 1)])
    gpt2, merges = gpt2_vocab()
    eot = len(gpt2) - 1
    g = gguf([("tokenizer.ggml.model", 8, "gpt2"), ("tokenizer.ggml.pre", 8, "gpt-2"),
              ("tokenizer.ggml.tokens", 9, (8, [p for p, _, _ in gpt2])),
              ("tokenizer.ggml.token_type", 9, (5, [t for _, _, t in gpt2])),
              ("tokenizer.ggml.merges", 9, (8, [l + " " + r for l, r in merges])),
              ("tokenizer.ggml.bos_token_id", 4, eot), ("tokenizer.ggml.eos_token_id", 4, eot)])
    for name, data in {"llama.gguf": llama, "gpt2.gguf": g}.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("target", choices=["tokenizer", "tokenizer-json", "gguf-vocab"])
    ap.add_argument("outdir")
    ap.add_argument("--models")
    args = ap.parse_args()
    os.makedirs(args.outdir, exist_ok=True)
    if args.target == "tokenizer":
        tokenizer_seeds(args.outdir, args.models)
    elif args.target == "tokenizer-json":
        json_seeds(args.outdir)
    else:
        gguf_seeds(args.outdir)


if __name__ == "__main__":
    main()
