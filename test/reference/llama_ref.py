#!/usr/bin/python3
"""Independent float64 reference for Llama-family models in llama2.c format.

Shares no code with attnc: it reads the llama2.c version 0 checkpoint with its
own NumPy reader and recomputes the forward pass of llama2.c's run.c over the
whole sequence at once (no KV cache), in float64. Run it with Debian's
/usr/bin/python3 (python3-numpy).

  llama_ref.py CKPT --prompt-ids 1,2,3 --logits FILE [--tol 1e-4]
      FILE holds the float32 logits (rows of vocab_size) attnc's generated
      program wrote, one row per position: the prompt positions, then the
      decode positions. The sequence fed to the reference is the prompt
      followed by the argmax of our rows (teacher forcing: row i's argmax is
      the token at position i + 1), so a near-tie decided differently in
      float32 cannot make the two runs diverge. Every row is compared; the
      exit status is 1 if a row differs by more than --tol (or the row count
      is off).
  llama_ref.py CKPT --greedy N [--prompt-ids 1]
      Prints the prompt and N greedily generated ids (how the reference itself
      is checked against llama2.c's published greedy output).
  llama_ref.py CKPT --greedy N --write-logits FILE
      Also writes the reference's own float32 logits of that run, in the
      format of --logits (to test the comparison).
  llama_ref.py CKPT ... --round-matrices bf16|f16|q8_0|q4_0 [--quantize-inputs]
      Rounds the weight matrices (not the norms) to bf16 or f16 first, or
      quantizes them as GGUF's Q8_0 or Q4_0 does (matrices whose rows are
      not whole blocks of 32 stay as they are), to check a model compiled
      with `attnc compile --weight-type`.
  llama_ref.py --selftest
      Checks the reference against a case computed by hand and against
      properties (causality, GQA head sharing).

The forward pass, as run.c: x = embedding[token]; per layer,
x += wo(attention(rmsnorm(x))) and x += w2(silu(w1 h) * w3 h) with
h = rmsnorm(x); rmsnorm(x) = x / sqrt(mean(x^2) + eps) * w; RoPE rotates the
consecutive pairs (x[2i], x[2i+1]) of each head by pos * theta^(-2i/head_dim);
query head h reads KV head h // (heads / kv_heads); scores are scaled by
1/sqrt(head_dim) and masked (causal: key j <= query i; sliding_window N:
i - N < j <= i; none); logits = wcls rmsnorm(x), wcls = embedding when the
header's vocab_size is positive.
"""
import argparse
import math
import os
import struct
import sys
import tempfile

import numpy as np


class Checkpoint:
    """The config and float64 weights of a llama2.c v0 checkpoint."""

    FIELDS = ("dim", "hidden_dim", "n_layers", "n_heads", "n_kv_heads", "vocab_size", "seq_len")

    def __init__(self, path):
        raw = np.fromfile(path, dtype="<i4", count=7)
        if raw.size != 7:
            sys.exit(f"{path}: too short for a llama2.c header")
        cfg = dict(zip(self.FIELDS, (int(v) for v in raw)))
        self.shared = cfg["vocab_size"] > 0
        cfg["vocab_size"] = abs(cfg["vocab_size"])
        self.__dict__.update(cfg)
        self.head_dim = self.dim // self.n_heads
        kv_dim = self.n_kv_heads * self.head_dim
        d, h, n, v = self.dim, self.hidden_dim, self.n_layers, self.vocab_size
        floats = np.fromfile(path, dtype="<f4", offset=28).astype(np.float64)
        shapes = [("emb", (v, d)), ("rms_att", (n, d)), ("wq", (n, d, d)),
                  ("wk", (n, kv_dim, d)), ("wv", (n, kv_dim, d)), ("wo", (n, d, d)),
                  ("rms_ffn", (n, d)), ("w1", (n, h, d)), ("w2", (n, d, h)),
                  ("w3", (n, h, d)), ("rms_final", (d,)),
                  ("rope_tables", (2 * self.seq_len * self.head_dim // 2,))]
        if not self.shared:
            shapes.append(("wcls", (v, d)))
        offset = 0
        for name, shape in shapes:
            count = int(np.prod(shape))
            if offset + count > floats.size:
                sys.exit(f"{path}: truncated in tensor {name}")
            setattr(self, name, floats[offset:offset + count].reshape(shape))
            offset += count
        if offset != floats.size:
            sys.exit(f"{path}: {4 * (floats.size - offset)} bytes after the last tensor")
        if self.shared:
            self.wcls = self.emb

    quantized_inputs = False  # see linear()

    def round_matrices(self, dtype):
        """Rounds the weight matrices (embedding, linear layers, classifier;
        not the norms) to dtype, "bf16" or "f16", to nearest even, as a
        compiler that stores them narrow must: f16 by NumPy, bf16 by torch
        (NumPy has no bfloat16)."""
        if dtype == "f16":
            narrow = lambda a: a.astype(np.float32).astype(np.float16).astype(np.float64)
        elif dtype == "q8_0":
            narrow = q8_0_dequantized
        elif dtype == "q4_0":
            narrow = q4_0_dequantized
        else:
            import torch
            narrow = lambda a: torch.from_numpy(a.astype(np.float32)).to(
                torch.bfloat16).to(torch.float64).numpy()
        for name in ("emb", "wq", "wk", "wv", "wo", "w1", "w2", "w3"):
            setattr(self, name, narrow(getattr(self, name)))
        self.wcls = self.emb if self.shared else narrow(self.wcls)


def q8_0_dequantized(a):
    """a (..., K) as GGUF's Q8_0 stores it, dequantized: per block of 32
    along the last axis, d = max|w| / 127 and q = roundf(w * (1 / d)) in
    float32 (ggml's quantize_row_q8_0_ref; roundf rounds halves away from
    zero), d kept as float16; the weight is d * q. A block of zeros has
    d = 0, q = 0. With K not a multiple of 32, a is returned unchanged (the
    compiler keeps such matrices in f32)."""
    if a.shape[-1] % 32:
        return a
    blocks = a.astype(np.float32).reshape(-1, 32)
    amax = np.abs(blocks).max(axis=1, keepdims=True)
    d = (amax / np.float32(127)).astype(np.float32)
    with np.errstate(divide="ignore"):
        inv = np.where(d != 0, np.float32(1) / d, np.float32(0)).astype(np.float32)
    v = (blocks * inv).astype(np.float32).astype(np.float64)
    q = np.sign(v) * np.floor(np.abs(v) + 0.5)
    assert np.abs(q).max() <= 127
    d16 = d.astype(np.float16).astype(np.float64)
    return (d16 * q).reshape(a.shape)


def q4_0_dequantized(a):
    """a (..., K) as GGUF's Q4_0 stores it, dequantized (ggml's
    quantize_row_q4_0_ref): per block of 32 along the last axis, max = the
    value of largest magnitude (the first on a tie, sign kept),
    d = max / -8 and id = 1 / d (0 if d is 0) in float32,
    q = min(15, trunc(x * id + 8.5)) with the product and the sum each
    rounded to float32 (C's (int8_t) conversion truncates), d kept as
    float16; the weight is d * (q - 8). With K not a multiple of 32, a is
    returned unchanged (the compiler keeps such matrices in f32)."""
    if a.shape[-1] % 32:
        return a
    blocks = a.astype(np.float32).reshape(-1, 32)
    first = np.argmax(np.abs(blocks), axis=1)  # the first of equal maxima
    mx = blocks[np.arange(blocks.shape[0]), first].reshape(-1, 1)
    d = (mx / np.float32(-8)).astype(np.float32)
    with np.errstate(divide="ignore"):
        inv = np.where(d != 0, np.float32(1) / d, np.float32(0)).astype(np.float32)
    scaled = (blocks * inv).astype(np.float32)
    shifted = (scaled + np.float32(8.5)).astype(np.float32)
    q = np.minimum(np.trunc(shifted), 15)
    assert q.min() >= 0
    d16 = d.astype(np.float16).astype(np.float64)
    return (d16 * (q.astype(np.float64) - 8)).reshape(a.shape)


def rmsnorm(x, w, eps):
    return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps) * w


def rope(x, theta):
    """Rotates pairs (x[..., 2i], x[..., 2i+1]) of x: (seq, heads, head_dim)."""
    seq, _, head_dim = x.shape
    freq = theta ** (-np.arange(0, head_dim, 2) / head_dim)
    angle = np.arange(seq)[:, None, None] * freq[None, None, :]
    cos, sin = np.cos(angle), np.sin(angle)
    even, odd = x[..., 0::2], x[..., 1::2]
    out = np.empty_like(x)
    out[..., 0::2] = even * cos - odd * sin
    out[..., 1::2] = even * sin + odd * cos
    return out


def visible(seq, mask, window):
    """visible[i, j]: whether query i sees key j."""
    i, j = np.arange(seq)[:, None], np.arange(seq)[None, :]
    if mask == "none":
        return np.ones((seq, seq), dtype=bool)
    if mask == "sliding_window":
        return (j <= i) & (j > i - window)
    return j <= i


def q8_0_input(x):
    """x (T, K) as attn.linear's input_quant = q8_0 quantizes it, dequantized:
    rounded to float32, then per block of 32, d = max|x| / 127 and codes
    rint(x / d) (halves to even) in float32, 0 where d = 0."""
    blocks = x.astype(np.float32).reshape(x.shape[0], -1, 32)
    d = np.abs(blocks).max(axis=2, keepdims=True) / np.float32(127)
    with np.errstate(divide="ignore", invalid="ignore"):
        codes = np.where(d == 0, np.float32(0), np.rint(blocks / d))
    assert np.abs(codes).max() <= 127
    return (codes.astype(np.float64) * d.astype(np.float64)).reshape(x.shape)


def linear(m, x, w):
    """x w^T; with m.quantized_inputs, x quantized first (q8_0_input) when w
    is a q8_0 matrix (its rows whole blocks of 32; the others stay f32)."""
    if m.quantized_inputs and w.shape[-1] % 32 == 0:
        x = q8_0_input(x)
    return x @ w.T


def forward(m, tokens, eps=1e-5, theta=10000.0, mask="causal", window=0):
    """Logits (len(tokens), vocab) of every position, in float64."""
    seq, hd = len(tokens), m.head_dim
    group = m.n_heads // m.n_kv_heads
    allowed = visible(seq, mask, window)
    x = m.emb[np.asarray(tokens)]
    for l in range(m.n_layers):
        xn = rmsnorm(x, m.rms_att[l], eps)
        q = rope(linear(m, xn, m.wq[l]).reshape(seq, m.n_heads, hd), theta)
        k = rope(linear(m, xn, m.wk[l]).reshape(seq, m.n_kv_heads, hd), theta)
        v = linear(m, xn, m.wv[l]).reshape(seq, m.n_kv_heads, hd)
        # np.repeat makes KV head j serve query heads j * group ... j * group + group - 1,
        # that is query head h reads KV head h // group.
        q = q.transpose(1, 0, 2)                                  # (heads, seq, head_dim)
        k = np.repeat(k, group, axis=1).transpose(1, 2, 0)        # (heads, head_dim, seq)
        v = np.repeat(v, group, axis=1).transpose(1, 0, 2)        # (heads, seq, head_dim)
        scores = np.where(allowed, q @ k / math.sqrt(hd), -np.inf)  # (heads, query, key)
        p = np.exp(scores - scores.max(axis=2, keepdims=True))
        out = (p / p.sum(axis=2, keepdims=True)) @ v              # (heads, seq, head_dim)
        x = x + linear(m, out.transpose(1, 0, 2).reshape(seq, m.dim), m.wo[l])
        xn = rmsnorm(x, m.rms_ffn[l], eps)
        gate, up = linear(m, xn, m.w1[l]), linear(m, xn, m.w3[l])
        x = x + linear(m, gate / (1 + np.exp(-gate)) * up, m.w2[l])
    return linear(m, rmsnorm(x, m.rms_final, eps), m.wcls)


def greedy(m, prompt, steps, **kw):
    tokens, rows = list(prompt), []
    for _ in range(steps):
        if len(tokens) > m.seq_len:
            sys.exit(f"greedy: more than seq_len = {m.seq_len} positions")
        logits = forward(m, tokens, **kw)
        rows = logits
        tokens.append(int(np.argmax(logits[-1])))
    return tokens, rows


def compare(m, prompt, logits_path, tol, **kw):
    size = os.path.getsize(logits_path)
    if size == 0 or size % (4 * m.vocab_size):
        print(f"FAIL: {logits_path} has {size} bytes, not rows of vocab_size {m.vocab_size} "
              f"float32")
        return 1
    ours = np.fromfile(logits_path, dtype="<f4").astype(np.float64)
    ours = ours.reshape(-1, m.vocab_size)
    rows = ours.shape[0]
    if rows < len(prompt) or rows > m.seq_len:
        print(f"FAIL: {rows} rows of logits, expected between the prompt length "
              f"{len(prompt)} and seq_len {m.seq_len}")
        return 1
    # Teacher forcing: the token at position i + 1 >= len(prompt) is our row i's argmax.
    tokens = list(prompt) + [int(np.argmax(ours[i])) for i in range(len(prompt) - 1, rows - 1)]
    ref = forward(m, tokens, **kw)
    worst = 0.0
    bad = []
    for i in range(rows):
        diff = float(np.max(np.abs(ours[i] - ref[i])))  # nan if ours has a nan
        print(f"row {i:4d} token {tokens[i]:6d}  max |diff| {diff:.3e}")
        if not diff <= tol:
            bad.append(i)
        worst = max(worst, diff) if diff == diff else float("nan")
    print(f"overall max |diff| {worst:.3e} over {rows} rows (tol {tol:g})")
    if bad:
        print(f"FAIL: {len(bad)} rows differ by more than {tol:g}, the first is row {bad[0]}")
        return 1
    return 0


# ----------------------------------------------------------------------------
# Self-test
# ----------------------------------------------------------------------------

def write_checkpoint(path, cfg, tensors, shared):
    """Writes a llama2.c v0 file (own writer; RoPE tables zero)."""
    header = [cfg[f] for f in Checkpoint.FIELDS]
    if not shared:
        header[5] = -header[5]
    with open(path, "wb") as f:
        f.write(struct.pack("<7i", *header))
        for t in tensors[:11]:
            f.write(np.asarray(t, dtype="<f4").tobytes())
        f.write(np.zeros(cfg["seq_len"] * cfg["dim"] // cfg["n_heads"], dtype="<f4").tobytes())
        for t in tensors[11:]:
            f.write(np.asarray(t, dtype="<f4").tobytes())


def hand_case(tmp):
    """1 layer, dim 2, one head, hidden 1, tokens [0, 1], eps 0: every step
    below is worked out by hand from the definitions in the module comment."""
    cfg = dict(dim=2, hidden_dim=1, n_layers=1, n_heads=1, n_kv_heads=1, vocab_size=2, seq_len=2)
    eye = [np.eye(2)]
    tensors = [[[1, 1], [2, -2]], [[1, 1]], eye, eye, eye, eye, [[1, 1]],
               [[[1, 0]]], [[[1], [0]]], [[[0, 1]]], [1, 1]]
    path = os.path.join(tmp, "hand.bin")
    write_checkpoint(path, cfg, tensors, shared=True)
    got = forward(Checkpoint(path), [0, 1], eps=0.0)

    silu = lambda g: g / (1 + math.exp(-g))

    def classify(a, b):  # final rmsnorm, then the tied classifier [[1, 1], [2, -2]]
        r = math.sqrt((a * a + b * b) / 2)
        return [a / r + b / r, 2 * a / r - 2 * b / r]

    # Position 0, token 0: x = [1, 1] is its own rmsnorm; attention sees only
    # itself, so it adds v = [1, 1]: x = [2, 2]; the FFN input is [1, 1], gate 1,
    # up 1, so it adds [silu(1), 0].
    pos0 = classify(2 + silu(1), 2)
    # Position 1, token 1: x = [2, -2], normalized [1, -1] = q = k = v. RoPE at
    # position 1 turns q and k by 1 radian: [cos1 + sin1, sin1 - cos1]. Scores
    # (/ sqrt 2): with key 0 ([1, 1], unrotated) sqrt2 sin1, with itself sqrt2.
    a0 = math.exp(math.sqrt(2) * math.sin(1))
    a1 = math.exp(math.sqrt(2))
    a0, a1 = a0 / (a0 + a1), a1 / (a0 + a1)
    x0, x1 = 2 + a0 + a1, -2 + a0 - a1
    r = math.sqrt((x0 * x0 + x1 * x1) / 2)
    pos1 = classify(x0 + silu(x0 / r) * (x1 / r), x1)
    expected = np.array([pos0, pos1])
    assert np.allclose(got, expected, rtol=0, atol=1e-12), (got, expected)


def property_cases(tmp):
    """GQA: sharing a KV head equals giving every query head its own copy of
    it (catches h % kv_heads instead of h // group). Causality: a position's
    logits do not depend on later tokens. Untied classifier: wcls is read."""
    rng = np.random.default_rng(0)
    cfg = dict(dim=16, hidden_dim=24, n_layers=2, n_heads=4, n_kv_heads=2, vocab_size=11,
               seq_len=8)
    d, h, n, v, kvd = 16, 24, 2, 11, 8
    shapes = [(v, d), (n, d), (n, d, d), (n, kvd, d), (n, kvd, d), (n, d, d), (n, d),
              (n, h, d), (n, d, h), (n, h, d), (d,), (v, d)]
    tensors = [rng.uniform(-0.5, 0.5, s) for s in shapes]
    gqa = os.path.join(tmp, "gqa.bin")
    write_checkpoint(gqa, cfg, tensors, shared=False)
    # Query heads 0, 1 use KV head 0 and 2, 3 use KV head 1: repeat each KV
    # head's rows (head_dim 4) twice.
    mha_tensors = list(tensors)
    for i in (3, 4):
        mha_tensors[i] = np.repeat(tensors[i].reshape(n, 2, 1, 4, d), 2, axis=2).reshape(n, d, d)
    mha = os.path.join(tmp, "mha.bin")
    write_checkpoint(mha, dict(cfg, n_kv_heads=4), mha_tensors, shared=False)
    m = Checkpoint(gqa)
    assert not m.shared and np.array_equal(m.wcls, np.asarray(tensors[11], np.float32))
    tokens = [1, 5, 3, 9, 2, 7]
    full = forward(m, tokens)
    assert np.allclose(full, forward(Checkpoint(mha), tokens), rtol=0, atol=1e-12)
    assert np.allclose(full[:3], forward(m, tokens[:3]), rtol=0, atol=1e-12)
    window = forward(m, tokens, mask="sliding_window", window=2)
    assert np.allclose(window[:2], full[:2], atol=1e-12) and not np.allclose(window, full)


def selftest():
    with tempfile.TemporaryDirectory() as tmp:
        hand_case(tmp)
        property_cases(tmp)
    print("selftest passed")
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("checkpoint", nargs="?")
    ap.add_argument("--prompt-ids", default="1", help="comma-separated token ids (default: BOS)")
    ap.add_argument("--logits", help="float32 logits to compare, one row per position")
    ap.add_argument("--tol", type=float, default=1e-4,
                    help="max abs difference per logit; the default allows float32 "
                         "rounding of O(10) logits accumulated over a few layers (~1e-5) "
                         "but not a wrong mask or rotation (O(0.1) and more)")
    ap.add_argument("--greedy", type=int, metavar="N", help="print the prompt and N greedy ids")
    ap.add_argument("--write-logits", metavar="FILE", help="with --greedy: write its logits")
    ap.add_argument("--eps", type=float, default=1e-5)
    ap.add_argument("--rope-theta", type=float, default=10000.0)
    ap.add_argument("--mask", choices=["causal", "none", "sliding_window"], default="causal")
    ap.add_argument("--window", type=int, default=0)
    ap.add_argument("--selftest", action="store_true")
    ap.add_argument("--round-matrices", choices=["bf16", "f16", "q8_0", "q4_0"],
                    help="round the weight matrices to this type first (a model compiled "
                         "with --weight-type)")
    ap.add_argument("--quantize-inputs", action="store_true",
                    help="with --round-matrices q8_0: quantize the input of each q8_0 "
                         "matrix too (a model compiled with --int8-activations)")
    args = ap.parse_args()
    if args.quantize_inputs and args.round_matrices != "q8_0":
        ap.error("--quantize-inputs needs --round-matrices q8_0")
    if args.selftest:
        return selftest()
    if not args.checkpoint or (args.logits is None) == (args.greedy is None):
        ap.error("give a checkpoint and one of --logits, --greedy (or --selftest)")
    m = Checkpoint(args.checkpoint)
    if args.round_matrices:
        m.round_matrices(args.round_matrices)
    m.quantized_inputs = args.quantize_inputs
    prompt = [int(t) for t in args.prompt_ids.split(",")]
    kw = dict(eps=args.eps, theta=args.rope_theta, mask=args.mask, window=args.window)
    if args.logits:
        return compare(m, prompt, args.logits, args.tol, **kw)
    tokens, rows = greedy(m, prompt, args.greedy, **kw)
    print(" ".join(str(t) for t in tokens))
    if args.write_logits:
        np.asarray(rows, dtype="<f4").tofile(args.write_logits)
    return 0


if __name__ == "__main__":
    sys.exit(main())
