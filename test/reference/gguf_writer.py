#!/usr/bin/python3
"""A NumPy-only GGUF version 3 writer for tests (no gguf-py).

Written from llama.cpp's GGUF description (docs/gguf.md): little-endian,
"GGUF", uint32 version 3, uint64 tensor count, uint64 metadata count, the
metadata (string key, uint32 type, value), the tensor infos (string name,
uint32 n_dims, n_dims uint64 ne in ggml's order, fastest dimension first,
uint32 ggml type, uint64 offset into the data section), padding to the
alignment, the tensor data (each tensor padded to the alignment). Strings are
a uint64 length and the bytes; arrays a uint32 element type, a uint64 count
and the elements.

  write_gguf(path, metadata, tensors, alignment=32)
      metadata: list of (key, type, value); type "u8" "i8" "u16" "i16" "u32"
      "i32" "u64" "i64" "f32" "f64" "bool" "str" or "arr[T]" for any of those
      T (arrays of arrays are not written).
      tensors: list of (name, float32 array in row-major torch orientation,
      ggml type "F32" | "F16" | "BF16" | "Q8_0" | "Q4_0"), or
      (name, shape, ggml type name, raw bytes) to write given blocks as they
      are (e.g. random Q4_K blocks).
      A general.alignment key is added when alignment is not 32 and the
      metadata has none.
  gguf_bytes(metadata, tensors, alignment=32) -> bytes   (what write_gguf writes)
  quantize(data, type) -> bytes   the row-major bytes of `data` in `type`

  gguf_writer.py OUT.gguf [--type Q8_0]   writes a small two-tensor file.
"""
import struct
import sys

try:
    import numpy as np
except ImportError:  # encode_* and raw tensors need no NumPy (the hostile corpus runs on any python3)
    np = None

VALUE_TYPES = {"u8": 0, "i8": 1, "u16": 2, "i16": 3, "u32": 4, "i32": 5, "f32": 6,
               "bool": 7, "str": 8, "arr": 9, "u64": 10, "i64": 11, "f64": 12}
SCALAR_FORMATS = {"u8": "<B", "i8": "<b", "u16": "<H", "i16": "<h", "u32": "<I",
                  "i32": "<i", "f32": "<f", "bool": "<?", "u64": "<Q", "i64": "<q",
                  "f64": "<d"}
GGML_TYPES = {"F32": 0, "F16": 1, "Q4_0": 2, "Q4_1": 3, "Q5_0": 6, "Q5_1": 7, "Q8_0": 8,
              "Q2_K": 10, "Q3_K": 11, "Q4_K": 12, "Q5_K": 13, "Q6_K": 14, "Q8_K": 15,
              "I8": 24, "I16": 25, "I32": 26, "I64": 27, "F64": 28, "BF16": 30}
# (elements per block, bytes per block)
BLOCKS = {"F32": (1, 4), "F16": (1, 2), "BF16": (1, 2), "Q8_0": (32, 34), "Q4_0": (32, 18),
          "Q4_K": (256, 144), "Q6_K": (256, 210)}


def encode_string(s):
    b = s.encode("utf-8") if isinstance(s, str) else bytes(s)
    return struct.pack("<Q", len(b)) + b


def encode_value(type_name, value):
    """The bytes of a value of `type_name` (without the type tag)."""
    if type_name == "str":
        return encode_string(value)
    if type_name.startswith("arr[") and type_name.endswith("]"):
        element = type_name[4:-1]
        out = struct.pack("<IQ", VALUE_TYPES[element], len(value))
        return out + b"".join(encode_value(element, v) for v in value)
    return struct.pack(SCALAR_FORMATS[type_name], value)


def encode_kv(key, type_name, value):
    tag = VALUE_TYPES["arr" if type_name.startswith("arr[") else type_name]
    return encode_string(key) + struct.pack("<I", tag) + encode_value(type_name, value)


def _f16_bytes(x):
    return np.asarray(x, dtype=np.float32).astype(np.float16).tobytes()


def _round_away(x):
    """C's roundf: halves away from zero (NumPy's round is to even). x - trunc(x)
    is exact in float32, so the comparison with 0.5 is too."""
    t = np.trunc(x)
    return np.where(np.abs(x - t) >= np.float32(0.5), t + np.sign(x), t).astype(np.float32)


def quantize_q8_0(rows):
    """ggml-quants.c quantize_row_q8_0_ref: d = amax / 127 (float), id = 1/d
    (0 if d is 0), q = roundf(x * id); d stored as half (round to nearest
    even, as ggml's GGML_FP32_TO_FP16)."""
    blocks = rows.reshape(-1, 32).astype(np.float32)
    amax = np.max(np.abs(blocks), axis=1, keepdims=True)
    d = (amax / np.float32(127)).astype(np.float32)
    with np.errstate(divide="ignore"):
        inv = np.where(d == 0, np.float32(0), np.float32(1) / d).astype(np.float32)
    q = _round_away((blocks * inv).astype(np.float32)).astype(np.int8)
    out = np.concatenate([np.frombuffer(_f16_bytes(d), np.uint8).reshape(-1, 2),
                          q.view(np.uint8)], axis=1)
    return out.tobytes()


def quantize_q4_0(rows):
    """ggml-quants.c quantize_row_q4_0_ref: max = the element of largest
    magnitude (the first one on ties), d = max / -8, id = 1/d (0 if d is 0),
    q = min(15, (int8_t)(x * id + 8.5f)); element j < 16 in the low nibble of
    byte j, element 16 + j in its high nibble; d stored as half."""
    blocks = rows.reshape(-1, 32).astype(np.float32)
    index = np.argmax(np.abs(blocks), axis=1)
    mx = blocks[np.arange(blocks.shape[0]), index].reshape(-1, 1)
    d = (mx / np.float32(-8)).astype(np.float32)
    with np.errstate(divide="ignore"):
        inv = np.where(d == 0, np.float32(0), np.float32(1) / d).astype(np.float32)
    x = ((blocks * inv).astype(np.float32) + np.float32(8.5)).astype(np.float32)
    q = np.minimum(np.trunc(x), 15).astype(np.uint8)
    packed = q[:, :16] | (q[:, 16:] << np.uint8(4))
    out = np.concatenate([np.frombuffer(_f16_bytes(d), np.uint8).reshape(-1, 2), packed],
                         axis=1)
    return out.tobytes()


def quantize(data, type_name):
    """The bytes of `data` (any shape, row-major) stored as `type_name`."""
    data = np.ascontiguousarray(data, dtype=np.float32)
    if type_name == "F32":
        return data.astype("<f4").tobytes()
    if type_name == "F16":
        return data.astype("<f2").tobytes()
    if type_name == "BF16":
        # Round to nearest even on the upper 16 bits (ggml's
        # ggml_compute_fp32_to_bf16; NaN kept quiet).
        bits = data.reshape(-1).view(np.uint32).astype(np.uint64)
        nan = (bits & 0x7FFFFFFF) > 0x7F800000
        rounded = (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16
        rounded = np.where(nan, (bits >> 16) | 64, rounded)
        return rounded.astype("<u2").tobytes()
    if data.shape[-1] % 32:
        raise ValueError("%s rows must be a multiple of 32 elements" % type_name)
    if type_name == "Q8_0":
        return quantize_q8_0(data)
    if type_name == "Q4_0":
        return quantize_q4_0(data)
    raise ValueError("cannot quantize to %s" % type_name)


def _align(n, alignment):
    return (n + alignment - 1) // alignment * alignment


def gguf_bytes(metadata, tensors, alignment=32):
    metadata = list(metadata)
    if alignment != 32 and not any(k == "general.alignment" for k, _, _ in metadata):
        metadata.append(("general.alignment", "u32", alignment))
    datas, infos = [], []
    offset = 0
    for t in tensors:
        if len(t) == 4:
            name, shape, type_name, raw = t
            shape = tuple(shape)
        else:
            name, array, type_name = t
            shape = np.shape(array)
            raw = quantize(array, type_name)
        ne = list(reversed(shape))
        info = encode_string(name) + struct.pack("<I", len(ne))
        info += b"".join(struct.pack("<Q", n) for n in ne)
        info += struct.pack("<IQ", GGML_TYPES[type_name], offset)
        infos.append(info)
        datas.append(raw + b"\0" * (_align(len(raw), alignment) - len(raw)))
        offset += len(datas[-1])
    out = b"GGUF" + struct.pack("<IQQ", 3, len(tensors), len(metadata))
    out += b"".join(encode_kv(*kv) for kv in metadata)
    out += b"".join(infos)
    out += b"\0" * (_align(len(out), alignment) - len(out))
    return out + b"".join(datas)


def write_gguf(path, metadata, tensors, alignment=32):
    with open(path, "wb") as f:
        f.write(gguf_bytes(metadata, tensors, alignment))


def main(argv):
    import argparse
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--type", default="F32")
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)
    write_gguf(args.out, [("general.architecture", "str", "test"), ("general.name", "str", "demo")],
               [("a.weight", rng.standard_normal((4, 64)).astype(np.float32), args.type),
                ("b.weight", rng.standard_normal((64,)).astype(np.float32), "F32")])


if __name__ == "__main__":
    main(sys.argv[1:])
