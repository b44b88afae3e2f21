#!/usr/bin/env python3
"""Writes a Hugging Face tokenizer.json for the tokenizer tests.

  make_tokenizer_json.py gpt2 VOCAB.gguf OUT.json
      A GPT-2 style tokenizer.json (BPE, ByteLevel pre-tokenizer and decoder)
      holding the vocabulary and merges of a llama.cpp GGUF vocabulary, read
      with gguf-py (PYTHONPATH). The ids it must produce come from
      llama.cpp's .out files, not from this script.
  make_tokenizer_json.py spm TOKENIZER.model OUT.json
      A Llama style tokenizer.json (BPE with byte_fallback, SentencePiece's
      Prepend/Replace normalizer) from a SentencePiece model, read with
      python3-sentencepiece; the merges are every split of a piece into two
      pieces, ordered by the score of the piece, as Hugging Face's
      SentencePiece converter makes them.
"""
import json
import sys


def gpt2(src, out):
    import gguf
    r = gguf.GGUFReader(src)

    def strings(key):
        f = r.fields[key]
        return [bytes(f.parts[i]).decode('utf-8') for i in f.data]

    tokens = strings('tokenizer.ggml.tokens')
    merges = strings('tokenizer.ggml.merges')
    f = r.fields['tokenizer.ggml.token_type']
    types = [int(f.parts[i][0]) for i in f.data]
    vocab = {t: i for i, t in enumerate(tokens) if types[i] != 3}
    added = [{"id": i, "content": t, "single_word": False, "lstrip": False, "rstrip": False,
              "normalized": False, "special": True}
             for i, t in enumerate(tokens) if types[i] == 3]
    doc = {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": added,
        "normalizer": None,
        "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True,
                          "use_regex": True},
        "post_processor": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False,
                           "use_regex": True},
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True,
                    "use_regex": True},
        "model": {"type": "BPE", "dropout": None, "unk_token": None,
                  "continuing_subword_prefix": "", "end_of_word_suffix": "",
                  "fuse_unk": False, "byte_fallback": False, "vocab": vocab, "merges": merges},
    }
    # GPT-2's own tokenizer.json writes "" for the two affixes; ours treats
    # "" like null.
    with open(out, 'w', encoding='utf-8') as fh:
        json.dump(doc, fh, ensure_ascii=False)


def spm(src, out):
    import sentencepiece as sp
    m = sp.SentencePieceProcessor(model_file=src)
    n = m.get_piece_size()
    pieces = [m.id_to_piece(i) for i in range(n)]
    vocab = {p: i for i, p in enumerate(pieces)}
    merges = []
    for i, p in enumerate(pieces):
        if not (m.is_control(i) or m.is_unknown(i) or m.is_byte(i)):
            for k in range(1, len(p)):
                left, right = p[:k], p[k:]
                if left in vocab and right in vocab:
                    merges.append((m.get_score(i), vocab[left], vocab[right], left, right))
    # Higher score first; ties by the ids of the two parts (the converter's order).
    merges.sort(key=lambda t: (-t[0], t[1], t[2]))
    special = [i for i in range(n) if m.is_control(i) or m.is_unknown(i)]
    doc = {
        "version": "1.0",
        "added_tokens": [{"id": i, "content": pieces[i], "special": True} for i in special],
        "normalizer": {"type": "Sequence", "normalizers": [
            {"type": "Prepend", "prepend": "\u2581"},
            {"type": "Replace", "pattern": {"String": " "}, "content": "\u2581"}]},
        "pre_tokenizer": None,
        "post_processor": {"type": "TemplateProcessing",
                           "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}},
                                      {"Sequence": {"id": "A", "type_id": 0}}],
                           "special_tokens": {"<s>": {"id": "<s>", "ids": [1], "tokens": ["<s>"]}}},
        "decoder": None,
        "model": {"type": "BPE", "unk_token": "<unk>", "fuse_unk": True, "byte_fallback": True,
                  "vocab": vocab, "merges": [l + " " + r for _, _, _, l, r in merges]},
    }
    with open(out, 'w', encoding='utf-8') as fh:
        json.dump(doc, fh, ensure_ascii=False)


if __name__ == '__main__':
    {'gpt2': gpt2, 'spm': spm}[sys.argv[1]](sys.argv[2], sys.argv[3])
