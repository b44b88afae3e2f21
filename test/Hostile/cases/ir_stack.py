# test/Hostile/cases/ir_stack.py: hostile models for the compiled code's stack
# and for the attn verifiers. Long-context models (131072 positions, whose
# scores over all keys take 16 MiB per layer) must decode under the default
# 8 MiB stack, causal and sliding-window alike; attributes that are finite as
# doubles in the description but not as the f32 the attn IR holds (a rope
# theta that rounds to infinity, an epsilon that rounds to zero) must be
# refused with an error, never compiled into an executable that prints
# nothing.
import os
import re

from hostile import Case


def write(name, lines):
    """A setup function that writes the description `lines` to `name`."""
    def setup(d):
        with open(os.path.join(d, name), "w") as f:
            f.write("\n".join(lines) + "\n")
    return setup


def long_context(name, attention, seed):
    return [f"name: {name}", "vocab_size: 300", "context_length: 131072", "dim: 64",
            "layers: 2", f"attention: {attention}", "mlp: {hidden: 96}",
            "tie_embeddings: false", f"weights: {{format: random, seed: {seed}}}"]


def token_ids(count):
    """A check that stdout is exactly `count` token ids."""
    def check(d, result):
        out = result.stdout.decode(errors="replace").strip()
        if not re.fullmatch(r"[0-9]+( [0-9]+){%d}" % (count - 1), out):
            return f"expected {count} token ids on stdout, got {out!r}"
        return None
    return check


def small(attention_extra="", norm=None):
    lines = ["name: t", "vocab_size: 32", "context_length: 16", "dim: 16", "layers: 1",
             "attention: {heads: 2, kv_heads: 1%s}" % attention_extra, "mlp: {hidden: 32}",
             "weights: {format: random, seed: 1}"]
    if norm:
        lines.append(norm)
    return lines


def cases(env):
    # Compile and run in one process so that the stack limit applies to the
    # executable; exec hands the executable's own signal, if any, to the runner.
    run = ("ulimit -s 8192 && {attnc} compile m.yaml --tokenizer '' -o m.exe "
           "&& exec ./m.exe --prompt-ids 1,2,3 -n 8 --temp 0")
    yield Case(name="ir-stack/long-context-causal-8mb-stack",
               argv=["bash", "-c", run],
               setup=write("m.yaml", long_context("long-causal", "{heads: 32, kv_heads: 32}", 5)),
               exit_code=0, timeout=300, no_new_files=False, unchanged=["m.yaml"],
               check=token_ids(8))
    yield Case(name="ir-stack/long-context-sliding-gqa-8mb-stack",
               argv=["bash", "-c", run],
               setup=write("m.yaml", long_context(
                   "long-sliding",
                   "{heads: 16, kv_heads: 4, mask: sliding_window, window: 4096}", 6)),
               exit_code=0, timeout=300, no_new_files=False, unchanged=["m.yaml"],
               check=token_ids(8))
    # 1e39 is a finite double but an infinite f32 (attn.rope's theta); 1e-50
    # is a positive double but a zero f32 (attn.rms_norm's epsilon).
    yield Case(name="ir-stack/rope-theta-f32-infinite",
               argv=["{attnc}", "compile", "m.yaml", "-o", "m.exe"],
               setup=write("m.yaml", small(", rope_theta: 1e39")),
               exit_code=1, first_line=r"^m\.yaml:\d+:\d+: error: .*float32.*'attention\.rope_theta'",
               unchanged=["m.yaml"])
    yield Case(name="ir-stack/norm-eps-f32-zero",
               argv=["{attnc}", "compile", "m.yaml", "-o", "m.exe"],
               setup=write("m.yaml", small(norm="norm: {eps: 1e-50}")),
               exit_code=1, first_line=r"^m\.yaml:\d+:\d+: error: .*float32.*'norm\.eps'",
               unchanged=["m.yaml"])
