#!/usr/bin/python3
"""Checks attnc's conversion of GGUF tensor types to float32, bit for bit.

Writes a GGUF file (gguf_writer.py) holding tensors of every type attnc
reads (F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q6_K) in several shapes (one row,
several rows, several blocks per row), has attnc-gguf-dump write each one's
floats, and compares them bitwise with a reference dequantization of the same
bytes:

  --reference numpy    this file's own NumPy dequantizer, written from the
                       block layouts of ggml-common.h and the loops of
                       ggml-quants.c's dequantize_row_* (no gguf-py)
  --reference gguf-py  gguf-py's gguf.quants.dequantize (set PYTHONPATH);
                       the F16, BF16, Q8_0 and Q4_0 bytes are then made by
                       gguf-py's own quantize

Q4_K and Q6_K tensors are random block bytes whose half-precision scales are
finite, as are the extra "raw" Q8_0 and Q4_0 tensors, so no value is NaN or
infinite and a bitwise comparison is meaningful. F16 and BF16 also get a
tensor of every finite bit pattern (subnormals, zeros of both signs, the
largest values).

  gguf_dequant_ref.py --dump BIN/attnc-gguf-dump --work DIR [--reference R]

Prints one line per tensor and `all N tensors bitwise equal`; exit status 1
at the first difference.
"""
import argparse
import os
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gguf_writer  # noqa: E402

QK_K = 256


# ---- The reference dequantizer (from the format description) ----

def half(raw):
    """uint8 pairs (little-endian IEEE half) -> float32 (exact)."""
    return np.frombuffer(np.ascontiguousarray(raw).tobytes(), dtype="<f2").astype(np.float32)


def deq_q8_0(b):
    # block: half d, int8 qs[32]; y = qs * d
    d = half(b[:, 0:2]).reshape(-1, 1)
    q = b[:, 2:34].view(np.int8).astype(np.float32)
    return (q * d).astype(np.float32)


def deq_q4_0(b):
    # block: half d, uint8 qs[16]; y[j] = (lo(qs[j]) - 8) * d, y[j+16] = (hi(qs[j]) - 8) * d
    d = half(b[:, 0:2]).reshape(-1, 1)
    qs = b[:, 2:18].astype(np.int32)
    lo = ((qs & 0xF) - 8).astype(np.float32)
    hi = ((qs >> 4) - 8).astype(np.float32)
    return np.concatenate([lo * d, hi * d], axis=1).astype(np.float32)


def scale_min_k4(j, s):
    """ggml-quants.c get_scale_min_k4 for sub-block j of every block."""
    s = s.astype(np.int32)
    if j < 4:
        return s[:, j] & 63, s[:, j + 4] & 63
    d = (s[:, j + 4] & 0xF) | ((s[:, j - 4] >> 6) << 4)
    m = (s[:, j + 4] >> 4) | ((s[:, j] >> 6) << 4)
    return d, m


def deq_q4_k(b):
    # block: half d, half dmin, uint8 scales[12], uint8 qs[128]
    n = b.shape[0]
    d = half(b[:, 0:2])
    dmin = half(b[:, 2:4])
    scales = b[:, 4:16]
    qs = b[:, 16:144].astype(np.int32)
    y = np.empty((n, QK_K), dtype=np.float32)
    for chunk in range(4):  # 64 values each: 32 low nibbles, 32 high nibbles
        q = qs[:, 32 * chunk:32 * chunk + 32]
        for half_index, nib in enumerate((q & 0xF, q >> 4)):
            sc, m = scale_min_k4(2 * chunk + half_index, scales)
            d1 = (d * sc.astype(np.float32)).astype(np.float32).reshape(-1, 1)
            m1 = (dmin * m.astype(np.float32)).astype(np.float32).reshape(-1, 1)
            start = 64 * chunk + 32 * half_index
            y[:, start:start + 32] = (d1 * nib.astype(np.float32)).astype(np.float32) - m1
    return y


def deq_q6_k(b):
    # block: uint8 ql[128], uint8 qh[64], int8 scales[16], half d
    n = b.shape[0]
    ql_all = b[:, 0:128].astype(np.int32)
    qh_all = b[:, 128:192].astype(np.int32)
    sc_all = b[:, 192:208].view(np.int8).astype(np.float32)
    d = half(b[:, 208:210]).reshape(-1, 1)
    y = np.empty((n, QK_K), dtype=np.float32)
    for h in range(2):  # 128 values each
        ql = ql_all[:, 64 * h:64 * h + 64]
        qh = qh_all[:, 32 * h:32 * h + 32]
        sc = sc_all[:, 8 * h:8 * h + 8]
        qs = [((ql[:, 0:32] & 0xF) | (((qh >> 0) & 3) << 4)) - 32,
              ((ql[:, 32:64] & 0xF) | (((qh >> 2) & 3) << 4)) - 32,
              ((ql[:, 0:32] >> 4) | (((qh >> 4) & 3) << 4)) - 32,
              ((ql[:, 32:64] >> 4) | (((qh >> 6) & 3) << 4)) - 32]
        for k, q in enumerate(qs):
            for l16 in range(2):  # sixteen values share a scale
                cols = slice(16 * l16, 16 * l16 + 16)
                ds = (d * sc[:, 2 * k + l16].reshape(-1, 1)).astype(np.float32)
                start = 128 * h + 32 * k + 16 * l16
                y[:, start:start + 16] = (ds * q[:, cols].astype(np.float32)).astype(np.float32)
    return y


def reference_numpy(raw, type_name, count):
    data = np.frombuffer(raw, dtype=np.uint8)
    if type_name == "F32":
        return data.view("<f4").astype(np.float32)
    if type_name == "F16":
        return data.view("<f2").astype(np.float32)
    if type_name == "BF16":
        return (data.view("<u2").astype(np.uint32) << 16).view(np.float32)
    elements, nbytes = gguf_writer.BLOCKS[type_name]
    blocks = data.reshape(-1, nbytes)
    fn = {"Q8_0": deq_q8_0, "Q4_0": deq_q4_0, "Q4_K": deq_q4_k, "Q6_K": deq_q6_k}[type_name]
    out = fn(blocks).reshape(-1)
    assert out.size == count
    return out


def reference_gguf_py(raw, type_name, shape):
    import gguf
    qtype = gguf.GGMLQuantizationType[type_name]
    _, nbytes = gguf_writer.BLOCKS[type_name]
    elements, _ = gguf_writer.BLOCKS[type_name]
    row_bytes = shape[-1] // elements * nbytes
    data = np.frombuffer(raw, dtype=np.uint8).reshape(-1, row_bytes)
    if type_name == "F32":
        return data.view(np.float32).reshape(-1)
    if type_name == "F16":
        return data.view(np.float16).astype(np.float32).reshape(-1)
    return np.asarray(gguf.quants.dequantize(data, qtype), dtype=np.float32).reshape(-1)


# ---- The test tensors ----

def finite_halves(rng, count):
    bits = rng.integers(0, 1 << 16, size=count, dtype=np.uint16)
    inf_or_nan = (bits & 0x7C00) == 0x7C00
    bits[inf_or_nan] ^= 0x4000  # exponent 31 -> 15: finite
    return bits


def random_blocks(rng, type_name, shape):
    """Random block bytes of `shape` with finite half scales."""
    elements, nbytes = gguf_writer.BLOCKS[type_name]
    count = int(np.prod(shape)) // elements
    b = rng.integers(0, 256, size=(count, nbytes), dtype=np.uint16).astype(np.uint8)
    scale_at = {"Q8_0": [0], "Q4_0": [0], "Q4_K": [0, 2], "Q6_K": [208]}[type_name]
    for at in scale_at:
        b[:, at:at + 2] = finite_halves(rng, count).view(np.uint8).reshape(count, 2)
    return b.tobytes()


def make_tensors(reference):
    """(name, shape, type, raw bytes) for every test tensor."""
    rng = np.random.default_rng(20261202)
    tensors = []
    if reference == "gguf-py":
        import gguf

        def encode(x, t):
            return gguf.quants.quantize(x, gguf.GGMLQuantizationType[t]).tobytes()
    else:
        encode = gguf_writer.quantize
    for t, shapes in [("F32", [(3, 5), (7,)]), ("F16", [(4, 7), (2, 3, 5)]),
                      ("BF16", [(3, 9), (16,)]), ("Q8_0", [(1, 32), (2, 64), (3, 96)]),
                      ("Q4_0", [(1, 32), (2, 64), (3, 96)])]:
        for i, shape in enumerate(shapes):
            scale = [1.0, 1e-3, 300.0][i % 3]
            x = (rng.standard_normal(shape) * scale).astype(np.float32)
            if t in ("Q8_0", "Q4_0") and x.ndim == 2 and x.shape[0] > 1:
                x[1, :32] = 0  # an all-zero block (d = 0)
            tensors.append(("%s.%d" % (t.lower(), i), shape, t, encode(x, t)))
    # Every finite bit pattern of the 16-bit float types.
    h = np.arange(1 << 16, dtype=np.uint32).astype(np.uint16)
    tensors.append(("f16.all", (int(np.sum((h & 0x7C00) != 0x7C00)),), "F16",
                    h[(h & 0x7C00) != 0x7C00].tobytes()))
    tensors.append(("bf16.all", (int(np.sum((h & 0x7F80) != 0x7F80)),), "BF16",
                    h[(h & 0x7F80) != 0x7F80].tobytes()))
    for t, shapes in [("Q8_0", [(2, 64), (3, 128)]), ("Q4_0", [(2, 64), (3, 128)]),
                      ("Q4_K", [(1, 256), (2, 512), (3, 256)]),
                      ("Q6_K", [(1, 256), (2, 512), (3, 256)])]:
        for i, shape in enumerate(shapes):
            tensors.append(("%s.raw%d" % (t.lower(), i), shape, t, random_blocks(rng, t, shape)))
    return tensors


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dump", required=True, help="the attnc-gguf-dump binary")
    parser.add_argument("--work", required=True, help="a directory for the files")
    parser.add_argument("--reference", choices=["numpy", "gguf-py"], default="numpy")
    args = parser.parse_args(argv)
    os.makedirs(args.work, exist_ok=True)
    tensors = make_tensors(args.reference)
    path = os.path.join(args.work, "dequant.gguf")
    gguf_writer.write_gguf(path, [("general.architecture", "str", "test")], tensors)
    for name, shape, t, raw in tensors:
        out = os.path.join(args.work, name + ".f32")
        subprocess.run([args.dump, path, "--tensor", name, "-o", out], check=True)
        got = np.fromfile(out, dtype="<f4")
        count = int(np.prod(shape))
        if args.reference == "gguf-py":
            want = reference_gguf_py(raw, t, shape)
        else:
            want = reference_numpy(raw, t, count)
        assert not np.isnan(want).any(), name
        if got.size != count or want.size != count:
            print("tensor %s: %d floats from attnc, %d from the reference, expected %d"
                  % (name, got.size, want.size, count))
            return 1
        diff = np.flatnonzero(got.view(np.uint32) != want.view(np.uint32))
        if diff.size:
            i = diff[0]
            print("tensor %s %s: %d of %d floats differ; first at %d: attnc %r (0x%08x), "
                  "reference %r (0x%08x)" % (name, t, diff.size, count, i, got[i],
                                             got.view(np.uint32)[i], want[i],
                                             want.view(np.uint32)[i]))
            return 1
        print("tensor %s %s %s: %d floats bitwise equal" % (name, t, list(shape), count))
    print("all %d tensors bitwise equal" % len(tensors))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
