#!/usr/bin/python3
"""Writes and reads llama2.c checkpoints of all three versions, for tests.

Independent of attnc (NumPy only), written from llama2.c's formats:
  v0 ("legacy", run.c): 7 int32 (dim, hidden_dim, n_layers, n_heads,
     n_kv_heads, vocab_size, seq_len; vocab_size < 0: the classifier is stored
     separately), then float32 tok_embeddings, attention_norm[L], wq[L], wk[L],
     wv[L], wo[L], ffn_norm[L], w1[L], w2[L], w3[L], norm, two legacy RoPE
     tables (seq_len * head_dim / 2 floats each, cos then sin), output.
  v1 (export.py's version1_export): uint32 magic 0x616b3432 ("ak42"), int32
     version 1, the 7 int32 (vocab_size positive), uint8 shared_classifier,
     zero padding to 256 bytes; then float32 attention_norm[L], ffn_norm[L],
     norm, tok_embeddings, wq[L], wk[L], wv[L], wo[L], w1[L], w2[L], w3[L],
     output (only when not shared).
  v2 (export.py's version2_export, read by runq.c): magic, int32 version 2,
     the 7 int32, uint8 shared_classifier, int32 group_size (unaligned, at
     byte 37), zero padding to 256; float32 attention_norm[L], ffn_norm[L],
     norm; then for each of tok_embeddings, wq[L], wk[L], wv[L], wo[L], w1[L],
     w2[L], w3[L], output (when not shared): its int8 values, then its float32
     scales, one per group of group_size consecutive values of the flattened
     tensor. Quantization (export.py's quantize_q80, in float32): scale =
     max|w| / 127 per group, q = round-half-even(w / scale); w ~ q * scale.

Public functions:
  write(path, config, tensors, version=0, group_size=None)
      config: the description dict (vocab_size, context_length, dim, layers,
      attention.heads/kv_heads, mlp.hidden, tie_embeddings); tensors:
      canonical name -> float32 array (the names of transformer_ref.py).
  read(path) -> (config, tensors): any version; v2 tensors are dequantized.
  quantize_q80(w, group_size) -> (int8 q, float32 scales)
  dequantize_q80(q, scales, group_size) -> float32, same flat length
  roundtrip_q80(w, group_size) -> what a v2 file of w reads back as.
"""
import struct
import sys

import numpy as np

MAGIC = 0x616B3432
HEADER_BYTES = 256
MATRICES = ("wq", "wk", "wv", "wo", "w1", "w2", "w3")


def _header(config):
    att = config["attention"]
    return [config["dim"], config["mlp"]["hidden"], config["layers"], att["heads"],
            att.get("kv_heads", att["heads"]), config["vocab_size"], config["context_length"]]


def _stack(tensors, layers, name):
    return [tensors[f"layers.{l}.{name}"] for l in range(layers)]


def _rope_tables(config):
    """What llama2.c's legacy export writes between norm and output: cos and
    sin of pos * theta^(-2i/head_dim), computed in double, rounded to float."""
    hd = config["dim"] // config["attention"]["heads"]
    freqs = 1.0 / (10000.0 ** (np.arange(0, hd, 2, dtype=np.float64) / hd))
    angle = np.outer(np.arange(config["context_length"], dtype=np.float64), freqs)
    return [np.cos(angle).astype(np.float32), np.sin(angle).astype(np.float32)]


def quantize_q80(w, group_size):
    """export.py's quantize_q80 in float32: per group of the flattened tensor,
    scale = max|w| / 127, q = round(w / scale) (half to even, as torch.round)."""
    flat = np.asarray(w, dtype=np.float32).reshape(-1)
    if flat.size % group_size:
        raise ValueError(f"{flat.size} values are not a multiple of group size {group_size}")
    groups = flat.reshape(-1, group_size)
    scale = (np.max(np.abs(groups), axis=1) / np.float32(127.0)).astype(np.float32)
    with np.errstate(divide="ignore", invalid="ignore"):
        quant = groups / scale[:, None]
    quant = np.where(scale[:, None] == 0, np.float32(0), quant)
    return np.round(quant).astype(np.int8).reshape(-1), scale


def dequantize_q80(q, scales, group_size):
    """runq.c's dequantize: x[i] = q[i] * s[i / GS], in float32."""
    q = np.asarray(q, dtype=np.int8).reshape(-1, group_size).astype(np.float32)
    return (q * np.asarray(scales, dtype=np.float32)[:, None]).reshape(-1)


def roundtrip_q80(w, group_size):
    w = np.asarray(w, dtype=np.float32)
    return dequantize_q80(*quantize_q80(w, group_size), group_size).reshape(w.shape)


def write(path, config, tensors, version=0, group_size=None):
    header = _header(config)
    layers = config["layers"]
    tied = config.get("tie_embeddings", True)
    f32 = lambda arrs: b"".join(np.asarray(a, dtype="<f4").tobytes() for a in arrs)
    norms = _stack(tensors, layers, "attention_norm") + _stack(tensors, layers, "ffn_norm") \
        + [tensors["norm"]]
    matrices = [tensors["tok_embeddings"]]
    for name in MATRICES:
        matrices += _stack(tensors, layers, name)
    output = [] if tied else [tensors["output"]]
    with open(path, "wb") as f:
        if version == 0:
            if not tied:
                header[5] = -header[5]
            f.write(struct.pack("<7i", *header))
            body = [tensors["tok_embeddings"]] + _stack(tensors, layers, "attention_norm")
            for name in ("wq", "wk", "wv", "wo"):
                body += _stack(tensors, layers, name)
            body += _stack(tensors, layers, "ffn_norm")
            for name in ("w1", "w2", "w3"):
                body += _stack(tensors, layers, name)
            f.write(f32(body + [tensors["norm"]] + _rope_tables(config) + output))
            return
        head = struct.pack("<Ii7iB", MAGIC, version, *header, int(tied))
        if version == 1:
            f.write(head.ljust(HEADER_BYTES, b"\0"))
            f.write(f32(norms + [matrices[0]] + matrices[1:] + output))
            return
        if version != 2:
            raise ValueError(f"llama2.c version {version}")
        f.write((head + struct.pack("<i", group_size)).ljust(HEADER_BYTES, b"\0"))
        f.write(f32(norms))
        for w in matrices + output:
            q, s = quantize_q80(w, group_size)
            f.write(q.tobytes())
            f.write(s.astype("<f4").tobytes())


def read(path):
    """(config, canonical float32 tensors) of a v0, v1 or v2 checkpoint."""
    data = open(path, "rb").read()
    pos = 0
    if len(data) >= 8 and struct.unpack_from("<I", data)[0] == MAGIC:
        version = struct.unpack_from("<i", data, 4)[0]
        header = list(struct.unpack_from("<7i", data, 8))
        tied = bool(data[36])
        group_size = struct.unpack_from("<i", data, 37)[0] if version == 2 else None
        pos = HEADER_BYTES
        if version not in (1, 2):
            raise ValueError(f"{path}: version {version}")
    else:
        version = 0
        header = list(struct.unpack_from("<7i", data))
        tied = header[5] > 0
        header[5] = abs(header[5])
        pos = 28
    dim, hidden, layers, heads, kv_heads, vocab, seq = header
    hd = dim // heads
    config = {"vocab_size": vocab, "context_length": seq, "dim": dim, "layers": layers,
              "attention": {"heads": heads, "kv_heads": kv_heads, "rope_theta": 10000.0},
              "norm": {"kind": "rms", "eps": 1e-5}, "mlp": {"hidden": hidden},
              "tie_embeddings": tied}
    shapes = {"tok_embeddings": (vocab, dim), "wq": (heads * hd, dim),
              "wk": (kv_heads * hd, dim), "wv": (kv_heads * hd, dim), "wo": (dim, heads * hd),
              "w1": (hidden, dim), "w2": (dim, hidden), "w3": (hidden, dim),
              "output": (vocab, dim)}
    tensors = {}

    def take_f32(shape):
        nonlocal pos
        count = int(np.prod(shape))
        if pos + 4 * count > len(data):
            raise ValueError(f"{path}: truncated at byte {pos}")
        arr = np.frombuffer(data, dtype="<f4", count=count, offset=pos).reshape(shape)
        pos += 4 * count
        return arr.astype(np.float32)

    def take_q80(shape):
        nonlocal pos
        count = int(np.prod(shape))
        if pos + count + 4 * (count // group_size) > len(data):
            raise ValueError(f"{path}: truncated at byte {pos}")
        q = np.frombuffer(data, dtype=np.int8, count=count, offset=pos)
        pos += count
        s = np.frombuffer(data, dtype="<f4", count=count // group_size, offset=pos)
        pos += 4 * (count // group_size)
        return dequantize_q80(q, s, group_size).reshape(shape)

    def each_layer(name, take, shape):
        for l in range(layers):
            tensors[f"layers.{l}.{name}"] = take(shape)

    if version == 0:
        tensors["tok_embeddings"] = take_f32(shapes["tok_embeddings"])
        each_layer("attention_norm", take_f32, (dim,))
        for name in ("wq", "wk", "wv", "wo"):
            each_layer(name, take_f32, shapes[name])
        each_layer("ffn_norm", take_f32, (dim,))
        for name in ("w1", "w2", "w3"):
            each_layer(name, take_f32, shapes[name])
        tensors["norm"] = take_f32((dim,))
        take_f32((2, seq * hd // 2))  # the legacy RoPE tables
    else:
        each_layer("attention_norm", take_f32, (dim,))
        each_layer("ffn_norm", take_f32, (dim,))
        tensors["norm"] = take_f32((dim,))
        take = take_f32 if version == 1 else take_q80
        tensors["tok_embeddings"] = take(shapes["tok_embeddings"])
        for name in MATRICES:
            each_layer(name, take, shapes[name])
    if not tied:
        tensors["output"] = (take_f32 if version != 2 else take_q80)(shapes["output"])
    if pos != len(data):
        raise ValueError(f"{path}: {len(data) - pos} bytes after the last tensor")
    return config, tensors


if __name__ == "__main__":
    # llama2c_writer.py IN OUT VERSION [GROUP]: rewrites a checkpoint (e.g. to
    # check that stories260K.bin written as v2 gives stories260K-q8.bin).
    cfg, ts = read(sys.argv[1])
    write(sys.argv[2], cfg, ts, int(sys.argv[3]), int(sys.argv[4]) if len(sys.argv) > 4 else None)
