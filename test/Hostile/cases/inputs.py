# test/Hostile/cases/inputs.py: hostile inputs to the compiler's readers.
# Descriptions, weights and tokenizers that are not regular files (FIFOs, which
# must not block, /dev/zero, which must not be read until memory runs out,
# devices, directories), descriptions too large or nested far too deep for
# the YAML parser's recursion, sizes beyond what the runtime executes or what
# memory holds, and checkpoints holding NaN or infinite weights. Each must end
# in one `error:` line and exit status 1, leave its inputs as they were and
# write nothing. Large inputs are generated here, in each case's directory.
import math
import os
import struct

from hostile import Case, write


def fifo(name, then=None):
    """A setup function that makes a FIFO `name` (and runs `then`)."""
    def setup(d):
        os.mkfifo(os.path.join(d, name))
        if then:
            then(d)
    return setup


def description(**sizes):
    """A small description (tiny-gqa's layout, random weights) with `sizes`
    replacing its fields; `weights` and `tokenizer` are written as given."""
    fields = dict(name="t", vocab_size=32, context_length=16, dim=16, layers=1,
                  attention="{heads: 2, kv_heads: 1}", mlp="{hidden: 32}",
                  weights="{format: random, seed: 1}")
    fields.update(sizes)
    return "".join("%s: %s\n" % (k, v) for k, v in fields.items() if v is not None)


def checkpoint(poke):
    """A llama2.c checkpoint of description()'s model (tied, 1 layer) with
    small finite weights, and `poke` = {tensor: {index: value}} written over
    them."""
    dim, hidden, layers, heads, kv_heads, vocab, seq = 16, 32, 1, 2, 1, 32, 16
    head_dim = dim // heads
    kv_dim = kv_heads * head_dim
    tensors = [("tok_embeddings", vocab * dim), ("layers.0.attention_norm", dim),
               ("layers.0.wq", dim * dim), ("layers.0.wk", kv_dim * dim),
               ("layers.0.wv", kv_dim * dim), ("layers.0.wo", dim * dim),
               ("layers.0.ffn_norm", dim), ("layers.0.w1", hidden * dim),
               ("layers.0.w2", dim * hidden), ("layers.0.w3", hidden * dim), ("norm", dim),
               ("freq_cis_real", seq * head_dim // 2), ("freq_cis_imag", seq * head_dim // 2)]
    data = struct.pack("<7i", dim, hidden, layers, heads, kv_heads, vocab, seq)
    for name, count in tensors:
        values = [0.01 * ((i % 7) - 3) for i in range(count)]
        for index, value in poke.get(name, {}).items():
            values[index] = value
        data += struct.pack("<%df" % count, *values)
    return data


def cases(env):
    attnc = "{attnc}"
    tiny = "{examples}/tiny-gqa.yaml"
    unchanged_all = ["*"]

    # --- Class 3: not regular files -------------------------------------------------------
    not_regular = r"^error: .*'.*' is not a regular file \(it is %s\)"
    yield Case(name="inputs/fifo-description", argv=[attnc, "check", "m.yaml"],
               setup=fifo("m.yaml"), exit_code=1, first_line=not_regular % "a FIFO",
               timeout=30, unchanged=unchanged_all)
    yield Case(name="inputs/fifo-weights", argv=[attnc, "compile", tiny, "--weights", "w.bin",
                                                  "-o", "out"],
               setup=fifo("w.bin"), exit_code=1, first_line=not_regular % "a FIFO",
               timeout=30, unchanged=unchanged_all)
    yield Case(name="inputs/fifo-weights-path", argv=[attnc, "check", "m.yaml"],
               setup=fifo("w.bin", write("m.yaml", description(
                   weights="{format: llama2c, path: w.bin}"))),
               exit_code=1, first_line=r"^m\.yaml:8:\d+: error: weights '.*w\.bin' is not a "
                                       r"regular file \(it is a FIFO\)",
               timeout=30, unchanged=unchanged_all)
    yield Case(name="inputs/fifo-tokenizer", argv=[attnc, "compile", tiny, "--tokenizer",
                                                    "t.bin", "-o", "out"],
               setup=fifo("t.bin"), exit_code=1, first_line=not_regular % "a FIFO",
               timeout=30, unchanged=unchanged_all)
    yield Case(name="inputs/dev-zero-description", argv=[attnc, "check", "/dev/zero"],
               exit_code=1, first_line=not_regular % "a character device", timeout=30)
    yield Case(name="inputs/dev-zero-weights", argv=[attnc, "check", tiny, "--weights",
                                                      "/dev/zero"],
               exit_code=1, first_line=not_regular % "a character device", timeout=30)
    yield Case(name="inputs/dev-zero-tokenizer", argv=[attnc, "compile", tiny, "--tokenizer",
                                                        "/dev/zero", "-o", "out"],
               exit_code=1, first_line=not_regular % "a character device", timeout=30)
    yield Case(name="inputs/dev-null-tokenizer", argv=[attnc, "check", tiny, "--tokenizer",
                                                        "/dev/null"],
               exit_code=1, first_line=not_regular % "a character device", timeout=30)
    no_config = r"^error: cannot open config '.*config\.json': No such file or directory"
    yield Case(name="inputs/directory-weights", argv=[attnc, "check", tiny, "--weights", "w"],
               setup=lambda d: os.mkdir(os.path.join(d, "w")), exit_code=1,
               first_line=no_config, unchanged=unchanged_all)
    # A directory is a Hugging Face checkpoint: without config.json it is not one.
    yield Case(name="inputs/directory-description", argv=[attnc, "check", "{dir}"],
               exit_code=1, first_line=no_config)
    yield Case(name="inputs/description-over-1MiB", argv=[attnc, "check", "m.yaml"],
               setup=write("m.yaml", description() + "#" * (2 << 20) + "\n"), exit_code=1,
               first_line=r"^error: description 'm\.yaml' has \d+ bytes, more than the 1 MiB",
               unchanged=unchanged_all)

    # --- Class 5: deep nesting, and the runs LLVM's parser recurses over --------------------
    deep = r"^m\.yaml:%d:%d: error: mappings and sequences are nested more than 32 deep"
    n = 100000
    for name, text, line, column in [
            ("flow-maps", "name: " + "{a: " * n + "1" + "}" * n + "\n", 1, 131),
            ("flow-sequences", "name: " + "[" * n + "1" + "]" * n + "\n", 1, 38),
            ("flow-unclosed", "name: " + "[" * n + "\n", 1, 38),
            ("block-sequences", "name:\n" + "- " * n + "1\n", 2, 63),
            ("block-mappings", "".join(" " * i + "a:\n" for i in range(1400)), 33, 33),
            ("explicit-keys", "? " * n + "a\n", 1, 65)]:
        yield Case(name="inputs/deep-" + name, argv=[attnc, "check", "m.yaml"],
                   setup=write("m.yaml", text), exit_code=1, first_line=deep % (line, column),
                   unchanged=unchanged_all)
    yield Case(name="inputs/run-of-empty-entries", argv=[attnc, "check", "m.yaml"],
               setup=write("m.yaml", "name: [" + "," * n + "]\n"), exit_code=1,
               first_line=r"^m\.yaml:1:1008: error: more than 1000 ',' in a row",
               unchanged=unchanged_all)
    yield Case(name="inputs/run-of-document-ends", argv=[attnc, "check", "m.yaml"],
               setup=write("m.yaml", "name: x\n" + "...\n" * n), exit_code=1,
               first_line=r"^m\.yaml:1002:1: error: more than 1000 '\.\.\.' lines in a row",
               unchanged=unchanged_all)

    # --- Class 7: what the runtime cannot execute ------------------------------------------
    yield Case(name="inputs/context-length-over-int32", argv=[attnc, "compile", "m.yaml", "-o",
                                                               "out"],
               setup=write("m.yaml", description(context_length=2147483647)), exit_code=1,
               first_line=r"^m\.yaml:3:17: error: context_length \(2147483647\) is more than "
                          r"2147483646",
               unchanged=unchanged_all)
    yield Case(name="inputs/vocab-size-over-int32", argv=[attnc, "compile", "m.yaml", "-o",
                                                           "out"],
               setup=write("m.yaml", description(vocab_size=2147483648)), exit_code=1,
               first_line=r"^m\.yaml:2:13: error: vocab_size \(2147483648\) is more than "
                          r"2147483647",
               unchanged=unchanged_all)
    yield Case(name="inputs/dim-times-vocab-overflows", argv=[attnc, "check", "m.yaml"],
               setup=write("m.yaml", description(dim=2 ** 62, vocab_size=1024)), exit_code=1,
               first_line=r"^m\.yaml:4:6: error: these sizes make .* parameters; at most 2\^33",
               unchanged=unchanged_all)

    # --- Class 4: memory ---------------------------------------------------------------------
    # At the runtime's bounds, the KV cache (1 PiB) and the logits (512 GiB)
    # fit no machine.
    yield Case(name="inputs/memory-kv-cache", argv=[attnc, "compile", "m.yaml", "-o", "out"],
               setup=write("m.yaml", description(context_length=2147483646, dim=64,
                                                 layers=1024, attention="{heads: 1, kv_heads: 1}")),
               exit_code=1, first_line=r"^error: model 't' needs 1\.0 PiB of memory \(.*KV cache "
                                       r"1024\.0 TiB",
               unchanged=unchanged_all)
    yield Case(name="inputs/memory-logits", argv=[attnc, "check", "m.yaml"],
               setup=write("m.yaml", description(vocab_size=2147483647, dim=2,
                                                 attention="{heads: 1, kv_heads: 1}")),
               exit_code=1, first_line=r"^error: model 't' needs [0-9.]+ GiB of memory \(weights "
                                       r"16\.0 GiB.*logits and other buffers 536\.0 GiB",
               unchanged=unchanged_all)

    # --- Class 8: non-finite weights -----------------------------------------------------------
    m = description(weights="{format: llama2c, path: w.bin}")

    def poked(poke):
        def setup(d):
            write("m.yaml", m)(d)
            write("w.bin", checkpoint(poke))(d)
        return setup
    yield Case(name="inputs/nan-weights-check", argv=[attnc, "check", "m.yaml"],
               setup=poked({"layers.0.wq": {100: math.nan, 200: math.nan}}), exit_code=1,
               first_line=r"^m\.yaml:8:\d+: error: weights '.*w\.bin': tensor 'layers\.0\.wq' has "
                          r"a non-finite value \(nan\) at index 100 \(2 non-finite values in 1 "
                          r"tensor\)",
               unchanged=unchanged_all)
    yield Case(name="inputs/inf-weights-compile", argv=[attnc, "compile", "m.yaml", "-o", "out"],
               setup=poked({"layers.0.w2": {7: -math.inf}, "norm": {3: math.inf}}), exit_code=1,
               first_line=r"^m\.yaml:8:\d+: error: weights '.*w\.bin': tensor 'layers\.0\.w2' has "
                          r"a non-finite value \(-inf\) at index 7 \(2 non-finite values in 2 "
                          r"tensors\)",
               unchanged=unchanged_all)
    yield Case(name="inputs/nan-weights-allowed", argv=[attnc, "check", "m.yaml",
                                                         "--allow-nonfinite"],
               setup=poked({"tok_embeddings": {0: math.nan}}), exit_code=0,
               check=lambda d, r: None if b"nonfinite  tok_embeddings: 1 value, the first nan at "
                                          b"index 0" in r.stdout else "no nonfinite line",
               unchanged=unchanged_all)
