"""Inputs and the NumPy reference of int8-linear.mlir (attn.linear with
input_quant = q8_0), independent of attnc:
  int8-linear-ref.py gen T IN.bin     writes T tokens of inputs
  int8-linear-ref.py check IN.bin OUT.bin
The reference follows attn.linear's definition: per token and 32-value
block, d = max|x| / 127 and codes round_even(x / d) in float32 (NumPy's
float32 division and rint, so the codes are exactly the ones the definition
gives), the integer sums of codes times weights in int64, then
sum_kb isum * float32(d * s) in float64. The compiled code sums the same
integers exactly and differs only in the f32 rounding of the three scaled
block sums: 2 ulps of the largest partial sum are allowed."""
import sys

import numpy as np

K, N, NB, KB = 96, 48, 3, 3


def gen(tokens, path):
    rng = np.random.default_rng(7 + tokens)
    x = rng.standard_normal((tokens, K)).astype(np.float32) * 3
    # Edge cases in the first rows (when there are that many tokens):
    rows = [
        np.zeros(K, np.float32),  # a zero row: d = 0, codes 0
        # a block with max 127 (d = 1) and exact halves: round half to even
        np.concatenate([[127.0, 2.5, -3.5, 0.5, -0.5, 1.5, 126.5, -126.5],
                        np.zeros(24), rng.standard_normal(64)]).astype(np.float32),
        # a subnormal scale (max 127 * 2^-140, d = 2^-140): x / d stays
        # finite (1 / d would overflow), zeros stay 0, halves round to even
        np.concatenate([np.array([127, 0, -63.5, 25.5]) * 2.0**-140, np.zeros(28),
                        rng.standard_normal(64) * 1e6]).astype(np.float32),
    ]
    for i, row in enumerate(rows[:tokens] if tokens > 1 else []):
        x[i] = row
    w = rng.integers(-128, 128, size=(NB, K, 16), dtype=np.int8)
    w[0, 0, :4] = [-128, 127, -127, 0]
    s = (rng.random((NB, KB, 16)) * 0.02 + 1e-3).astype(np.float32)
    with open(path, "wb") as f:
        f.write(np.int64(tokens).tobytes())
        f.write(x.tobytes())
        f.write(w.tobytes())
        f.write(s.tobytes())


def reference(x, w, s):
    t = x.shape[0]
    blocks = x.reshape(t, KB, 32)
    d = np.abs(blocks).max(axis=2) / np.float32(127)
    assert d.dtype == np.float32
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(d[:, :, None] == 0, np.float32(0), blocks / d[:, :, None])
    codes = np.clip(np.rint(ratio), -127, 127).astype(np.int64)
    wq = w.astype(np.int64).reshape(NB, KB, 32, 16)
    isum = np.einsum("tbk,nbkj->tnbj", codes, wq)  # exact integers
    scale = (d[:, None, :, None] * s[None, :, :, :]).astype(np.float32)  # (t, nb, kb, j)
    terms = isum.astype(np.float64) * scale.astype(np.float64)
    return terms.sum(axis=2).reshape(t, N), np.abs(terms).sum(axis=2).reshape(t, N), codes


def check(inp, outp):
    raw = open(inp, "rb").read()
    t = int(np.frombuffer(raw[:8], np.int64)[0])
    off = 8
    x = np.frombuffer(raw, np.float32, t * K, off).reshape(t, K); off += 4 * t * K
    w = np.frombuffer(raw, np.int8, NB * K * 16, off).reshape(NB, K, 16); off += NB * K * 16
    s = np.frombuffer(raw, np.float32, NB * KB * 16, off).reshape(NB, KB, 16)
    y = np.fromfile(outp, np.float32)
    if y.size != t * N:
        print(f"FAIL: {y.size} values, expected {t * N}")
        return 1
    y = y.reshape(t, N)
    ref, magnitude, codes = reference(x, w, s)
    if t > 2:
        # The definition's codes of the edge rows, asserted here so that a
        # wrong reference cannot pass unnoticed.
        assert (codes[0] == 0).all()
        assert list(codes[1, 0, :8]) == [127, 2, -4, 0, 0, 2, 126, -126], codes[1, 0, :8]
        assert list(codes[2, 0, :4]) == [127, 0, -64, 26], codes[2, 0, :4]
        assert (codes[2, 0, 4:] == 0).all()
    bound = 2 * np.spacing(magnitude.astype(np.float32)).astype(np.float64) + 1e-30
    err = np.abs(y.astype(np.float64) - ref)
    worst = (err / bound).max()
    print(f"T={t} max|y|={np.abs(ref).max():.4g} max err={err.max():.3g} "
          f"(worst {worst:.3f} of the bound) {'ok' if worst <= 1 else 'FAIL'}")
    return 0 if worst <= 1 else 1


if __name__ == "__main__":
    if sys.argv[1] == "gen":
        gen(int(sys.argv[2]), sys.argv[3])
    else:
        sys.exit(check(sys.argv[2], sys.argv[3]))
