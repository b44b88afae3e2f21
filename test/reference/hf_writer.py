#!/usr/bin/env python3
"""Writes and reads Hugging Face checkpoint directories, with NumPy only.

Written from the safetensors format description (a little-endian u64 header
length N, N bytes of JSON header {name: {dtype, shape, data_offsets}} padded
with spaces to a multiple of 8 as the reference writer does, then the data),
so that tests produce checkpoints without the `safetensors` or `transformers`
packages and check attnc's reader against an independent implementation.

    write_hf_dir(path, config, tensors, dtype="F32", shards=1)
        config.json and model.safetensors; with shards > 1,
        model-0000k-of-0000n.safetensors and model.safetensors.index.json.
        `tensors` maps Hugging Face names to float32 arrays in Hugging Face's
        storage orientation (the caller transposes GPT-2's Conv1D weights);
        they are stored as `dtype`: F32, F16 (IEEE round to nearest even, as
        numpy's astype) or BF16 (round to nearest even, as torch does; NaN
        stays NaN).
    read_safetensors(path) -> {name: float32 array} (F16 and BF16 converted)
    to_stored_f32(array, dtype) -> float32 array: the float32 values a reader
        must see after the dtype round trip.
"""
import json
import os
import struct

import numpy as np


def bf16_bits(a):
    """float32 -> bfloat16 bit patterns, round to nearest even (torch's rule)."""
    u = np.ascontiguousarray(a, dtype=np.float32).view(np.uint32).astype(np.uint64)
    rounding = ((u >> 16) & 1) + 0x7FFF
    rounded = ((u + rounding) >> 16).astype(np.uint16)
    nan = np.isnan(np.asarray(a, dtype=np.float32))
    # A NaN keeps its sign and becomes the quiet NaN (rounding could carry it to inf).
    rounded[nan] = ((u[nan] >> 16).astype(np.uint16) | np.uint16(0x0040))
    return rounded


def bf16_to_f32(bits):
    return (np.asarray(bits, dtype=np.uint16).astype(np.uint32) << 16).view(np.float32)


def encode(a, dtype):
    """The stored bytes of float32 array `a` as `dtype`."""
    a = np.ascontiguousarray(a, dtype=np.float32)
    if dtype == "F32":
        return a.astype("<f4").tobytes()
    if dtype == "F16":
        return a.astype("<f2").tobytes()
    if dtype == "BF16":
        return bf16_bits(a).astype("<u2").tobytes()
    raise ValueError("unsupported dtype %r" % dtype)


def to_stored_f32(a, dtype):
    """The float32 values of `a` after storing it as `dtype`."""
    a = np.ascontiguousarray(a, dtype=np.float32)
    if dtype == "F32":
        return a.copy()
    if dtype == "F16":
        return a.astype(np.float16).astype(np.float32)
    if dtype == "BF16":
        return bf16_to_f32(bf16_bits(a)).reshape(a.shape)
    raise ValueError("unsupported dtype %r" % dtype)


def safetensors_bytes(entries, metadata=None):
    """A safetensors image from [(name, dtype, shape, data bytes)], in order."""
    header = {}
    if metadata is not None:
        header["__metadata__"] = metadata
    offset = 0
    for name, dtype, shape, data in entries:
        header[name] = {"dtype": dtype, "shape": list(shape),
                        "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(e[3] for e in entries)


def write_safetensors(path, tensors, dtype="F32", metadata=None):
    entries = [(name, dtype, np.shape(a), encode(a, dtype)) for name, a in tensors.items()]
    with open(path, "wb") as f:
        f.write(safetensors_bytes(entries, metadata))


def write_hf_dir(path, config, tensors, dtype="F32", shards=1):
    os.makedirs(path, exist_ok=True)
    with open(os.path.join(path, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    names = list(tensors)
    if shards <= 1:
        write_safetensors(os.path.join(path, "model.safetensors"), tensors, dtype,
                          metadata={"format": "pt"})
        return
    weight_map = {}
    per_shard = -(-len(names) // shards)
    for k in range(shards):
        shard = "model-%05d-of-%05d.safetensors" % (k + 1, shards)
        part = {n: tensors[n] for n in names[k * per_shard:(k + 1) * per_shard]}
        write_safetensors(os.path.join(path, shard), part, dtype, metadata={"format": "pt"})
        for n in part:
            weight_map[n] = shard
    total = sum(np.size(a) for a in tensors.values()) * (4 if dtype == "F32" else 2)
    with open(os.path.join(path, "model.safetensors.index.json"), "w") as f:
        json.dump({"metadata": {"total_size": int(total)}, "weight_map": weight_map}, f, indent=2)


def read_safetensors(path):
    """{name: float32 array} of a safetensors file (F32, F16 and BF16)."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack_from("<Q", data, 0)
    header = json.loads(data[8:8 + n])
    start = 8 + n
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        raw = data[start + begin:start + end]
        shape = tuple(info["shape"])
        if info["dtype"] == "F32":
            a = np.frombuffer(raw, dtype="<f4")
        elif info["dtype"] == "F16":
            a = np.frombuffer(raw, dtype="<f2").astype(np.float32)
        elif info["dtype"] == "BF16":
            a = bf16_to_f32(np.frombuffer(raw, dtype="<u2"))
        else:
            raise ValueError("unsupported dtype %r" % info["dtype"])
        out[name] = a.reshape(shape).astype(np.float32)
    return out
