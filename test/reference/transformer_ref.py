#!/usr/bin/python3
"""Independent float32 PyTorch reference for every architecture option of attnc.

Written from the semantics in the issue-6 brief (the description keys and
canonical tensor names) and from the papers, sharing no code with attnc:
"Attention Is All You Need" (post-norm, sinusoidal positions, ReLU MLP),
GPT-2 (pre-norm LayerNorm, learned positions, tanh GELU, biases, tied
classifier), Llama (RMSNorm, RoPE, SwiGLU, GQA / MQA), Mistral (sliding-window
causal mask), GPT-NeoX / Hugging Face (RoPE on rotate-half pairs). Run it with
Debian's /usr/bin/python3 (python3-torch, python3-numpy).

Use from Python:
    model = Transformer(config, tensors)   # config: description keys (dict),
                                           # tensors: canonical name -> float32
    rows = model.forward([ids...])         # (T, vocab) float32 logits of the
                                           # T new positions; keeps a KV cache
    tokens, logits = generate(config, tensors, prompt, steps, forced=None)
A forward call appends to the model's own KV cache, so the prompt is run in
one call and each decode step in another, as attnc's executable does; this
checks attnc's cache handling as well as the arithmetic.

Float32 throughout (torch's CPU kernels). The position tables are computed as
llama2.c's run.c computes RoPE, so that the comparison with attnc stays tight:
for pair i, freq = 1 / powf(theta, 2i / HD) in float32 (2i and HD converted to
float, the quotient rounded to float), angle = float(pos) * freq rounded to
float32, and cos / sin of that float32 angle evaluated in double and rounded
to float32 (what a correctly rounded cosf / sinf returns). The sinusoidal table
uses the same recipe with theta = 10000 and D in place of HD: PE[p, 2i] =
sin(p * freq_i), PE[p, 2i + 1] = cos(p * freq_i), freq_i = 1 / 10000^(2i / D).

Command line:
    transformer_ref.py --selftest [--models DIR]
        stories260K.bin (llama2.c v0, read by llama2c_writer.py) greedy from
        BOS must give expected/stories260K_greedy_ids_n200.txt, and
        stories260K-q8.bin must read back within half a quantization step of
        it; a random tiny-gqa-shaped model must agree with llama_ref.py within
        1e-5 (tied and untied); the original Transformer and GPT-2 blocks must
        agree with torch's nn.TransformerEncoderLayer; and property checks:
        the KV cache (prompt then one token at a time = one call), halves RoPE
        = adjacent RoPE on permuted rows, GQA/MQA = MHA with repeated KV
        heads, the sinusoidal table, layer norm and the activations against
        torch's, and what each mask lets a position see.
    transformer_ref.py --llama2c CKPT --greedy N [--prompt-ids 1]
        prints the prompt and N greedy ids of a llama2.c v0/v1/v2 checkpoint.
"""
import argparse
import math
import os
import sys

import numpy as np
import torch

sys.dont_write_bytecode = True  # no __pycache__ in the source tree

torch.set_num_threads(1)


# ----------------------------------------------------------------------------
# The configuration
# ----------------------------------------------------------------------------

def normalize(config):
    """The description dict with every default of the description format filled in."""
    c = dict(config)
    att = dict(c.get("attention", {}))
    att.setdefault("kv_heads", att["heads"])
    att.setdefault("mask", "causal")
    att.setdefault("window", 0)
    att.setdefault("position", "rope")
    att.setdefault("rope_theta", 10000.0)
    att.setdefault("rope_pairs", "adjacent")
    att.setdefault("qkv_bias", False)
    att.setdefault("out_bias", False)
    norm = dict(c.get("norm", {}))
    norm.setdefault("kind", "rms")
    norm.setdefault("eps", 1e-5)
    norm.setdefault("placement", "pre")
    norm.setdefault("final", norm["placement"] == "pre")
    mlp = dict(c.get("mlp", {}))
    mlp.setdefault("activation", "swiglu")
    mlp.setdefault("bias", False)
    c["attention"], c["norm"], c["mlp"] = att, norm, mlp
    c.setdefault("tie_embeddings", True)
    for key, allowed in (("mask", ("causal", "none", "sliding_window")),
                         ("position", ("rope", "learned", "sinusoidal", "none")),
                         ("rope_pairs", ("adjacent", "halves"))):
        if att[key] not in allowed:
            raise ValueError(f"attention.{key}: {att[key]!r}")
    if norm["kind"] not in ("rms", "layer") or norm["placement"] not in ("pre", "post"):
        raise ValueError(f"norm: {norm}")
    if mlp["activation"] not in ("swiglu", "gelu", "gelu_tanh", "relu"):
        raise ValueError(f"mlp.activation: {mlp['activation']!r}")
    if att["mask"] == "sliding_window" and att["window"] < 1:
        raise ValueError("sliding_window needs window >= 1")
    return c


def tensor_shapes(config):
    """Canonical tensor name -> shape, every tensor the configuration has."""
    c = normalize(config)
    att, norm, mlp = c["attention"], c["norm"], c["mlp"]
    v, d, s, f = c["vocab_size"], c["dim"], c["context_length"], mlp["hidden"]
    h, kvh = att["heads"], att["kv_heads"]
    hd = d // h
    shapes = {"tok_embeddings": (v, d)}
    if att["position"] == "learned":
        shapes["pos_embeddings"] = (s, d)
    layer_norm = norm["kind"] == "layer"
    for l in range(c["layers"]):
        p = f"layers.{l}."
        shapes[p + "attention_norm"] = (d,)
        if layer_norm:
            shapes[p + "attention_norm_bias"] = (d,)
        shapes[p + "wq"] = (h * hd, d)
        shapes[p + "wk"] = (kvh * hd, d)
        shapes[p + "wv"] = (kvh * hd, d)
        shapes[p + "wo"] = (d, h * hd)
        if att["qkv_bias"]:
            shapes[p + "bq"], shapes[p + "bk"], shapes[p + "bv"] = (h * hd,), (kvh * hd,), (kvh * hd,)
        if att["out_bias"]:
            shapes[p + "bo"] = (d,)
        shapes[p + "ffn_norm"] = (d,)
        if layer_norm:
            shapes[p + "ffn_norm_bias"] = (d,)
        shapes[p + "w1"] = (f, d)
        if mlp["activation"] == "swiglu":
            shapes[p + "w3"] = (f, d)
        shapes[p + "w2"] = (d, f)
        if mlp["bias"]:
            shapes[p + "b1"] = (f,)
            if mlp["activation"] == "swiglu":
                shapes[p + "b3"] = (f,)
            shapes[p + "b2"] = (d,)
    if norm["final"]:
        shapes["norm"] = (d,)
        if layer_norm:
            shapes["norm_bias"] = (d,)
    if not c["tie_embeddings"]:
        shapes["output"] = (v, d)
    return shapes


# ----------------------------------------------------------------------------
# Position tables (float32, llama2.c's recipe; see the module comment)
# ----------------------------------------------------------------------------

def _freqs(theta, width, count):
    """freq_i = 1 / powf(theta, float(2i) / float(width)) for i < count, float32."""
    exponent = (np.arange(count, dtype=np.float32) * np.float32(2)) / np.float32(width)
    return np.float32(1) / np.power(np.float32(theta), exponent, dtype=np.float32)


def _angles(positions, freqs):
    """float32(pos) * freq rounded to float32: (len(positions), len(freqs))."""
    return np.asarray(positions, dtype=np.float32)[:, None] * freqs[None, :]


def _cos_sin(angle):
    a = angle.astype(np.float64)
    return np.cos(a).astype(np.float32), np.sin(a).astype(np.float32)


def rope_tables(positions, head_dim, theta):
    """cos, sin: (len(positions), head_dim / 2) for the pairs i of a head."""
    return _cos_sin(_angles(positions, _freqs(theta, head_dim, head_dim // 2)))


def sinusoidal_table(positions, dim):
    """PE (len(positions), dim): sin at even columns 2i, cos at odd 2i + 1."""
    cos, sin = _cos_sin(_angles(positions, _freqs(10000.0, dim, dim // 2)))
    pe = np.empty((len(positions), dim), dtype=np.float32)
    pe[:, 0::2], pe[:, 1::2] = sin, cos
    return pe


def apply_rope(x, cos, sin, pairs):
    """x: (T, heads, HD); cos, sin: (T, HD/2). Rotates each pair (a, b) by its
    angle: (a cos - b sin, a sin + b cos)."""
    half = x.shape[-1] // 2
    cos, sin = cos[:, None, :], sin[:, None, :]
    if pairs == "adjacent":
        a, b = x[..., 0::2], x[..., 1::2]
    else:
        a, b = x[..., :half], x[..., half:]
    ra, rb = a * cos - b * sin, a * sin + b * cos
    out = torch.empty_like(x)
    if pairs == "adjacent":
        out[..., 0::2], out[..., 1::2] = ra, rb
    else:
        out[..., :half], out[..., half:] = ra, rb
    return out


# ----------------------------------------------------------------------------
# The model
# ----------------------------------------------------------------------------

class Transformer:
    """One model with its own KV cache; forward() runs the next positions."""

    def __init__(self, config, tensors):
        self.c = normalize(config)
        shapes = tensor_shapes(self.c)
        missing = sorted(set(shapes) - set(tensors))
        extra = sorted(set(tensors) - set(shapes))
        if missing or extra:
            raise ValueError(f"tensors: missing {missing}, unexpected {extra}")
        self.w = {}
        for name, shape in shapes.items():
            arr = np.asarray(tensors[name], dtype=np.float32)
            if arr.shape != tuple(shape):
                raise ValueError(f"{name}: shape {arr.shape}, expected {shape}")
            self.w[name] = torch.from_numpy(np.ascontiguousarray(arr))
        att = self.c["attention"]
        self.heads, self.kv_heads = att["heads"], att["kv_heads"]
        self.head_dim = self.c["dim"] // self.heads
        s, kvd = self.c["context_length"], self.kv_heads
        self.k_cache = torch.zeros(self.c["layers"], kvd, s, self.head_dim)
        self.v_cache = torch.zeros(self.c["layers"], kvd, s, self.head_dim)
        self.pos = 0  # positions already in the cache
        # When a dict, attention() stores each (layer, head)'s weights in it:
        # (queries, keys) float32 arrays.
        self.probs = None

    # --- pieces ---------------------------------------------------------------

    def norm(self, x, prefix):
        n = self.c["norm"]
        w, eps = self.w[prefix], n["eps"]
        if n["kind"] == "rms":
            return x / torch.sqrt(torch.mean(x * x, dim=-1, keepdim=True) + eps) * w
        mean = torch.mean(x, dim=-1, keepdim=True)
        var = torch.mean((x - mean) ** 2, dim=-1, keepdim=True)  # biased variance
        return (x - mean) / torch.sqrt(var + eps) * w + self.w[prefix + "_bias"]

    def linear(self, x, weight, bias=None):
        y = x @ self.w[weight].T
        return y + self.w[bias] if bias is not None else y

    def attention(self, h, l, positions):
        att = self.c["attention"]
        p = f"layers.{l}."
        t, hd = h.shape[0], self.head_dim
        qkv_bias = att["qkv_bias"]
        q = self.linear(h, p + "wq", p + "bq" if qkv_bias else None).reshape(t, self.heads, hd)
        k = self.linear(h, p + "wk", p + "bk" if qkv_bias else None).reshape(t, self.kv_heads, hd)
        v = self.linear(h, p + "wv", p + "bv" if qkv_bias else None).reshape(t, self.kv_heads, hd)
        if att["position"] == "rope":
            cos, sin = (torch.from_numpy(a) for a in rope_tables(positions, hd, att["rope_theta"]))
            q = apply_rope(q, cos, sin, att["rope_pairs"])
            k = apply_rope(k, cos, sin, att["rope_pairs"])
        start, end = positions[0], positions[-1] + 1
        self.k_cache[l, :, start:end] = k.transpose(0, 1)
        self.v_cache[l, :, start:end] = v.transpose(0, 1)
        keys, values = self.k_cache[l, :, :end], self.v_cache[l, :, :end]  # (KVH, end, HD)
        # visible[i, n]: query at absolute position i sees cached key n.
        i = torch.tensor(positions)[:, None]
        n = torch.arange(end)[None, :]
        if att["mask"] == "causal":
            visible = n <= i
        elif att["mask"] == "none":
            visible = torch.ones(t, end, dtype=torch.bool)
        else:
            visible = (n <= i) & (n > i - att["window"])
        group = self.heads // self.kv_heads
        out = torch.empty(t, self.heads, hd)
        scale = 1.0 / math.sqrt(hd)
        for head in range(self.heads):
            kv = head // group  # query head h reads KV head h // (H / KVH)
            scores = (q[:, head, :] @ keys[kv].T) * scale
            scores = scores.masked_fill(~visible, float("-inf"))
            probs = torch.softmax(scores, dim=-1)
            if self.probs is not None:
                self.probs[(l, head)] = probs.numpy().copy()
            out[:, head, :] = probs @ values[kv]
        return self.linear(out.reshape(t, self.heads * hd), p + "wo",
                           p + "bo" if att["out_bias"] else None)

    def mlp(self, h, l):
        m = self.c["mlp"]
        p = f"layers.{l}."
        bias = m["bias"]
        a = self.linear(h, p + "w1", p + "b1" if bias else None)
        act = m["activation"]
        if act == "swiglu":
            a = a * torch.sigmoid(a) * self.linear(h, p + "w3", p + "b3" if bias else None)
        elif act == "gelu":
            a = 0.5 * a * (1.0 + torch.erf(a / math.sqrt(2.0)))
        elif act == "gelu_tanh":
            a = 0.5 * a * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (a + 0.044715 * a ** 3)))
        else:
            a = torch.clamp(a, min=0.0)
        return self.linear(a, p + "w2", p + "b2" if bias else None)

    # --- the forward pass -----------------------------------------------------

    def forward(self, tokens):
        """Logits (len(tokens), vocab) float32 of the next len(tokens) positions."""
        c = self.c
        t = len(tokens)
        if t < 1 or self.pos + t > c["context_length"]:
            raise ValueError(f"positions {self.pos}..{self.pos + t - 1} outside the context "
                             f"of {c['context_length']}")
        if min(tokens) < 0 or max(tokens) >= c["vocab_size"]:
            raise ValueError(f"token ids {tokens} outside the vocabulary")
        positions = list(range(self.pos, self.pos + t))
        x = self.w["tok_embeddings"][torch.tensor(tokens)]
        position = c["attention"]["position"]
        if position == "learned":
            x = x + self.w["pos_embeddings"][torch.tensor(positions)]
        elif position == "sinusoidal":
            x = x + torch.from_numpy(sinusoidal_table(positions, c["dim"]))
        pre = c["norm"]["placement"] == "pre"
        for l in range(c["layers"]):
            p = f"layers.{l}."
            if pre:
                x = x + self.attention(self.norm(x, p + "attention_norm"), l, positions)
                x = x + self.mlp(self.norm(x, p + "ffn_norm"), l)
            else:
                x = self.norm(x + self.attention(x, l, positions), p + "attention_norm")
                x = self.norm(x + self.mlp(x, l), p + "ffn_norm")
        if c["norm"]["final"]:
            x = self.norm(x, "norm")
        out = self.w["tok_embeddings"] if c["tie_embeddings"] else self.w["output"]
        self.pos += t
        return (x @ out.T).numpy().astype(np.float32)


def generate(config, tensors, prompt, steps, forced=None):
    """Runs the prompt in one call, then `steps` decode steps one token each.
    The token fed at each decode step is the argmax of the previous row, or
    forced[i] when `forced` is given (teacher forcing with another program's
    choices). Returns (prompt + the `steps` fed tokens, logits rows of every
    computed position: len(prompt) + steps rows)."""
    model = Transformer(config, tensors)
    rows = [model.forward(list(prompt))]
    tokens = list(prompt)
    for i in range(steps):
        nxt = int(np.argmax(rows[-1][-1])) if forced is None else int(forced[i])
        tokens.append(nxt)
        rows.append(model.forward([nxt]))
    return tokens, np.concatenate(rows, axis=0)


# ----------------------------------------------------------------------------
# llama2.c checkpoints (own reader; the writer is llama2c_writer.py)
# ----------------------------------------------------------------------------

def read_llama2c(path):
    """(config, canonical float32 tensors) of a llama2.c v0, v1 or v2 file
    (v2 dequantized: q * scale per group, as runq.c does)."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import llama2c_writer
    return llama2c_writer.read(path)


# ----------------------------------------------------------------------------
# Self-test
# ----------------------------------------------------------------------------

def _random_tensors(config, seed):
    rng = np.random.default_rng(seed)
    out = {}
    for name, shape in tensor_shapes(config).items():
        if len(shape) == 1:
            base = 1.0 if name.endswith("norm") else 0.0
            out[name] = (base + 0.1 * rng.standard_normal(shape)).astype(np.float32)
        else:
            out[name] = (rng.standard_normal(shape) / math.sqrt(shape[1])).astype(np.float32)
    if "tok_embeddings" in out:
        out["tok_embeddings"] *= 4.0
    return out


def _check(cond, what):
    if not cond:
        raise AssertionError(what)
    print(f"ok: {what}")


def selftest(models_dir):
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, here)
    import llama_ref
    import llama2c_writer
    import tempfile

    # 1. stories260K greedy from BOS reproduces llama2.c's 200 ids.
    ckpt = os.path.join(models_dir, "stories260K.bin")
    expected_path = os.path.join(models_dir, "expected", "stories260K_greedy_ids_n200.txt")
    if os.path.isfile(ckpt) and os.path.isfile(expected_path):
        cfg, tensors = llama2c_writer.read(ckpt)
        expected = [int(t) for t in open(expected_path).read().split()]
        tokens, _ = generate(cfg, tensors, [1], 200)
        _check(tokens == expected, "stories260K greedy from BOS = llama2.c's 200 ids")
        # llama2.c's own int8 export of the same weights, read back (v2 reader,
        # dequantized): every weight within half a step (scale / 2) of the
        # float32 one, norms exact.
        q8 = os.path.join(models_dir, "stories260K-q8.bin")
        if os.path.isfile(q8):
            cfg8, t8 = llama2c_writer.read(q8)
            worst = 0.0
            for name, w in tensors.items():
                if name.endswith("norm"):
                    assert np.array_equal(w, t8[name]), name
                    continue
                groups = w.reshape(-1, 8)
                step = np.max(np.abs(groups), axis=1, keepdims=True) / 127
                err = np.abs(t8[name].reshape(-1, 8) - groups)
                assert np.all(err <= step / 2 * (1 + 1e-5) + 1e-12), name
                worst = max(worst, float(err.max()))
            _check(cfg8 == cfg, f"stories260K-q8.bin reads as stories260K.bin within half a "
                                f"quantization step (max |diff| {worst:.2e})")
    else:
        print(f"skipped: {ckpt} not found")

    with tempfile.TemporaryDirectory() as tmp:
        # 2. A tiny-gqa-shaped random model agrees with llama_ref.py (float64,
        #    whole sequence, no cache) within 1e-5, untied and tied.
        for tied in (False, True):
            cfg = {"vocab_size": 320, "context_length": 128, "dim": 96, "layers": 3,
                   "attention": {"heads": 8, "kv_heads": 2}, "mlp": {"hidden": 256},
                   "tie_embeddings": tied}
            w = _random_tensors(cfg, 7)
            path = os.path.join(tmp, "gqa.bin")
            llama2c_writer.write(path, cfg, w, version=0)
            prompt = [1, 5, 9, 200, 31, 77, 4, 150, 3]
            tokens, ours = generate(cfg, w, prompt, 10)
            ref = llama_ref.forward(llama_ref.Checkpoint(path), tokens)
            err = float(np.max(np.abs(ours - ref)))
            _check(err <= 1e-5, f"tiny-gqa (tied={tied}) vs llama_ref.py: max |diff| {err:.2e}")

    base = {"vocab_size": 40, "context_length": 24, "dim": 32, "layers": 2,
            "attention": {"heads": 4, "kv_heads": 4}, "mlp": {"hidden": 48}}

    def variant(**kw):
        c = normalize(base)
        for section, values in kw.items():
            if isinstance(values, dict):
                c[section] = dict(c[section], **values)
            else:
                c[section] = values
        return normalize(c)

    def run(cfg, w, tokens, split):
        """Logits of `tokens`, the first `split` in one call then one at a time."""
        m = Transformer(cfg, w)
        rows = [m.forward(tokens[:split])] + [m.forward([t]) for t in tokens[split:]]
        return np.concatenate(rows)

    tokens = [3, 17, 5, 30, 8, 11, 2, 25, 19, 7, 33, 1]

    # 3. The KV cache: the prompt in one call, then one token at a time, gives
    #    the logits of the whole sequence in one call (every mask but none,
    #    whose earlier positions see later keys only when run together).
    for kw in ({}, {"attention": {"mask": "sliding_window", "window": 3}},
               {"attention": {"position": "learned"}, "norm": {"kind": "layer"}},
               {"attention": {"position": "sinusoidal"}, "norm": {"placement": "post"}}):
        cfg = variant(**kw)
        w = _random_tensors(cfg, 1)
        err = float(np.max(np.abs(run(cfg, w, tokens, 4) - run(cfg, w, tokens, 12))))
        _check(err < 1e-5, f"KV cache consistent for {kw}: {err:.1e}")

    # 4. Halves pairs equal adjacent pairs after permuting wq / wk rows per head
    #    (how HF's convert script turns Meta's layout into rotate-half).
    cfg = variant(attention={"kv_heads": 2})
    w = _random_tensors(cfg, 2)
    hd = cfg["dim"] // 4
    perm = np.concatenate([np.arange(0, hd, 2), np.arange(1, hd, 2)])
    wh = dict(w)
    for l in range(cfg["layers"]):
        for name, heads in (("wq", 4), ("wk", 2)):
            m = w[f"layers.{l}.{name}"].reshape(heads, hd, -1)
            wh[f"layers.{l}.{name}"] = m[:, perm, :].reshape(heads * hd, -1)
    err = float(np.max(np.abs(run(cfg, w, tokens, 5)
                              - run(variant(attention={"kv_heads": 2, "rope_pairs": "halves"}),
                                    wh, tokens, 5))))
    _check(err < 1e-5, f"halves RoPE = adjacent RoPE with permuted rows: {err:.1e}")
    _check(float(np.max(np.abs(run(cfg, w, tokens, 5) - run(
        variant(attention={"kv_heads": 2, "rope_pairs": "halves"}), w, tokens, 5)))) > 1e-2,
        "halves and adjacent differ on the same weights")

    # 5. MQA / GQA: a shared KV head equals its copies in an MHA model.
    for kvh in (1, 2):
        cfg = variant(attention={"kv_heads": kvh})
        w = _random_tensors(cfg, 3)
        wm = dict(w)
        for l in range(cfg["layers"]):
            for name in ("wk", "wv"):
                m = w[f"layers.{l}.{name}"].reshape(kvh, 1, hd, -1)
                wm[f"layers.{l}.{name}"] = np.repeat(m, 4 // kvh, axis=1).reshape(4 * hd, -1)
        err = float(np.max(np.abs(run(cfg, w, tokens, 6) - run(variant(), wm, tokens, 6))))
        _check(err < 1e-5, f"kv_heads {kvh} = MHA with repeated KV heads: {err:.1e}")

    # 6. Sinusoidal table against the float64 formula; RoPE table against it too.
    pe = sinusoidal_table(list(range(24)), 32)
    p, i2 = np.arange(24)[:, None], np.arange(0, 32, 2)[None, :]
    exact = np.empty((24, 32))
    exact[:, 0::2], exact[:, 1::2] = np.sin(p / 10000 ** (i2 / 32)), np.cos(p / 10000 ** (i2 / 32))
    _check(np.max(np.abs(pe - exact)) < 1e-5, "sinusoidal table = float64 formula within 1e-5")

    # 7. Norms and activations against torch's own modules, one layer, by hand.
    x = torch.from_numpy(np.random.default_rng(4).standard_normal((5, 32)).astype(np.float32))
    m = Transformer(variant(norm={"kind": "layer"}),
                    _random_tensors(variant(norm={"kind": "layer"}), 5))
    ln = torch.nn.functional.layer_norm(x, (32,), m.w["norm"], m.w["norm_bias"], 1e-5)
    _check(float(torch.max(torch.abs(m.norm(x, "norm") - ln))) < 1e-5, "layer norm = torch's")
    for act, fn in (("gelu", lambda a: torch.nn.functional.gelu(a)),
                    ("gelu_tanh", lambda a: torch.nn.functional.gelu(a, approximate="tanh")),
                    ("relu", torch.relu)):
        cfg = variant(mlp={"activation": act, "bias": True})
        m = Transformer(cfg, _random_tensors(cfg, 6))
        ref = fn(x @ m.w["layers.0.w1"].T + m.w["layers.0.b1"]) @ m.w["layers.0.w2"].T \
            + m.w["layers.0.b2"]
        _check(float(torch.max(torch.abs(m.mlp(x, 0) - ref))) < 1e-5, f"{act} MLP = torch's")

    # 8. Masks: causal rows do not depend on later tokens; none rows do; a
    #    sliding window of W makes position i blind to tokens before i - W + 1.
    cfg = variant(attention={"mask": "none"})
    w = _random_tensors(cfg, 8)
    a, b = run(cfg, w, tokens, 12), run(cfg, w, tokens[:11] + [4], 12)
    _check(np.max(np.abs(a[0] - b[0])) > 1e-3, "mask none: position 0 sees the last token")
    cfg = variant(attention={"mask": "sliding_window", "window": 3})
    w = _random_tensors(cfg, 9)
    a, b = run(cfg, w, tokens, 1), run(cfg, w, [0] + tokens[1:], 1)
    # Layer 2 sees layer 1's window: position i depends on tokens > i - 2 * (W - 1).
    _check(np.max(np.abs(a[5:] - b[5:])) < 1e-6 and np.max(np.abs(a[:3] - b[:3])) > 1e-3,
           "sliding window 3: token 0 reaches positions < 5 only (2 layers)")
    # 9. Whole models against torch's own nn.TransformerEncoderLayer (another
    #    implementation of the same blocks): the original Transformer (post-
    #    norm, ReLU, sinusoidal, bidirectional) and GPT-2 (pre-norm, tanh GELU,
    #    learned positions, causal, final LayerNorm, tied), all biases.
    gpt2_act = lambda a: torch.nn.functional.gelu(a, approximate="tanh")  # noqa: E731
    for kw, act, first in (
            (dict(attention={"position": "sinusoidal", "mask": "none", "qkv_bias": True,
                             "out_bias": True},
                  norm={"kind": "layer", "placement": "post"},
                  mlp={"activation": "relu", "bias": True}, tie_embeddings=False), "relu", False),
            (dict(attention={"position": "learned", "qkv_bias": True, "out_bias": True},
                  norm={"kind": "layer", "placement": "pre"},
                  mlp={"activation": "gelu_tanh", "bias": True}), gpt2_act, True)):
        cfg = variant(**kw)
        w = _random_tensors(cfg, 10)
        tw = {k: torch.from_numpy(v) for k, v in w.items()}
        t = len(tokens)
        with torch.no_grad():
            x = tw["tok_embeddings"][torch.tensor(tokens)]
            if cfg["attention"]["position"] == "learned":
                x = x + tw["pos_embeddings"][:t]
            else:
                x = x + torch.from_numpy(sinusoidal_table(list(range(t)), 32))
            mask = None
            if cfg["attention"]["mask"] == "causal":
                mask = torch.triu(torch.full((t, t), float("-inf")), diagonal=1)
            for l in range(cfg["layers"]):
                p = f"layers.{l}."
                layer = torch.nn.TransformerEncoderLayer(
                    32, 4, dim_feedforward=48, dropout=0.0, activation=act, layer_norm_eps=1e-5,
                    batch_first=True, norm_first=first)
                layer.self_attn.in_proj_weight.copy_(
                    torch.cat([tw[p + "wq"], tw[p + "wk"], tw[p + "wv"]]))
                layer.self_attn.in_proj_bias.copy_(
                    torch.cat([tw[p + "bq"], tw[p + "bk"], tw[p + "bv"]]))
                layer.self_attn.out_proj.weight.copy_(tw[p + "wo"])
                layer.self_attn.out_proj.bias.copy_(tw[p + "bo"])
                layer.linear1.weight.copy_(tw[p + "w1"])
                layer.linear1.bias.copy_(tw[p + "b1"])
                layer.linear2.weight.copy_(tw[p + "w2"])
                layer.linear2.bias.copy_(tw[p + "b2"])
                layer.norm1.weight.copy_(tw[p + "attention_norm"])
                layer.norm1.bias.copy_(tw[p + "attention_norm_bias"])
                layer.norm2.weight.copy_(tw[p + "ffn_norm"])
                layer.norm2.bias.copy_(tw[p + "ffn_norm_bias"])
                layer.eval()
                x = layer(x[None], src_mask=mask)[0]
            if cfg["norm"]["final"]:
                x = torch.nn.functional.layer_norm(x, (32,), tw["norm"], tw["norm_bias"], 1e-5)
            out = tw["tok_embeddings"] if cfg["tie_embeddings"] else tw["output"]
            theirs = (x @ out.T).numpy()
        # Causal: the prompt, then one token at a time through the cache.
        ours = run(cfg, w, tokens, 4 if first else 12)
        err = float(np.max(np.abs(ours - theirs)))
        _check(err < 1e-4, f"{'GPT-2' if first else 'original Transformer'} block = torch's "
                           f"nn.TransformerEncoderLayer: {err:.1e}")
    print("selftest passed")
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--selftest", action="store_true")
    ap.add_argument("--models", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                     "..", "..", "..", "shared", "models"),
                    help="the shared models folder (default: ../shared/models of the repo)")
    ap.add_argument("--llama2c", metavar="CKPT")
    ap.add_argument("--greedy", type=int, default=0)
    ap.add_argument("--prompt-ids", default="1")
    args = ap.parse_args()
    if args.selftest:
        return selftest(args.models)
    if not args.llama2c:
        ap.error("give --selftest or --llama2c CKPT --greedy N")
    cfg, tensors = read_llama2c(args.llama2c)
    prompt = [int(t) for t in args.prompt_ids.split(",")]
    tokens, _ = generate(cfg, tensors, prompt, args.greedy)
    print(" ".join(str(t) for t in tokens))
    return 0


if __name__ == "__main__":
    sys.exit(main())
