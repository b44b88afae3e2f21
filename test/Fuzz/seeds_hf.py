#!/usr/bin/env python3
"""Writes the seed corpus of the Hugging Face fuzz targets.

    seeds_hf.py safetensors|hf-config OUTDIR

safetensors (attnc-fuzz-safetensors): small valid files in F32, F16 and BF16,
with and without __metadata__, an empty one, zero-size tensors, unsorted
offsets, and a shard index. hf-config (attnc-fuzz-hf-config): config.json
files of Llama (MHA, GQA, biases, tied), Mistral (window and null) and GPT-2
(with and without n_inner, each activation). Standard library only, so that
it runs on any python3 (tools/fuzz.sh, the smoke test).
"""
import json
import os
import struct
import sys


def safetensors(tensors, metadata=None, reverse=False):
    """tensors: [(name, dtype, shape)]; data is a counting byte pattern."""
    header, offset, chunks = {}, 0, []
    size = {"F32": 4, "F16": 2, "BF16": 2}
    order = list(reversed(tensors)) if reverse else tensors
    placed = {}
    for name, dtype, shape in order:
        n = size[dtype]
        for d in shape:
            n *= d
        placed[name] = [offset, offset + n]
        chunks.append(bytes((offset + i) % 251 for i in range(n)))
        offset += n
    if metadata is not None:
        header["__metadata__"] = metadata
    for name, dtype, shape in tensors:
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": placed[name]}
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(chunks)


def llama(**changes):
    config = {"architectures": ["LlamaForCausalLM"], "hidden_size": 8, "intermediate_size": 12,
              "num_hidden_layers": 2, "num_attention_heads": 2, "num_key_value_heads": 1,
              "max_position_embeddings": 16, "vocab_size": 10, "rms_norm_eps": 1e-5,
              "rope_theta": 10000.0, "hidden_act": "silu", "tie_word_embeddings": False,
              "bos_token_id": 1, "eos_token_id": 2, "rope_scaling": None}
    config.update(changes)
    return json.dumps(config, indent=2).encode()


def gpt2(**changes):
    config = {"architectures": ["GPT2LMHeadModel"], "n_embd": 8, "n_layer": 2, "n_head": 2,
              "n_positions": 16, "n_ctx": 16, "vocab_size": 10, "n_inner": None,
              "activation_function": "gelu_new", "layer_norm_epsilon": 1e-5,
              "bos_token_id": 9, "eos_token_id": 9}
    config.update(changes)
    return json.dumps(config, indent=2).encode()


def seeds(target):
    if target == "safetensors":
        lin = [("model.embed_tokens.weight", "F32", [10, 8]), ("model.norm.weight", "F32", [8])]
        yield "f32", safetensors(lin, {"format": "pt"})
        yield "f16", safetensors([(n, "F16", s) for n, _, s in lin])
        yield "bf16", safetensors([(n, "BF16", s) for n, _, s in lin], reverse=True)
        yield "mixed", safetensors([("a", "F32", [3]), ("b", "F16", [2, 2]), ("c", "BF16", [1])])
        yield "empty-tensor", safetensors([("a", "F32", [0, 4]), ("b", "F32", [])])
        yield "empty", safetensors([])
        yield "index", json.dumps({"metadata": {"total_size": 100}, "weight_map": {
            "a": "model-00001-of-00002.safetensors",
            "b": "model-00002-of-00002.safetensors"}}).encode()
    elif target == "hf-config":
        yield "llama", llama()
        yield "llama-mha-tied", llama(num_key_value_heads=2, tie_word_embeddings=True)
        yield "llama-bias", llama(attention_bias=True, mlp_bias=True, head_dim=4)
        yield "llama-eos-list", llama(eos_token_id=[2, 3], bos_token_id=None)
        yield "mistral", llama(architectures=["MistralForCausalLM"], sliding_window=4)
        yield "mistral-null", llama(architectures=["MistralForCausalLM"], sliding_window=None)
        yield "gpt2", gpt2()
        yield "gpt2-inner-gelu", gpt2(n_inner=20, activation_function="gelu")
        yield "gpt2-relu-untied", gpt2(activation_function="relu", tie_word_embeddings=False)
    else:
        sys.exit("seeds_hf.py: unknown target %r" % target)


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: seeds_hf.py safetensors|hf-config OUTDIR")
    target, outdir = sys.argv[1], sys.argv[2]
    os.makedirs(outdir, exist_ok=True)
    for name, data in seeds(target):
        with open(os.path.join(outdir, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
