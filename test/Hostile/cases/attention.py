# test/Hostile/cases/attention.py: hostile recordings for `attnc attention-map`.
# A recording is a file a compiled program wrote and a user may have edited or
# truncated: one that is not a regular file (a FIFO must not block, /dev/zero
# must not be read until memory runs out), JSON nested far too deep for
# llvm::json's recursion, numbers that overflow to infinity, a token count
# past the bound, a truncated file, and an output directory holding a FIFO
# without a reader where a PNG goes. Each must end in one `error:` line and
# exit status 1, leave what was there as it was and write nothing.
import json
import os

from hostile import Case, write


def recording(tokens=("a", "b"), weights=None, **fields):
    """A small valid causal recording, with `fields` replacing its keys."""
    t = len(tokens)
    if weights is None:
        weights = [[1.0 / (q + 1) if k <= q else 0.0 for k in range(t)] for q in range(t)]
    doc = {"format": "attnc-attention", "version": 1, "model": "m", "mask": "causal",
           "window": 0, "layers": 1, "heads": 1, "tokens": list(tokens),
           "token_ids": list(range(1, t + 1)),
           "maps": [{"layer": 0, "head": 0, "weights": weights}]}
    doc.update(fields)
    return json.dumps(doc)


def cases(env):
    attnc = "{attnc}"
    unchanged_all = ["*"]
    not_regular = r"^error: attention recording '.*' is not a regular file \(it is %s\)"

    def fifo_input(d):
        os.mkfifo(os.path.join(d, "a.json"))

    yield Case(name="attention/fifo-recording", argv=[attnc, "attention-map", "a.json"],
               setup=fifo_input, exit_code=1, first_line=not_regular % "a FIFO", timeout=30,
               unchanged=unchanged_all)
    yield Case(name="attention/dev-zero-recording", argv=[attnc, "attention-map", "/dev/zero"],
               exit_code=1, first_line=not_regular % "a character device", timeout=30)
    yield Case(name="attention/deep-json", argv=[attnc, "attention-map", "a.json"],
               setup=write("a.json", "[" * 1000000), exit_code=1,
               first_line=r"^error: a\.json:1:65: JSON nests deeper than 64 levels",
               unchanged=unchanged_all)
    yield Case(name="attention/truncated", argv=[attnc, "attention-map", "a.json"],
               setup=write("a.json", recording()[:-20]), exit_code=1,
               first_line=r"^error: a\.json:1:\d+: invalid JSON: ", unchanged=unchanged_all)
    yield Case(name="attention/infinite-weight", argv=[attnc, "attention-map", "a.json"],
               setup=write("a.json", recording().replace("[[1.0,", "[[1e999,", 1)), exit_code=1,
               first_line=r"^error: a\.json: 'maps\[0\]\.weights\[0\]\[0\]' must be a number "
                          r"in \[0, 1\], got inf", unchanged=unchanged_all)
    yield Case(name="attention/too-many-tokens", argv=[attnc, "attention-map", "a.json"],
               setup=write("a.json", recording(tokens=["x"] * 5000, weights=[], maps=[])),
               exit_code=1,
               first_line=r"^error: a\.json: 'tokens' has 5000 tokens, more than the 4096",
               unchanged=unchanged_all)
    yield Case(name="attention/huge-layer", argv=[attnc, "attention-map", "a.json"],
               setup=write("a.json", recording(layers=2**63 - 1).replace(
                   '"layer": 0', '"layer": 99999999999999999999', 1)),
               exit_code=1, first_line=r"^error: a\.json: 'maps\[0\]\.layer' must be an integer",
               unchanged=unchanged_all)

    def fifo_output(d):
        write("a.json", recording())(d)
        os.mkdir(os.path.join(d, "out"))
        os.mkfifo(os.path.join(d, "out", "attention-L0-H0.png"))

    yield Case(name="attention/fifo-png", argv=[attnc, "attention-map", "a.json", "-o", "out"],
               setup=fifo_output, exit_code=1,
               first_line=r"^error: cannot write 'out/attention-L0-H0\.png': it is a FIFO with "
                          r"no reader", timeout=30, unchanged=unchanged_all)
