"""A NumPy port of attnc's deterministic random weights (`weights: {format:
random, seed: N}`), so that the reference can run a described model whose
architecture no checkpoint format expresses (post-norm, sinusoidal or no
positions, ReLU / exact GELU MLPs, an output bias alone, no final norm): a
description naming a checkpoint must agree with the checkpoint's own
architecture, so such models only exist with random weights.

The generator is a specification, not the arithmetic under test (the logits
still come from the independent reference): splitmix64 used as a counter-based
generator. For a tensor named NAME, key = mix(seed ^ mix(fnv1a64(NAME))),
element i has k = mix(key + (i + 1) * 0x9e3779b97f4a7c15) >> 40 (24 bits) and
x = (2k - 2^24) / 2^24 in [-1, 1); the stored float is float(x * scale), plus
`center` (rounded again) for norm weights. Scales by role: linear weights
1 / sqrt(in), embeddings 0.5, learned positions 0.1, norm weights 1 + 0.1 x,
biases and LayerNorm shifts 0.05. A tied `output` is tok_embeddings.
checksum() is attnc check's `checksum` line: 64-bit FNV-1a over the 32-bit
words of every tensor in the architecture plan's canonical order, so a test
can tell a port that drifted from attnc apart from a numeric error.
"""
import numpy as np

GAMMA = np.uint64(0x9E3779B97F4A7C15)

# The canonical per-layer order of attnc's architecture plan (the checksum's).
LAYER_ORDER = ("attention_norm", "attention_norm_bias", "wq", "bq", "wk", "bk", "wv", "bv", "wo",
               "bo", "ffn_norm", "ffn_norm_bias", "w1", "b1", "w2", "b2", "w3", "b3")


def _mix(z):
    z = np.asarray(z, dtype=np.uint64)
    with np.errstate(over="ignore"):
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def _fnv1a64(text):
    h = 0xCBF29CE484222325
    for c in text.encode():
        h = ((h ^ c) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def _role_scale(name, shape):
    """(scale, center) of a canonical tensor."""
    short = name.split(".")[-1]
    if short == "tok_embeddings":
        return 0.5, 0.0
    if short == "pos_embeddings":
        return 0.1, 0.0
    if short in ("attention_norm", "ffn_norm", "norm"):
        return 0.1, 1.0
    if short.endswith("_bias") or short in ("bq", "bk", "bv", "bo", "b1", "b2", "b3"):
        return 0.05, 0.0
    return 1.0 / np.sqrt(float(shape[-1])), 0.0  # a linear layer's (out, in) matrix


def tensor(name, shape, seed):
    n = int(np.prod(shape))
    key = _mix(np.uint64(seed) ^ _mix(np.uint64(_fnv1a64(name))))
    with np.errstate(over="ignore"):
        counters = key + (np.arange(1, n + 1, dtype=np.uint64) * GAMMA)
    k = (_mix(counters) >> np.uint64(40)).astype(np.int64)
    x = (2 * k - (1 << 24)).astype(np.float64) * 2.0 ** -24
    scale, center = _role_scale(name, shape)
    out = (x * scale).astype(np.float32)
    if center:
        out = (center + out.astype(np.float64)).astype(np.float32)
    return out.reshape(shape)


def random_tensors(shapes, seed, tied):
    """Canonical name -> float32 array for `shapes` (transformer_ref.tensor_shapes)."""
    return {name: tensor(name, shape, seed) for name, shape in shapes.items()
            if not (tied and name == "output")}


def canonical_order(config, names):
    layers = config["layers"]
    order = [n for n in ("tok_embeddings", "pos_embeddings") if n in names]
    for l in range(layers):
        order += [f"layers.{l}.{k}" for k in LAYER_ORDER if f"layers.{l}.{k}" in names]
    order += [n for n in ("norm", "norm_bias", "output") if n in names]
    return order


def checksum(config, tensors):
    """attnc check's checksum of these tensors (a tied output is not repeated)."""
    h = 0xCBF29CE484222325
    for name in canonical_order(config, tensors):
        for w in np.asarray(tensors[name], dtype="<f4").reshape(-1).view("<u4").tolist():
            h = ((h ^ w) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h
