# test/Hostile/cases/gguf.py: hostile GGUF files. Truncated at every part of
# the layout, counts and lengths that are huge or overflow 64 bits, offsets
# past the end or overflowing, dimension products that overflow, unknown
# and unsupported tensor types, misaligned and overlapping tensors, repeated
# keys and tensors, metadata of the wrong type or disagreeing with a tensor's
# shape, an architecture attnc does not build, GGUF version 1 and files that
# are no GGUF at all. Each must end in one `error:` line naming the file (and
# the key or tensor and byte offset where there is one) and exit status 1,
# without a crash, a hang or an allocation the file cannot back. Every file is
# generated in setup with gguf_writer.py (test/reference) or byte by byte,
# without NumPy (the corpus runs on any python3).
#
# Until `attnc check` reads GGUF files, the cases run attnc-gguf-dump --import
# (the same importGguf); set VIA_DRIVER once the driver is wired. Run alone
# (no attnc needed): python3 gguf.py --dump BIN/attnc-gguf-dump --work DIR.
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
sys.path.insert(0, os.path.join(HERE, "..", "..", "reference"))

import gguf_writer as gw  # noqa: E402
from hostile import Case, write  # noqa: E402

VIA_DRIVER = False
ARGV = ["{attnc}", "check", "m.gguf"] if VIA_DRIVER else ["{attnc}-gguf-dump", "m.gguf", "--import"]
U64_MAX = (1 << 64) - 1

# ---- a tiny valid llama model, as (metadata, tensors) for gguf_writer ----
D, H, KVH, F, V, L, S = 64, 4, 2, 96, 40, 1, 16


def llama_meta(**override):
    meta = [("general.architecture", "str", "llama"),
            ("llama.context_length", "u32", S), ("llama.embedding_length", "u32", D),
            ("llama.block_count", "u32", L), ("llama.feed_forward_length", "u32", F),
            ("llama.attention.head_count", "u32", H), ("llama.attention.head_count_kv", "u32", KVH),
            ("llama.attention.layer_norm_rms_epsilon", "f32", 1e-5)]
    out = []
    for key, ty, value in meta:
        if key in override:
            replacement = override.pop(key)
            if replacement is None:
                continue
            ty, value = replacement
        out.append((key, ty, value))
    for key, (ty, value) in override.items():
        out.append((key, ty, value))
    return out


def llama_tensors(replace=None, extra=()):
    replace = replace or {}
    hd = D // H
    shapes = [("token_embd.weight", (V, D)), ("blk.0.attn_norm.weight", (D,)),
              ("blk.0.attn_q.weight", (H * hd, D)), ("blk.0.attn_k.weight", (KVH * hd, D)),
              ("blk.0.attn_v.weight", (KVH * hd, D)), ("blk.0.attn_output.weight", (D, H * hd)),
              ("blk.0.ffn_norm.weight", (D,)), ("blk.0.ffn_gate.weight", (F, D)),
              ("blk.0.ffn_up.weight", (F, D)), ("blk.0.ffn_down.weight", (D, F)),
              ("output_norm.weight", (D,))]
    out = []
    for name, shape in shapes + list(extra):
        shape = replace.get(name, shape)
        if shape is None:
            continue
        count = 1
        for n in shape:
            count *= n
        out.append((name, shape, "F32", struct.pack("<f", 0.25) * count))
    return out


def model(meta=None, tensors=None):
    return gw.gguf_bytes(meta if meta is not None else llama_meta(),
                         tensors if tensors is not None else llama_tensors())


# ---- byte-level building ----

def header(tensors, kvs, version=3, magic=b"GGUF"):
    return magic + struct.pack("<IQQ", version, tensors, kvs)


def info(name, ne, ggml_type=0, offset=0):
    return (gw.encode_string(name) + struct.pack("<I", len(ne)) +
            b"".join(struct.pack("<Q", n) for n in ne) + struct.pack("<IQ", ggml_type, offset))


def raw_file(kvs, infos, data=b"", version=3, tensor_count=None, kv_count=None, alignment=32):
    """A file of already encoded key/values and tensor infos, padded to `alignment`."""
    out = header(len(infos) if tensor_count is None else tensor_count,
                 len(kvs) if kv_count is None else kv_count, version)
    out += b"".join(kvs) + b"".join(infos)
    out += b"\0" * (-len(out) % alignment)
    return out + data


ARCH = gw.encode_kv("general.architecture", "str", "llama")


def case(name, first_line, data):
    return Case(name="gguf/" + name, argv=ARGV, exit_code=1,
                first_line=r"^error: \S*m\.gguf: " + first_line,
                setup=write("m.gguf", data), unchanged=["m.gguf"])


def cases(env):
    valid = model()
    # Where the parts of the valid file are, to cut it there.
    meta_end = len(header(0, 0)) + sum(len(gw.encode_kv(*kv)) for kv in llama_meta())

    # Not GGUF at all, or not a version attnc reads.
    yield case("not-gguf", r"not a GGUF file \(it starts with bytes 7f 45 4c 46, not 'GGUF'\)",
               b"\x7fELF" + b"\0" * 60)
    yield case("empty", r"not a GGUF file \(0 bytes", b"")
    yield case("version-1", r"GGUF version 1 .*is not supported", header(0, 0, version=1))
    yield case("big-endian", r"a big-endian GGUF file \(version 3 byte-swapped\)",
               b"GGUF" + struct.pack(">IQQ", 3, 0, 0))
    yield case("version-4", r"GGUF version 4 is not supported", header(0, 0, version=4))

    # Truncated: in the header, the metadata, the tensor infos, the data.
    yield case("truncated-header", r"truncated: the tensor count at byte 8 needs 8 bytes",
               valid[:12])
    yield case("truncated-metadata", r"truncated: .*metadata key 'llama\.",
               valid[:meta_end - 3])
    yield case("truncated-tensor-info", r"truncated: .*tensor 'blk\.0\.attn_q\.weight'",
               valid[:valid.index(b"blk.0.attn_q.weight") + 25])
    yield case("truncated-data", r"tensor 'output_norm\.weight' \(info at byte \d+\): data at "
               r"byte \d+ \+ \d+ \+ 256 runs past the end of the file", valid[:-100])

    # Counts and lengths that the file cannot hold.
    yield case("tensor-count-2^64-1",
               r"the header \(byte 8\) claims 18446744073709551615 tensors, more than",
               header(U64_MAX, 0) + b"\0" * 64)
    yield case("key-count-2^63", r"the header \(byte 16\) claims 9223372036854775808 metadata keys, more than",
               header(0, 1 << 63) + b"\0" * 64)
    yield case("key-length-2^64-1",
               r"the key of metadata entry 0: length 18446744073709551615 at byte 24 is more "
               r"than the 65535 bytes", header(0, 1) + struct.pack("<Q", U64_MAX) + b"x" * 32)
    yield case("string-length-huge",
               r"truncated: the string value of metadata key 'general\.name' at byte \d+ claims "
               r"1152921504606846976 bytes",
               header(0, 1) + gw.encode_string("general.name") + struct.pack("<IQ", 8, 1 << 60)
               + b"abc")
    yield case("array-length-overflows",
               r"metadata key 'a': array of 4611686018427387904 uint32 at byte \d+ needs more "
               r"than 2\^64 bytes",
               header(0, 1) + gw.encode_string("a") + struct.pack("<IIQ", 9, 4, 1 << 62))
    yield case("string-array-length-huge",
               r"metadata key 'tokenizer\.ggml\.tokens': array of 1000000 string at byte \d+ "
               r"needs at least 8000000 bytes",
               header(0, 1) + gw.encode_string("tokenizer.ggml.tokens")
               + struct.pack("<IIQ", 9, 8, 10 ** 6) + gw.encode_string("a") * 10)
    yield case("nested-array", r"metadata key 'a': an array of arrays",
               header(0, 1) + gw.encode_string("a") + struct.pack("<IIQ", 9, 9, 1)
               + struct.pack("<IQ", 4, 0))
    yield case("value-type-13", r"metadata key 'a': value type 13 at byte 33 is not a GGUF type",
               header(0, 1) + gw.encode_string("a") + struct.pack("<I", 13) + b"\0" * 16)
    yield case("bool-2", r"metadata key 'a': bool value 2 at byte \d+ is neither 0 nor 1",
               header(0, 1) + gw.encode_string("a") + struct.pack("<IB", 7, 2))
    yield case("duplicate-key", r"metadata key 'general\.architecture' at byte \d+ repeats the "
               r"key at byte 24", raw_file([ARCH, ARCH], []))
    yield case("alignment-48", r"metadata key 'general\.alignment' \(at byte \d+\) is 48, not a "
               r"power of two", raw_file([ARCH, gw.encode_kv("general.alignment", "u32", 48)], []))

    # Tensor infos and data ranges.
    data = b"\0" * 256
    yield case("offset-past-end", r"tensor 'output_norm\.weight' \(info at byte \d+\): data at "
               r"byte \d+ \+ 4096 \+ 256 runs past the end of the file",
               raw_file([ARCH], [info("output_norm.weight", [64], 0, 4096)], data))
    yield case("offset-overflows", r"tensor 'x' \(info at byte \d+\): data at byte \d+ \+ "
               r"18446744073709551584 \+ 256 runs past the end",
               raw_file([ARCH], [info("x", [64], 0, U64_MAX - 31)], data))
    yield case("dims-overflow", r"tensor 'x' \(info at byte \d+\): dimensions 4294967296 x "
               r"4294967296 have more than 2\^63 elements",
               raw_file([ARCH], [info("x", [1 << 32, 1 << 32])], data))
    yield case("five-dims", r"tensor 'x' \(info at byte \d+\) has 5 dimensions, more than 4",
               raw_file([ARCH], [info("x", [1, 1, 1, 1, 1])], data))
    yield case("name-too-long", r"the name of tensor 0: length 200 at byte \d+ is more than the "
               r"63 bytes", raw_file([ARCH], [info("x" * 200, [64])], data))
    yield case("type-q5_0", r"tensor 'x' \(info at byte \d+\) has ggml type 6 \(Q5_0\), which "
               r"attnc does not read", raw_file([ARCH], [info("x", [64], 6)], data))
    yield case("type-99", r"tensor 'x' \(info at byte \d+\) has type 99 at byte \d+, not a ggml "
               r"type", raw_file([ARCH], [info("x", [64], 99)], data))
    yield case("partial-block", r"tensor 'x' \(info at byte \d+\): rows of 48 elements are not "
               r"whole Q8_0 blocks of 32", raw_file([ARCH], [info("x", [48, 2], 8)], data))
    yield case("scalar-q8_0", r"tensor 'x' \(info at byte \d+\): rows of 1 elements are not "
               r"whole Q8_0 blocks of 32", raw_file([ARCH], [info("x", [], 8)], data))
    yield case("misaligned", r"tensor 'y' \(info at byte \d+\): data offset 4 is not a multiple "
               r"of the alignment 32",
               raw_file([ARCH], [info("x", [8]), info("y", [8], 0, 4)], data))
    yield case("overlap", r"tensor 'y' \(info at byte \d+\): data at bytes \d+\.\.\d+ overlaps "
               r"tensor 'x' at bytes",
               raw_file([ARCH], [info("x", [32]), info("y", [32], 0, 96)], data))
    yield case("duplicate-tensor", r"tensor 'x' \(info at byte \d+\) repeats the tensor at byte "
               r"\d+", raw_file([ARCH], [info("x", [8]), info("x", [8], 0, 32)], data))

    # Well-formed files whose meaning is wrong.
    yield case("architecture-falcon",
               r"general\.architecture 'falcon' is not supported \(supported: llama, gpt2\)",
               model(meta=[("general.architecture", "str", "falcon")] + llama_meta()[1:]))
    yield case("block-count-string",
               r"metadata key 'llama\.block_count' \(at byte \d+\) is string, expected an "
               r"unsigned integer", model(meta=llama_meta(**{"llama.block_count": ("str", "1")})))
    yield case("block-count-0", r"metadata key 'llama\.block_count' \(at byte \d+\) is 0, "
               r"expected 1 to 65536", model(meta=llama_meta(**{"llama.block_count": ("u32", 0)})))
    # A small file claiming the most layers: refused at once (the fuzzer found
    # this taking 14 s when the list of expected tensors was built first).
    yield case("block-count-65536", r"tensor 'blk\.1\.attn_norm\.weight' is missing \(llama, "
               r"65536 layers\)", model(meta=llama_meta(**{"llama.block_count": ("u32", 65536)})))
    yield case("missing-key", r"metadata key 'llama\.embedding_length' is missing",
               model(meta=llama_meta(**{"llama.embedding_length": None})))
    yield case("shape-mismatch", r"tensor 'blk\.0\.attn_q\.weight' \(info at byte \d+\) has shape "
               r"\[32, 64\], expected \[64, 64\] from the metadata",
               model(tensors=llama_tensors({"blk.0.attn_q.weight": (32, 64)})))
    yield case("missing-tensor", r"tensor 'blk\.0\.ffn_up\.weight' is missing",
               model(tensors=llama_tensors({"blk.0.ffn_up.weight": None})))
    yield case("extra-tensor", r"tensor 'rope_freqs\.weight' \(info at byte \d+\) is not one of a "
               r"llama model's tensors",
               model(tensors=llama_tensors(extra=[("rope_freqs.weight", (8,))])))
    yield case("tokens-vs-vocab", r"tokenizer\.ggml\.tokens has 39 tokens, but token_embd\.weight "
               r"has 40 rows",
               model(meta=llama_meta(**{"tokenizer.ggml.tokens": ("arr[str]", ["t"] * (V - 1))})))
    yield case("bos-out-of-vocab", r"metadata key 'tokenizer\.ggml\.bos_token_id' \(at byte \d+\) "
               r"is 40, not a token of the vocabulary",
               model(meta=llama_meta(**{"tokenizer.ggml.bos_token_id": ("u32", V)})))
    yield case("heads-not-dividing", r"llama\.attention\.head_count \(5\) does not divide "
               r"llama\.embedding_length \(64\)",
               model(meta=llama_meta(**{"llama.attention.head_count": ("u32", 5)})))


def main(argv):
    """Runs the cases with attnc-gguf-dump alone (no compiled models needed)."""
    import argparse
    import shutil
    import tempfile

    import hostile
    parser = argparse.ArgumentParser()
    parser.add_argument("--dump", required=True)
    parser.add_argument("--work", default=None)
    args = parser.parse_args(argv)
    dump = os.path.abspath(shutil.which(args.dump) or args.dump)
    assert dump.endswith("-gguf-dump") and not VIA_DRIVER
    work = os.path.abspath(args.work or tempfile.mkdtemp(prefix="gguf-hostile."))
    os.makedirs(work, exist_ok=True)
    env = hostile.Env(dump[:-len("-gguf-dump")], "", None, "", None, hostile.ROOT)
    failed = 0
    all_cases = list(cases(env))
    for c in all_cases:
        status, message = hostile.run_case(c, env, work)
        print("%s: %s%s" % (status, c.name, " (" + message + ")" if message else ""))
        failed += status == "FAIL"
    print("gguf: %d passed, %d failed" % (len(all_cases) - failed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
