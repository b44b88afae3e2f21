"""Checks a checkpoint of random weights saved by attnc against
RandomWeights.h's promises: each tensor uniform within its bound (and
filling it, and centred), norm weights within 1 +- 0.1, and RoPE tables as
llama2.c's export.py writes them. Usage: inspect_checkpoint.py REFDIR CKPT."""
import math
import sys

import numpy as np

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, sys.argv[1])
from llama_ref import Checkpoint  # noqa: E402

m = Checkpoint(sys.argv[2])


def uniform(name, values, bound, label, center=0.0):
    x = np.asarray(values) - center
    # 24 random bits: values are k / 2^23 - 1 scaled, so the bound itself is
    # reached from below only; with thousands of samples the extremes come
    # within 1% of it and the mean within a few percent of the centre.
    assert np.all(np.abs(x) <= bound * (1 + 1e-6)), (name, np.abs(x).max(), bound)
    assert np.abs(x).max() > 0.99 * bound, (name, np.abs(x).max(), bound)
    assert abs(x.mean()) < 0.05 * bound, (name, x.mean())
    print(f"{name}: within {label}")


uniform("emb", m.emb, 0.5, "+-0.5")
uniform("wq", m.wq, 1 / math.sqrt(m.dim), f"+-1/sqrt({m.dim})")
uniform("w2", m.w2, 1 / math.sqrt(m.hidden_dim), f"+-1/sqrt({m.hidden_dim})")
uniform("wcls", m.wcls, 1 / math.sqrt(m.dim), f"+-1/sqrt({m.dim})")
norms = np.concatenate([m.rms_att.ravel(), m.rms_ffn.ravel(), m.rms_final])
uniform("norms", norms, 0.1, "1 +- 0.1", center=1.0)
# Tensors drawn from different streams are not copies of each other.
assert not np.allclose(m.wq[0].ravel()[:100], m.wq[1].ravel()[:100])

half = m.head_dim // 2
angle = np.arange(m.seq_len)[:, None] * 10000.0 ** (-2 * np.arange(half)[None, :] / m.head_dim)
tables = m.rope_tables.reshape(2, m.seq_len, half)
assert np.allclose(tables[0], np.cos(angle), atol=1e-6) and np.allclose(tables[1], np.sin(angle), atol=1e-6)
print(f"rope tables: cos and sin of pos * 10000^(-2i/{m.head_dim})")
print("ok")
