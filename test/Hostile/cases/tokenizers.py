# test/Hostile/cases/tokenizers.py: hostile tokenizers of every source.
# tokenizer.json that is not JSON, nests without end, has fields of the wrong
# type, an unsupported model, ids beyond any vocabulary, merges naming pieces
# that are not tokens; GGUF vocabularies with a 2^40-entry token array, a
# string claiming 2^62 bytes, token_type and scores arrays of the wrong
# length, a BOS id out of range, an unsupported tokenizer model, merges of
# unknown pieces, more tokens than the model has; a llama2.c tokenizer.bin
# with an impossible piece length. Each must end in one `error:` line naming
# the file and the key or field (and index or byte offset) at fault, exit
# status 1, without a crash, a hang or an allocation the file cannot back.
#
# The cases run `attnc check` on a description whose tokenizer is the input.
# Until the driver reads tokenizers through importTokenizer (compiler/
# Frontend/TokenizerImport.h) set WIRED = False: the cases are then not
# yielded, and the same inputs are converted by test/Unit/TokenizerImportTest
# (HostileInputs), which runs `tokenizers.py --write DIR` and checks each
# message against the same regex.
import json
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))

WIRED = True
SPACE = "\u2581"


def description(fmt, path, vocab):
    return ("name: t\nvocab_size: %d\ncontext_length: 16\ndim: 16\nlayers: 1\n"
            "attention: {heads: 2, kv_heads: 1}\nmlp: {hidden: 32}\n"
            "weights: {format: random, seed: 1}\n"
            "tokenizer: {format: %s, path: %s}\n" % (vocab, fmt, path))


# ---- tokenizer.json ----

def bytes_to_unicode():
    keep = set(range(33, 127)) | set(range(161, 173)) | set(range(174, 256))
    out, n = {}, 0
    for b in range(256):
        if b in keep:
            out[b] = chr(b)
        else:
            out[b] = chr(256 + n)
            n += 1
    return out


def gpt2_json(vocab_extra=None, merges=None, model_override=None, top_override=None):
    b2u = bytes_to_unicode()
    vocab = {b2u[b]: b for b in range(256)}
    vocab.update(vocab_extra or {})
    model = {"type": "BPE", "vocab": vocab, "merges": merges or []}
    model.update(model_override or {})
    doc = {"added_tokens": [], "normalizer": None,
           "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "use_regex": True},
           "model": model}
    doc.update(top_override or {})
    return json.dumps(doc, ensure_ascii=False).encode("utf-8")


# ---- GGUF (metadata only, written byte by byte) ----

def gs(x):
    b = x.encode("utf-8") if isinstance(x, str) else x
    return struct.pack("<Q", len(b)) + b


def gguf(kvs, nkv=None):
    body = b""
    for key, typ, value in kvs:
        body += gs(key) + struct.pack("<I", typ)
        if typ == 8:
            body += gs(value)
        elif typ == 4:
            body += struct.pack("<I", value)
        elif typ == 9:
            etype, items, count = value
            body += struct.pack("<IQ", etype, len(items) if count is None else count)
            for it in items:
                body += gs(it) if etype == 8 else struct.pack({5: "<i", 6: "<f"}[etype], it)
    return b"GGUF" + struct.pack("<IQQ", 3, 0, len(kvs) if nkv is None else nkv) + body


def llama_pieces():
    p = ["<unk>", "<s>", "</s>"] + ["<0x%02X>" % b for b in range(256)]
    return p + [SPACE, "a", "b", SPACE + "a", "ab"]


def llama_gguf(**extra):
    p = llama_pieces()
    kvs = [("tokenizer.ggml.model", 8, extra.pop("model", "llama")),
           ("tokenizer.ggml.tokens", 9, (8, p, None))]
    for key, (typ, value) in extra.items():
        kvs.append(("tokenizer.ggml." + key, typ, value))
    return gguf(kvs)


def huge_string():
    # One token whose string claims 2^62 bytes, in a file of a few dozen.
    return (gguf([("tokenizer.ggml.model", 8, "llama")], nkv=2) + gs("tokenizer.ggml.tokens")
            + struct.pack("<IIQ", 9, 8, 1) + struct.pack("<Q", 1 << 62) + b"abc")


def llama2c_bin():
    # max_token_length INT32_MAX, then a token claiming 2^31-1 bytes of piece.
    return struct.pack("<ifi", 0x7FFFFFFF, 0.0, 0x7FFFFFFF) + b"abc"


# (name, format, file name, model vocab_size, input bytes, first-line regex)
INPUTS = [
    ("json-not-json", "hf", "tok.json", 300, b"{\"model\": {\"type\": \"BPE\",, }",
     r"tok\.json:1:\d+: invalid JSON"),
    ("json-deep", "hf", "tok.json", 300, b"[" * 100000 + b"]" * 100000,
     r"tok\.json:1:65: JSON nests deeper than 64 levels"),
    ("json-top-array", "hf", "tok.json", 300, b"[1, 2, 3]",
     r"tok\.json: expected a JSON object at the top"),
    ("json-type-not-string", "hf", "tok.json", 300, gpt2_json(model_override={"type": 7}),
     r"tok\.json: 'model\.type' must be a string"),
    ("json-unigram", "hf", "tok.json", 300, gpt2_json(model_override={"type": "Unigram"}),
     r"tok\.json: model\.type is 'Unigram': only BPE tokenizers are supported"),
    ("json-vocab-array", "hf", "tok.json", 300, gpt2_json(model_override={"vocab": [1]}),
     r"tok\.json: 'model\.vocab' must be"),
    ("json-id-huge", "hf", "tok.json", 300, gpt2_json(vocab_extra={"xy": 10 ** 12}),
     r"tok\.json: model\.vocab\['xy'\] has id 1000000000000, expected 0\.\.256"),
    ("json-merge-unknown", "hf", "tok.json", 300, gpt2_json(merges=["a zz"]),
     r"tok\.json: model\.merges\[0\] names 'zz', which is not a token"),
    ("json-merge-result-unknown", "hf", "tok.json", 300, gpt2_json(merges=["a b"]),
     r"tok\.json: model\.merges\[0\] joins 'a' and 'b' into a piece that is not a token"),
    ("json-merge-wrong-type", "hf", "tok.json", 300, gpt2_json(merges=[17]),
     r"tok\.json: model\.merges\[0\] must be \"left right\" or \[left, right\], got 17"),
    ("json-more-tokens-than-model", "hf", "tok.json", 100, gpt2_json(),
     r"tok\.json: the tokenizer has 256 tokens .*more than the model's vocab_size 100"),
    ("gguf-tokens-2^40", "gguf", "vocab.gguf", 300,
     gguf([("tokenizer.ggml.model", 8, "llama"),
           ("tokenizer.ggml.tokens", 9, (8, ["a", "b"], 1 << 40))]),
     r"vocab\.gguf: .*tokenizer\.ggml\.tokens"),
    ("gguf-string-2^62", "gguf", "vocab.gguf", 300,
     huge_string(),
     r"vocab\.gguf: .*(tokenizer\.ggml\.tokens|byte)"),
    ("gguf-token-type-length", "gguf", "vocab.gguf", 300,
     llama_gguf(token_type=(9, (5, [1] * 263, None))),
     r"vocab\.gguf: tokenizer\.ggml\.token_type has 263 entries but tokenizer\.ggml\.tokens has 264"),
    ("gguf-scores-length", "gguf", "vocab.gguf", 300,
     llama_gguf(scores=(9, (6, [0.0] * 10, None))),
     r"vocab\.gguf: tokenizer\.ggml\.scores has 10 entries but tokenizer\.ggml\.tokens has 264"),
    ("gguf-token-type-value", "gguf", "vocab.gguf", 300,
     llama_gguf(token_type=(9, (5, [1] * 263 + [42], None))),
     r"vocab\.gguf: tokenizer\.ggml\.token_type\[263\] is 42, expected 1\.\.6"),
    ("gguf-bos-out-of-range", "gguf", "vocab.gguf", 300,
     llama_gguf(bos_token_id=(4, 5000)),
     r"vocab\.gguf: tokenizer\.ggml\.bos_token_id is 5000, beyond the 264 tokens"),
    ("gguf-model-bert", "gguf", "vocab.gguf", 300, llama_gguf(model="bert"),
     r"vocab\.gguf: tokenizer\.ggml\.model is 'bert': only 'llama' .* and 'gpt2' .* are supported"),
    ("gguf-merge-unknown", "gguf", "vocab.gguf", 300,
     gguf([("tokenizer.ggml.model", 8, "gpt2"), ("tokenizer.ggml.tokens", 9, (8, ["a", "b", "ab"], None)),
           ("tokenizer.ggml.merges", 9, (8, ["a c"], None))]),
     r"vocab\.gguf: tokenizer\.ggml\.merges\[0\] names 'c', which is not a token"),
    ("gguf-more-tokens-than-model", "gguf", "vocab.gguf", 100, llama_gguf(),
     r"vocab\.gguf: tokenizer\.ggml\.tokens has 264 tokens, more than the model's vocab_size 100"),
    ("llama2c-impossible-length", "llama2c", "tok.bin", 300, llama2c_bin(),
     r"tok\.bin: tokenizer truncated at byte offset 12: token 0 needs 2147483647 bytes"),
]


def write_inputs(out):
    """Writes every input to OUT/NAME/FILE and OUT/index.json (for the unit test)."""
    index = []
    for name, fmt, fname, vocab, data, regex in INPUTS:
        d = os.path.join(out, name)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, fname), "wb") as f:
            f.write(data)
        index.append({"name": name, "format": fmt, "file": os.path.join(d, fname),
                      "vocab": vocab, "regex": regex})
    with open(os.path.join(out, "index.json"), "w") as f:
        json.dump(index, f, indent=1)


def cases(env):
    if not WIRED:
        return
    from hostile import Case, write  # noqa: E402

    for name, fmt, fname, vocab, data, regex in INPUTS:
        def setup(d, fmt=fmt, fname=fname, vocab=vocab, data=data):
            write(fname, data)(d)
            write("m.yaml", description(fmt, fname, vocab))(d)
        yield Case(name="tokenizers/" + name, argv=["{attnc}", "check", "m.yaml"], exit_code=1,
                   first_line=r"^(m\.yaml:\d+:\d+: )?error: .*" + regex, setup=setup, unchanged=["*"])


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--write":
        write_inputs(sys.argv[2])
    else:
        sys.exit("usage: tokenizers.py --write DIR")
