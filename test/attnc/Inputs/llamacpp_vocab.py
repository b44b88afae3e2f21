"""Runs llama.cpp's tokenizer test files (../shared/models/llamacpp-vocab:
NAME.gguf with its `.inp` strings, separated by lines `__ggml_vocab_test__`,
and `.out` expected ids, one line per string, without BOS, as llama.cpp's
tests/test-tokenizer-0 writes them) through `attnc tokenize VOCAB.gguf TEXT
--no-bos` and through a generated executable that carries the vocabulary
(`-p TEXT --verbose-prompt -n 0`), and prints one line per mismatch and a
summary; exits 1 on any mismatch.

usage: llamacpp_vocab.py ATTNC VOCAB.gguf VOCAB_SIZE WORKDIR
"""
import ast
import os
import subprocess
import sys

SEPARATOR = "\n__ggml_vocab_test__\n"


def read_cases(vocab):
    with open(vocab + ".inp", encoding="utf-8") as f:
        inp = f.read()
    with open(vocab + ".out", encoding="utf-8") as f:
        out = f.read()
    texts = inp.split(SEPARATOR)
    # The file ends with a separator line: the last piece is empty.
    if texts and texts[-1] in ("", "\n"):
        texts.pop()
    if texts and texts[0].startswith("__ggml_vocab_test__\n"):
        texts[0] = texts[0][len("__ggml_vocab_test__\n"):]
    expected = [[int(x) for x in line.split()] for line in out.split("\n")]
    if expected and expected[-1] == [] and len(expected) == len(texts) + 1:
        expected.pop()
    if len(texts) != len(expected):
        sys.exit(f"{vocab}: {len(texts)} strings but {len(expected)} expected lines")
    return texts, expected


def main():
    attnc, vocab, vocab_size, work = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    os.makedirs(work, exist_ok=True)
    texts, expected = read_cases(vocab)

    # A tiny random-weight model with this vocabulary: only its tokenizer matters.
    description = os.path.join(work, "model.yaml")
    with open(description, "w") as f:
        f.write(f"""name: vocab
vocab_size: {vocab_size}
context_length: 512
dim: 8
layers: 1
attention: {{heads: 2, kv_heads: 1}}
mlp: {{hidden: 8}}
weights: {{format: random, seed: 1}}
tokenizer: {{format: gguf, path: "{vocab}"}}
""")
    exe = os.path.join(work, "model")
    subprocess.run([attnc, "compile", description, "-o", exe], check=True)
    bos = ast.literal_eval(subprocess.run([attnc, "tokenize", vocab, ""], check=True,
                                          capture_output=True, text=True).stdout)

    failures = 0
    for i, (text, ids) in enumerate(zip(texts, expected)):
        got = ast.literal_eval(subprocess.run(
            [attnc, "tokenize", vocab, text, "--no-bos"], check=True, capture_output=True,
            text=True).stdout)
        if got != ids:
            failures += 1
            print(f"FAIL tokenize #{i} {text!r}: {got} != {ids}")
        if not text and not bos:
            continue  # an empty prompt without BOS is refused by the executable
        run = subprocess.run([exe, "-p", text, "--verbose-prompt", "-n", "0"],
                             capture_output=True, text=True)
        lines = [l for l in run.stderr.splitlines() if l.startswith("prompt ids: ")]
        if run.returncode != 0 or len(lines) != 1:
            failures += 1
            print(f"FAIL executable #{i} {text!r}: exit {run.returncode}: {run.stderr.strip()}")
            continue
        got = ast.literal_eval(lines[0][len("prompt ids: "):])
        if got != bos + ids:
            failures += 1
            print(f"FAIL executable #{i} {text!r}: {got} != {bos + ids}")
    print(f"{os.path.basename(vocab)}: {len(texts)} strings, {failures} mismatches")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
