# test/Hostile/cases/hf.py: hostile Hugging Face checkpoint directories.
# Safetensors files whose header length runs past the file or is absurd, whose
# header is not JSON or nests too deep, whose tensors' offsets are out of
# range, reversed, overlapping or disagree with their shape, whose dtypes are
# unknown or unsupported, whose shapes overflow 64 bits; truncated files;
# config.json files that are missing, not JSON, or have missing, mistyped or
# contradictory fields or an architecture attnc does not read; shard indexes
# that name missing shards or paths outside the directory, or disagree with
# the shards. Each must end in one `error:` line naming the file and the
# tensor or key (and the byte offset where there is one), exit status 1, and
# leave the directory as it was. Everything is written here with the standard
# library only (hostile.py runs on any python3).
#
# Until the driver reads a directory (`attnc check DIR`), the cases run the
# importer through attnc-hf-dump, built next to attnc; USE_DRIVER switches them
# to the driver, whose first error line is the importer's.
import json
import os
import struct

from hostile import Case

USE_DRIVER = True

# A tiny Llama: dim 4, 2 heads (head_dim 2), 1 KV head, 1 layer, hidden 6, vocab 5.
CONFIG = {"architectures": ["LlamaForCausalLM"], "hidden_size": 4, "intermediate_size": 6,
          "num_hidden_layers": 1, "num_attention_heads": 2, "num_key_value_heads": 1,
          "max_position_embeddings": 8, "vocab_size": 5, "rms_norm_eps": 1e-5,
          "tie_word_embeddings": True}
SHAPES = [("model.embed_tokens.weight", [5, 4]),
          ("model.layers.0.input_layernorm.weight", [4]),
          ("model.layers.0.self_attn.q_proj.weight", [4, 4]),
          ("model.layers.0.self_attn.k_proj.weight", [2, 4]),
          ("model.layers.0.self_attn.v_proj.weight", [2, 4]),
          ("model.layers.0.self_attn.o_proj.weight", [4, 4]),
          ("model.layers.0.post_attention_layernorm.weight", [4]),
          ("model.layers.0.mlp.gate_proj.weight", [6, 4]),
          ("model.layers.0.mlp.up_proj.weight", [6, 4]),
          ("model.layers.0.mlp.down_proj.weight", [4, 6]),
          ("model.norm.weight", [4])]


def count(shape):
    n = 1
    for d in shape:
        n *= d
    return n


def header_for(shapes, dtype="F32"):
    """The header dict of `shapes` packed back to back, and the data size."""
    header, offset = {}, 0
    size = 4 if dtype == "F32" else 2
    for name, shape in shapes:
        n = count(shape) * size
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + n]}
        offset += n
    return header, offset


def image(header, data_size, header_text=None, length=None):
    """A safetensors image: u64 length, the header JSON, `data_size` bytes of small floats."""
    text = header_text if header_text is not None else json.dumps(header).encode()
    data = struct.pack("<f", 0.25) * (data_size // 4) + b"\0" * (data_size % 4)
    return struct.pack("<Q", len(text) if length is None else length) + text + data


def model(config=CONFIG, safetensors=None, edit=None, files=None, raw_config=None):
    """A setup writing {dir}/model: config.json, model.safetensors (the valid
    tiny Llama, or `safetensors` bytes, or none if False), after `edit`
    (header dict -> header dict) if given, and `files` {name: bytes}."""
    def setup(d):
        m = os.path.join(d, "model")
        os.mkdir(m)
        if raw_config is not None:
            with open(os.path.join(m, "config.json"), "wb") as f:
                f.write(raw_config)
        elif config is not None:
            with open(os.path.join(m, "config.json"), "w") as f:
                json.dump(config, f)
        data = safetensors
        if data is None:
            header, size = header_for(SHAPES)
            if edit:
                header = edit(header)
            data = image(header, size)
        if data is not False:
            with open(os.path.join(m, "model.safetensors"), "wb") as f:
                f.write(data)
        for name, content in (files or {}).items():
            with open(os.path.join(m, name), "wb") as f:
                f.write(content)
    return setup


def with_config(**changes):
    config = dict(CONFIG)
    for k, v in changes.items():
        if v is Ellipsis:
            del config[k]
        else:
            config[k] = v
    return config


def set_entry(name, **fields):
    def edit(header):
        header[name].update(fields)
        return header
    return edit


def shards(split, index_map=None):
    """Files of a two-shard checkpoint: SHAPES[:split] in shard 1, the rest
    in shard 2, and an index (its weight_map replaced by `index_map` if given)."""
    names = ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"]
    files, weight_map = {}, {}
    for shard, part in zip(names, [SHAPES[:split], SHAPES[split:]]):
        header, size = header_for(part)
        files[shard] = image(header, size)
        for name, _ in part:
            weight_map[name] = shard
    files["model.safetensors.index.json"] = json.dumps(
        {"metadata": {}, "weight_map": index_map(weight_map) if index_map else weight_map}).encode()
    return files


def cases(env):
    if USE_DRIVER:
        argv = ["{attnc}", "check", "{dir}/model"]
    else:
        argv = [os.path.join(os.path.dirname(env.attnc), "attnc-hf-dump"), "{dir}/model"]
    st = r"^error: .*model\.safetensors: "
    cfg = r"^error: .*config\.json: "

    def case(name, setup, first_line):
        return Case(name="hf/" + name, argv=argv, setup=setup, exit_code=1,
                    first_line=first_line, unchanged=["*"])

    header, size = header_for(SHAPES)
    valid = image(header, size)

    # --- safetensors framing ------------------------------------------------------------
    yield case("file-shorter-than-length", model(safetensors=b"\x10\0\0"),
               st + r"file has 3 bytes, too few for the 8-byte header length")
    yield case("header-length-past-end", model(safetensors=image(header, size, length=1 << 40)),
               st + r"header length 1099511627776 \(at byte 0\) runs past the end of the file "
                    r"\(\d+ bytes\)")
    yield case("header-length-u64-max", model(safetensors=image(header, size, length=2 ** 64 - 1)),
               st + r"header length 18446744073709551615 \(at byte 0\) runs past the end")

    def huge(d):  # a sparse 101 MiB file whose header length claims all of it
        model(safetensors=False)(d)
        with open(os.path.join(d, "model", "model.safetensors"), "wb") as f:
            f.write(struct.pack("<Q", 101 << 20))
            f.truncate(8 + (101 << 20))
    yield case("header-over-100MiB", huge,
               st + r"header length 105906176 \(at byte 0\) is more than the 100 MiB")
    yield case("header-not-json", model(safetensors=image(None, 0, header_text=b"{not json")),
               st + r"header:1:2: invalid JSON: ")
    yield case("header-not-object", model(safetensors=image(None, 0, header_text=b"[1, 2]")),
               st + r"the header \(at byte 8\) is not a JSON object")
    yield case("header-deep", model(safetensors=image(
        None, 0, header_text=b'{"a":' + b"[" * 100000 + b"]" * 100000 + b"}")),
        st + r"header:1:69: JSON nests deeper than 64 levels")
    dup = json.dumps(header).encode().replace(b'{"model.embed_tokens.weight"',
                                                b'{"model.norm.weight": {"dtype": "F32", "shape": '
                                                b'[4], "data_offsets": [0, 16]}, '
                                                b'"model.embed_tokens.weight"', 1)
    yield case("header-duplicate-tensor", model(safetensors=image(None, size, header_text=dup)),
               st + r'header:1:\d+: duplicate key "model\.norm\.weight"')
    yield case("config-duplicate-key", model(raw_config=json.dumps(CONFIG, indent=1).encode()
                                             .replace(b'"vocab_size": 5', b'"vocab_size": 5,\n '
                                                      b'"vocab_size": 50')),
               r'^error: .*config\.json:\d+:2: duplicate key "vocab_size"')
    yield case("header-invalid-utf8", model(safetensors=image(
        None, 0, header_text=b'{"\xff\xfe": 1}')), st + r"header:.*invalid JSON: ")
    yield case("truncated-data", model(safetensors=valid[:-7]),
               st + r"tensor 'model\.norm\.weight' \(header at byte \d+\): data_offsets "
                    r"\[\d+, \d+\] run past the end of the data section")

    # --- tensor entries -----------------------------------------------------------------
    name = "model.layers.0.mlp.up_proj.weight"
    entry = st + r"tensor 'model\.layers\.0\.mlp\.up_proj\.weight' \(header at byte \d+\): "
    yield case("offsets-out-of-range", model(edit=set_entry(name, data_offsets=[0, 1 << 50])),
               entry + r"data_offsets \[0, 1125899906842624\] run past the end of the data "
                       r"section \(\d+ bytes from byte \d+\)")
    yield case("offsets-reversed", model(edit=set_entry(name, data_offsets=[96, 0])),
               entry + r"data_offsets \[96, 0\] are reversed")
    yield case("offsets-negative", model(edit=set_entry(name, data_offsets=[-8, 88])),
               entry + r"'data_offsets' must be \[begin, end\] with non-negative integers")
    yield case("offsets-not-pair", model(edit=set_entry(name, data_offsets=[0])),
               entry + r"'data_offsets' must be \[begin, end\]")
    yield case("size-mismatch", model(edit=set_entry(name, shape=[6, 5])),
               entry + r"shape \[6, 5\] of F32 needs 120 bytes but data_offsets \[\d+, \d+\] "
                       r"hold 96")
    yield case("shape-overflow", model(edit=set_entry(name, shape=[2 ** 62, 2 ** 62])),
               entry + r"shape \[4611686018427387904, 4611686018427387904\] of F32 has more "
                       r"bytes than fit in 64 bits")
    yield case("shape-negative", model(edit=set_entry(name, shape=[-6, 4])),
               entry + r"'shape' must hold non-negative integers, got -6")
    yield case("dtype-unknown", model(edit=set_entry(name, dtype="F99")),
               entry + r"unknown dtype 'F99'")
    yield case("dtype-i64", model(edit=set_entry(name, dtype="I64")),
               entry + r"dtype I64 is not supported \(attnc reads F32, F16 and BF16\)")
    def no_dtype(header):
        del header[name]["dtype"]
        return header
    yield case("dtype-missing", model(edit=no_dtype),
               entry + r"'dtype' is missing")

    def overlap(header):
        begin = header["model.layers.0.mlp.gate_proj.weight"]["data_offsets"][0]
        header[name]["data_offsets"] = [begin + 4, begin + 100]
        return header
    yield case("offsets-overlap", model(edit=overlap),
               st + r"tensor '.*' \(bytes \d+ to \d+\) overlaps tensor '.*' \(bytes \d+ to \d+\)")

    def metadata(header):
        header["__metadata__"] = {"format": 3}
        return header
    yield case("metadata-not-string", model(edit=metadata),
               st + r"'__metadata__\.format' \(header at byte \d+\) must be a string, got 3")

    # --- config.json --------------------------------------------------------------------
    yield case("config-missing", model(config=None),
               r"^error: cannot open config '.*config\.json': No such file or directory")
    yield case("config-not-json", model(raw_config=b'{"architectures": ["LlamaForCausalLM"],\n'
                                                   b'  "hidden_size": 4,,\n}'),
               r"^error: .*config\.json:2:20: invalid JSON: ")
    yield case("config-deep", model(raw_config=b"[" * 65 + b"]" * 65),
               r"^error: .*config\.json:1:65: JSON nests deeper than 64 levels")
    yield case("config-no-architectures", model(config=with_config(architectures=...)),
               cfg + r"'architectures' is missing")
    yield case("config-architecture-bert", model(config=with_config(architectures=["BertModel"])),
               cfg + r"architecture 'BertModel' is not supported \(attnc reads LlamaForCausalLM, "
                     r"MistralForCausalLM and GPT2LMHeadModel\)")
    yield case("config-missing-heads", model(config=with_config(num_attention_heads=...)),
               cfg + r"'num_attention_heads' is missing \(it must be a positive integer")
    yield case("config-heads-string", model(config=with_config(num_attention_heads="2")),
               cfg + r"'num_attention_heads' must be a positive integer.*, got \"2\"")
    yield case("config-heads-not-dividing", model(config=with_config(num_attention_heads=3)),
               cfg + r"'num_attention_heads' must be a divisor of hidden_size \(4\), got 3")
    yield case("config-kv-not-dividing", model(config=with_config(num_attention_heads=4,
                                                                  num_key_value_heads=3)),
               cfg + r"'num_key_value_heads' must be a divisor of num_attention_heads \(4\), got 3")
    yield case("config-head-dim", model(config=with_config(head_dim=4)),
               cfg + r"'head_dim' must be hidden_size / num_attention_heads = 2")
    yield case("config-rope-scaling", model(config=with_config(rope_scaling={"type": "linear",
                                                                              "factor": 2.0})),
               cfg + r"'rope_scaling' must be null: scaled RoPE")
    yield case("config-hidden-act", model(config=with_config(hidden_act="gelu")),
               cfg + r"'hidden_act' must be \"silu\" \(a Llama MLP is SwiGLU\), got \"gelu\"")
    yield case("config-eos-out-of-vocab", model(config=with_config(eos_token_id=5)),
               cfg + r"'eos_token_id' must be a token id below vocab_size \(5\), got 5")
    yield case("config-huge", model(config=with_config(hidden_size=2 ** 32, num_attention_heads=2)),
               cfg + r"these sizes make .* parameters; at most 2\^33")
    yield case("config-vocab-vs-embedding", model(config=with_config(vocab_size=7)),
               st + r"tensor 'model\.embed_tokens\.weight' \(header at byte \d+\) has shape "
                    r"\[5, 4\], but config\.json implies \[7, 4\]")
    yield case("config-untied-no-head", model(config=with_config(tie_word_embeddings=False)),
               r"^error: '.*model': tensor 'lm_head\.weight' \(shape \[5, 4\]\) is not in the "
               r"checkpoint")
    gpt2 = {"architectures": ["GPT2LMHeadModel"], "n_embd": 4, "n_layer": 1, "n_head": 2,
            "n_positions": 8, "vocab_size": 5}
    yield case("config-gpt2-activation", model(config=dict(gpt2, activation_function="swish")),
               cfg + r"'activation_function' must be .*, got \"swish\"")
    yield case("config-gpt2-unscaled", model(config=dict(gpt2, scale_attn_weights=False)),
               cfg + r"'scale_attn_weights' must be true")

    # --- tensors against the config -----------------------------------------------------
    yield case("tensor-missing", model(edit=lambda h: {k: v for k, v in h.items()
                                                       if k != "model.norm.weight"}),
               r"^error: '.*model': tensor 'model\.norm\.weight' \(shape \[4\]\) is not in the "
               r"checkpoint")
    big_header, big_size = header_for(SHAPES + [("model.layers.0.self_attn.q_proj.bias", [4])])
    yield case("tensor-unexpected", model(safetensors=image(big_header, big_size)),
               st + r"unexpected tensor 'model\.layers\.0\.self_attn\.q_proj\.bias' \(header at "
                    r"byte \d+\): not part of a LlamaForCausalLM with this config\.json")
    yield case("no-safetensors", model(safetensors=False),
               r"^error: '.*model' has neither model\.safetensors nor "
               r"model\.safetensors\.index\.json")

    # --- shards -------------------------------------------------------------------------
    index = r"^error: .*model\.safetensors\.index\.json: "
    yield case("shard-missing", model(safetensors=False, files={
        k: v for k, v in shards(5).items() if not k.startswith("model-00002")}),
        index + r"shard 'model-00002-of-00002\.safetensors' does not exist in")
    for label, bad in [("parent", "../model-00001-of-00002.safetensors"),
                       ("absolute", "/etc/passwd"), ("dotdot", "..")]:
        yield case("shard-path-" + label, model(safetensors=False, files=shards(
            5, lambda m, bad=bad: dict(m, **{"model.norm.weight": bad}))),
            index + r"'weight_map' entry 'model\.norm\.weight' names shard '.*', which is not "
                    r"a file name inside the checkpoint directory")

    def moved(m):  # the map puts model.norm.weight in shard 1; it is in shard 2
        m["model.norm.weight"] = "model-00001-of-00002.safetensors"
        return m
    yield case("shard-tensor-elsewhere", model(safetensors=False, files=shards(5, moved)),
               r"^error: .*model-00002-of-00002\.safetensors: tensor 'model\.norm\.weight' "
               r"\(header at byte \d+\) belongs to shard 'model-00001-of-00002\.safetensors'")

    def phantom(m):  # the map names a tensor no shard has
        m["model.layers.0.self_attn.q_proj.bias"] = "model-00001-of-00002.safetensors"
        return m
    yield case("shard-tensor-absent", model(safetensors=False, files=shards(5, phantom)),
               index + r"tensor 'model\.layers\.0\.self_attn\.q_proj\.bias' is not in shard "
                       r"'model-00001-of-00002\.safetensors'")

    def twice(d):  # model.norm.weight in both shards
        files = shards(5)
        part = SHAPES[5:]
        header, size = header_for(SHAPES[:5] + [("model.norm.weight", [4])])
        files["model-00001-of-00002.safetensors"] = image(header, size)
        model(safetensors=False, files=files)(d)
    yield case("shard-tensor-twice", twice,
               r"^error: .*model-00001-of-00002\.safetensors: tensor 'model\.norm\.weight' "
               r"\(header at byte \d+\) belongs to shard 'model-00002-of-00002\.safetensors'")
    yield case("index-no-weight-map", model(safetensors=False, files={
        "model.safetensors.index.json": b'{"metadata": {}}'}),
        index + r"'weight_map' is missing")
