"""NumPy reference for new-ops.mlir: `gen IN.bin` writes the inputs that
new-ops-driver.c reads; `check IN.bin OUT.bin` recomputes every result from
the formulas of the architecture spec (not from attnc's lowering) and
compares. The references are computed in float64 from the float32 inputs,
except where the spec says to round like a float32 implementation: the
position angle (float32 position times the float32 inverse frequency
1 / base^(2i / D), as torch builds its RoPE and sinusoidal tables).
Prints the largest error of each result and exits 1 when one is out of
tolerance."""
import math
import sys

import numpy as np

D, S, H, HD = 16, 512, 2, 8
CALLS = [(64, 7), (1, 500)]  # (tokens, position): prefill, decode


def inputs(rng, t):
    # x sweeps [-10, 10] (erf and tanh through their whole range, both signs,
    # saturation), shuffled so that every row spreads over the range (a row of
    # nearly equal values would make layer_norm's float32 input itself the
    # error: its mean's rounding over a tiny deviation); decode takes a random
    # row.
    if t > 1:
        x = rng.permutation(np.linspace(-10.0, 10.0, t * D)).reshape(t, D)
    else:
        x = rng.normal(0, 3.0, (t, D))
    w = rng.normal(1.0, 0.5, D)
    b = rng.normal(0.0, 0.5, D)
    table = rng.normal(0.0, 1.0, (S, D))
    q = rng.normal(0.0, 1.0, (t, H, HD))
    return [a.astype(np.float32) for a in (x, w, b, table, q)]


def angles(pos, t, width, base):
    # float32 throughout, as the reference implementations compute the table.
    inv = (np.float32(1.0) / (np.float32(base) ** (np.arange(0, width, 2, dtype=np.float32)
                                                   / np.float32(width)))).astype(np.float32)
    p = np.arange(pos, pos + t, dtype=np.float32)
    return (p[:, None] * inv[None, :]).astype(np.float32).astype(np.float64)  # (t, width / 2)


def reference(x, w, b, table, q, pos):
    x, w, b, table, q = (a.astype(np.float64) for a in (x, w, b, table, q))
    t = x.shape[0]
    mean = x.mean(axis=1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=1, keepdims=True)
    ln = (x - mean) / np.sqrt(var + 1e-5) * w + b
    erf = np.vectorize(math.erf)
    gelu = 0.5 * x * (1 + erf(x / math.sqrt(2)))
    gelu_tanh = 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))
    relu = np.maximum(x, 0)
    bias = x + b
    learned = x + table[pos:pos + t]
    a = angles(pos, t, D, 10000.0)
    pe = np.empty_like(x)
    pe[:, 0::2], pe[:, 1::2] = np.sin(a), np.cos(a)
    sinusoidal = x + pe
    ra = angles(pos, t, HD, 10000.0)[:, None, :]  # (t, 1, HD / 2)
    cos, sin = np.cos(ra), np.sin(ra)
    adj = np.empty_like(q)
    v0, v1 = q[..., 0::2], q[..., 1::2]
    adj[..., 0::2], adj[..., 1::2] = v0 * cos - v1 * sin, v0 * sin + v1 * cos
    hal = np.empty_like(q)
    v0, v1 = q[..., :HD // 2], q[..., HD // 2:]
    hal[..., :HD // 2], hal[..., HD // 2:] = v0 * cos - v1 * sin, v0 * sin + v1 * cos
    # The float32 angle is itself rounded (to half an ulp of its size, and the
    # implementation's powf/sin/cos may land an ulp away from NumPy's): allow
    # two ulps of the angle, times the size of what it multiplies.
    ulp = 2.0 ** -23
    pe_slack = np.repeat(2 * ulp * np.abs(a), 2, axis=1)
    rope_mag = np.abs(q[..., 0::2]) + np.abs(q[..., 1::2])
    adj_slack = np.repeat(2 * ulp * np.abs(ra) * rope_mag, 2, axis=2)
    hal_mag = np.abs(q[..., :HD // 2]) + np.abs(q[..., HD // 2:])
    hal_slack = np.tile(2 * ulp * np.abs(ra) * hal_mag, (1, 1, 2))
    return [("layer_norm", ln, 0), ("gelu", gelu, 0), ("gelu_tanh", gelu_tanh, 0),
            ("relu", relu, 0), ("bias_add", bias, 0), ("learned_positions", learned, 0),
            ("sinusoidal_positions", sinusoidal, pe_slack), ("rope_adjacent", adj, adj_slack),
            ("rope_halves", hal, hal_slack)]


def main():
    mode, inpath = sys.argv[1], sys.argv[2]
    if mode == "gen":
        rng = np.random.default_rng(6)
        with open(inpath, "wb") as f:
            for t, _ in CALLS:
                for a in inputs(rng, t):
                    f.write(a.tobytes())
        return 0
    data = np.fromfile(inpath, dtype=np.float32)
    out = np.fromfile(sys.argv[3], dtype=np.float32)
    failed = False
    for t, pos in CALLS:
        arrays = []
        for shape in [(t, D), (D,), (D,), (S, D), (t, H, HD)]:
            n = int(np.prod(shape))
            arrays.append(data[:n].reshape(shape))
            data = data[n:]
        for name, ref, slack in reference(*arrays, pos):
            got = out[:ref.size].reshape(ref.shape).astype(np.float64)
            out = out[ref.size:]
            rtol, atol = TOLERANCES[name]
            err = np.abs(got - ref)
            bad = err > atol + rtol * np.abs(ref) + slack
            # relative error where the value is not tiny, absolute otherwise
            rel = (err / np.maximum(np.abs(ref), 1e-30))[np.abs(ref) > 1e-3]
            print("T=%d pos=%d %-21s max abs %.3g max rel %.3g %s" %
                  (t, pos, name, err.max(), rel.max() if rel.size else 0.0,
                   "FAIL" if bad.any() else "ok"))
            failed |= bool(bad.any())
    assert out.size == 0 and data.size == 0, "sizes do not match the driver"
    return 1 if failed else 0


# (rtol, atol) per result; see the test for why each is that size.
TOLERANCES = {
    "layer_norm": (1e-5, 1e-6),
    "gelu": (1e-5, 1e-6),
    "gelu_tanh": (1e-5, 1e-6),
    "relu": (0.0, 0.0),
    "bias_add": (1e-7, 0.0),
    "learned_positions": (1e-7, 0.0),
    "sinusoidal_positions": (1e-5, 1e-6),
    "rope_adjacent": (1e-5, 1e-6),
    "rope_halves": (1e-5, 1e-6),
}

if __name__ == "__main__":
    sys.exit(main())
