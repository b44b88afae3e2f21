"""A Hugging Face directory as users have it: config.json, model.safetensors
and a tokenizer.json beside them (a Llama-style tokenizer.json made from
../shared/models/tokenizer.model by test/Unit/make_tokenizer_json.py).
Checks that `attnc tokenize DIR TEXT` and the executable compiled from DIR
(`--verbose-prompt`) both give [BOS] + SentencePiece's own ids (Debian's
python3-sentencepiece on tokenizer.model, the independent reference) for a
few texts, and that the executable's text decodes what it generates.

usage: hf_tokenizer_json.py ATTNC MODELS_DIR WORKDIR
"""
import ast
import os
import subprocess
import sys

import numpy as np
import sentencepiece

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..", "..")
sys.path.insert(0, os.path.join(ROOT, "test", "reference"))
import hf_writer  # noqa: E402

TEXTS = ["Hello world", "I believe the meaning of life is", " leading space",
         "naïve café, 東京 and emoji 🙂", "tabs\tand\nnewlines", "  two  spaces"]


def main():
    attnc, models, work = sys.argv[1:4]
    model_dir = os.path.join(work, "llama")
    os.makedirs(model_dir, exist_ok=True)
    subprocess.run([sys.executable, os.path.join(ROOT, "test", "Unit", "make_tokenizer_json.py"),
                    "spm", os.path.join(models, "tokenizer.model"),
                    os.path.join(model_dir, "tokenizer.json")], check=True)
    vocab, dim, hidden = 32000, 16, 32
    config = {"architectures": ["LlamaForCausalLM"], "hidden_size": dim,
              "intermediate_size": hidden, "num_hidden_layers": 1, "num_attention_heads": 2,
              "num_key_value_heads": 1, "max_position_embeddings": 128, "vocab_size": vocab,
              "rms_norm_eps": 1e-5, "tie_word_embeddings": True, "bos_token_id": 1,
              "eos_token_id": 2, "hidden_act": "silu"}
    rng = np.random.default_rng(7)
    w = lambda *shape: (rng.standard_normal(shape) * 0.1).astype(np.float32)  # noqa: E731
    tensors = {"model.embed_tokens.weight": w(vocab, dim), "model.norm.weight": w(dim) + 1,
               "model.layers.0.input_layernorm.weight": w(dim) + 1,
               "model.layers.0.post_attention_layernorm.weight": w(dim) + 1,
               "model.layers.0.self_attn.q_proj.weight": w(dim, dim),
               "model.layers.0.self_attn.k_proj.weight": w(dim // 2, dim),
               "model.layers.0.self_attn.v_proj.weight": w(dim // 2, dim),
               "model.layers.0.self_attn.o_proj.weight": w(dim, dim),
               "model.layers.0.mlp.gate_proj.weight": w(hidden, dim),
               "model.layers.0.mlp.up_proj.weight": w(hidden, dim),
               "model.layers.0.mlp.down_proj.weight": w(dim, hidden)}
    hf_writer.write_hf_dir(model_dir, config, tensors)

    exe = os.path.join(work, "llama.exe")
    subprocess.run([attnc, "compile", model_dir, "-o", exe], check=True)
    sp = sentencepiece.SentencePieceProcessor(model_file=os.path.join(models, "tokenizer.model"))
    failures = 0
    for text in TEXTS:
        expected = [1] + sp.encode(text)
        got = ast.literal_eval(subprocess.run([attnc, "tokenize", model_dir, text], check=True,
                                              capture_output=True, text=True).stdout)
        if got != expected:
            failures += 1
            print(f"FAIL tokenize {text!r}: {got} != {expected}")
        run = subprocess.run([exe, "-p", text, "--verbose-prompt", "-n", "4", "--temp", "0"],
                             capture_output=True)
        lines = [l for l in run.stderr.decode().splitlines() if l.startswith("prompt ids: ")]
        if run.returncode != 0 or not lines or \
                ast.literal_eval(lines[0][len("prompt ids: "):]) != expected:
            failures += 1
            print(f"FAIL executable {text!r}: exit {run.returncode} {lines}")
        run.stdout.decode("utf-8")  # the generated text is valid UTF-8
    print(f"tokenizer.json beside the checkpoint: {len(TEXTS)} texts, {failures} mismatches")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
