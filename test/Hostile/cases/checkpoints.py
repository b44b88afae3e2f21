# test/Hostile/cases/checkpoints.py: checkpoints given directly as the model
# (attnc check/describe/compile CHECKPOINT) whose own header or metadata
# describes an impossible model: zero or negative sizes, heads that do not
# divide, norm epsilons and RoPE bases of 0, NaN or infinity, a llama2.c
# version 2 header with a bad group size or shared flag, and a description
# that disagrees with the checkpoint it names. Each must be one `error:` line
# naming the file and the field (no crash: a zero head count once divided by
# zero), with the file unchanged and nothing written.
import importlib.util as importlib_util
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
sys.path.insert(0, os.path.join(HERE, "..", "..", "reference"))

import gguf_writer as gw  # noqa: E402
from hostile import Case, write  # noqa: E402

def _load_gguf_cases():
    # The tiny llama model of gguf.py, loaded by path: `gguf` may also name
    # llama.cpp's gguf-py package.
    import importlib.util
    spec = importlib.util.spec_from_file_location("gguf_cases", os.path.join(HERE, "gguf.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_gguf = _load_gguf_cases()
llama_meta, llama_tensors = _gguf.llama_meta, _gguf.llama_tensors


def v0(dim=64, hidden=172, layers=5, heads=8, kv_heads=4, vocab=512, seq=512, extra=1000):
    return struct.pack("<7i", dim, hidden, layers, heads, kv_heads, vocab, seq) + bytes(extra)


def v2(shared=1, group=8, version=2, dims=(64, 172, 5, 8, 4, 512, 512)):
    header = struct.pack("<Ii7iB", 0x616B3432, version, *dims, shared)
    header += struct.pack("<i", group)
    return header + bytes(256 - len(header)) + bytes(4096)


def hf_config(**override):
    import json
    config = {"architectures": ["LlamaForCausalLM"], "hidden_size": 4, "intermediate_size": 6,
              "num_hidden_layers": 1, "num_attention_heads": 2, "num_key_value_heads": 1,
              "max_position_embeddings": 8, "vocab_size": 5, "rms_norm_eps": 1e-5,
              "tie_word_embeddings": True}
    config.update(override)
    return json.dumps(config).encode()


def cases(env):
    def llama2c(name, data, first_line, command="check"):
        return Case(name="checkpoints/" + name, argv=["{attnc}", command, "m.bin"], exit_code=1,
                    first_line=r"^error: 'm\.bin': " + first_line, setup=write("m.bin", data),
                    unchanged=["*"], no_new_files=True)

    yield llama2c("llama2c-zero-heads", v0(heads=0), r"attention\.heads is 0, but must be at least 1")
    yield llama2c("llama2c-zero-heads-describe", v0(heads=0),
                  r"attention\.heads is 0, but must be at least 1", "describe")
    yield llama2c("llama2c-negative-dim", v0(dim=-64), r"dim is -64, but must be at least 1")
    yield llama2c("llama2c-zero-kv-heads", v0(kv_heads=0),
                  r"attention\.kv_heads is 0, but must be at least 1")
    yield llama2c("llama2c-kv-heads-over-heads", v0(kv_heads=16),
                  r"attention\.kv_heads \(16\) does not divide attention\.heads \(8\)")
    yield llama2c("llama2c-zero-hidden", v0(hidden=0), r"mlp\.hidden is 0, but must be at least 1")
    yield llama2c("llama2c-zero-seq", v0(seq=0), r"context_length is 0, but must be at least 1")
    yield llama2c("llama2c-odd-head-dim", v0(dim=72, heads=8, kv_heads=8),
                  r"head_dim = dim / heads = 9 is odd")
    yield llama2c("llama2c-too-many-layers", v0(layers=1 << 30),
                  r"layers \(1073741824\) is more than 65536")
    yield llama2c("llama2c-v2-group-0", v2(group=0), r"header has group_size = 0")
    yield llama2c("llama2c-v2-group-not-dividing", v2(group=7),
                  r"tensor '.*' has \d+ values, not a multiple of the header's group_size 7")
    yield llama2c("llama2c-v2-shared-7", v2(shared=7),
                  r"header byte 36 \(shared_classifier\) is 7, not 0 or 1")
    yield llama2c("llama2c-v2-truncated", v2(),
                  r"file is truncated: .* needs bytes \[\d+, \d+\) but the file has 4352 bytes")
    yield llama2c("llama2c-version-9", v2(version=9),
                  r"a llama2\.c export of version 9 \(magic \"ak42\"\); versions 0, 1 and 2 are read")

    def gguf(name, meta, first_line, command="check"):
        data = gw.gguf_bytes(meta, llama_tensors())
        return Case(name="checkpoints/" + name, argv=["{attnc}", command, "m.gguf"], exit_code=1,
                    first_line=r"^error: \S*m\.gguf'?: " + first_line, setup=write("m.gguf", data),
                    unchanged=["*"], no_new_files=True)

    yield gguf("gguf-rope-base-0", llama_meta(**{"llama.rope.freq_base": ("f32", 0.0)}),
               r"metadata key 'llama\.rope\.freq_base' \(at byte \d+\) is 0\.0+, expected a "
               r"positive number")
    yield gguf("gguf-rope-base-nan", llama_meta(**{"llama.rope.freq_base": ("f32", float("nan"))}),
               r"metadata key 'llama\.rope\.freq_base' \(at byte \d+\) is nan, expected a "
               r"positive number")
    yield gguf("gguf-eps-inf", llama_meta(**{
        "llama.attention.layer_norm_rms_epsilon": ("f32", float("inf"))}),
        r"metadata key 'llama\.attention\.layer_norm_rms_epsilon' \(at byte \d+\) is inf, "
        r"expected a positive number", "describe")

    def hf(name, config, first_line):
        def setup(d):
            os.makedirs(os.path.join(d, "model"))
            write(os.path.join("model", "config.json"), config)(d)
        return Case(name="checkpoints/" + name, argv=["{attnc}", "describe", "model"],
                    exit_code=1, first_line=first_line, setup=setup, unchanged=["*"],
                    no_new_files=True)

    yield hf("hf-eps-0", hf_config(rms_norm_eps=0.0),
             r"^error: model/config\.json: 'rms_norm_eps' must be a positive number, got 0$")
    yield hf("hf-theta-negative", hf_config(rope_theta=-1.0),
             r"^error: model/config\.json: 'rope_theta' must be a positive number, got -1$")

    # A description naming a checkpoint of another architecture.
    def mismatch(d):
        write("m.gguf", gw.gguf_bytes(llama_meta(), llama_tensors()))(d)
        write("m.yaml", b"name: m\nvocab_size: 40\ncontext_length: 16\ndim: 64\nlayers: 1\n"
                        b"attention: {heads: 4, kv_heads: 2, rope_pairs: halves}\n"
                        b"mlp: {hidden: 96}\nweights: {format: gguf, path: m.gguf}\n")(d)
    yield Case(name="checkpoints/description-disagrees", argv=["{attnc}", "check", "m.yaml"],
               exit_code=1, setup=mismatch, unchanged=["*"], no_new_files=True,
               first_line=r"^m\.yaml:\d+:\d+: error: 'm\.gguf': the checkpoint has "
                          r"attention\.rope_pairs: adjacent, the description has halves")

    # A FIFO where a checkpoint or tokenizer is expected: refused by kind,
    # never opened for a blocking read.
    for command, name in [("tokenize", "f.bin"), ("describe", "f.gguf"), ("check", "f.bin")]:
        argv = ["{attnc}", command, name] + (["hello"] if command == "tokenize" else [])
        yield Case(name="checkpoints/fifo-" + command + "-" + name, argv=argv, exit_code=1,
                   setup=lambda d, name=name: os.mkfifo(os.path.join(d, name)), timeout=30,
                   first_line=r"^error: \w+ '%s' is not a regular file \(it is a FIFO\)"
                              % name.replace(".", r"\."),
                   unchanged=["*"], no_new_files=True)

    # Outputs that would overwrite the checkpoint being read, or a file of a
    # Hugging Face checkpoint directory: refused before anything is written.
    gguf_model = gw.gguf_bytes(llama_meta(), llama_tensors())
    for flag in ["-o", "--save-weights"]:
        argv = ["{attnc}", "compile", "m.gguf", "-o" if flag == "-o" else "-o",
                "m.gguf" if flag == "-o" else "out"]
        if flag == "--save-weights":
            argv += ["--save-weights", "m.gguf"]
        yield Case(name="checkpoints/overwrite-gguf" + flag, argv=argv, exit_code=1,
                   setup=write("m.gguf", gguf_model), unchanged=["*"], no_new_files=True,
                   first_line=r"^error: refusing to write the (output|weights) to 'm\.gguf': it is "
                              r"the weights being read")

    # The valid tiny Llama directory of hf.py, given directly as the model.
    spec = importlib_util.spec_from_file_location("hf_cases", os.path.join(HERE, "hf.py"))
    hf_cases = importlib_util.module_from_spec(spec)
    spec.loader.exec_module(hf_cases)
    for target in ["config.json", "model.safetensors"]:
        yield Case(name="checkpoints/overwrite-hf-" + target,
                   argv=["{attnc}", "compile", "model", "-o", "model/" + target],
                   exit_code=1, unchanged=["*"], no_new_files=True, setup=hf_cases.model(),
                   first_line=r"^error: refusing to write the output to 'model/%s': it is a file "
                              r"of the checkpoint being read" % target.replace(".", r"\."))
