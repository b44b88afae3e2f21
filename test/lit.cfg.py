# lit configuration for attnc: FileCheck tests of each lowering stage, driver
# tests end to end, and numeric tests against independent references.
import os

import lit.formats
from lit.llvm import llvm_config

config.name = "attnc"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test", ".yaml"]
config.excludes = ["Inputs", "reference", "Unit", "CMakeLists.txt", "lit.cfg.py"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.attnc_obj_root, "test")

llvm_config.with_system_environment(["HOME", "TMPDIR"])
llvm_config.use_default_substitutions()

tool_dirs = [config.attnc_tools_dir, config.llvm_tools_dir]
llvm_config.add_tool_substitutions(["attnc", "attnc-opt"], [config.attnc_tools_dir])
llvm_config.add_tool_substitutions(["llvm-objdump"], [config.llvm_tools_dir])
config.environment["PATH"] = os.pathsep.join(tool_dirs + [config.environment.get("PATH", "")])

config.substitutions.append(("%examples", os.path.join(config.attnc_src_root, "examples")))
config.substitutions.append(("%reference", os.path.join(config.attnc_src_root, "test", "reference")))
config.substitutions.append(("%refpython", config.reference_python))
config.substitutions.append(("%models", config.shared_models))
# 129 token ids: one more than tiny-gqa's context.
config.substitutions.append(("%{ids129}", ",".join(["1"] + ["5"] * 128)))

# Real checkpoints are read from ../shared/models, never copied here.
if os.path.isfile(os.path.join(config.shared_models, "stories260K.bin")):
    config.available_features.add("shared-models")
else:
    lit_config.note("%s not found: tests that need the reference checkpoints are "
                    "reported UNSUPPORTED" % config.shared_models)

# llama.cpp's gguf-py, the reference GGUF reader/writer and dequantizers. It is
# not a Debian package: tools/peers.sh gguf-py fetches it into the build folder
# (../shared/PEERS.md), and tests that need it are UNSUPPORTED where it is not.
config.substitutions.append(("%gguf_py", config.gguf_py))
if os.path.isfile(os.path.join(config.gguf_py, "gguf", "quants.py")):
    config.available_features.add("gguf-py")
else:
    lit_config.note("%s not found (tools/peers.sh gguf-py fetches it): tests against "
                    "llama.cpp's gguf-py are reported UNSUPPORTED" % config.gguf_py)

# Device nodes (mknod) for the output tests can only be made as root; CI runs
# as root.
if os.geteuid() == 0:
    config.available_features.add("root")

# Numeric references run on Debian's python3 with python3-torch/numpy.
if os.path.exists(config.reference_python):
    config.available_features.add("reference-python")
else:
    lit_config.note("%s not found: numeric reference tests are reported UNSUPPORTED"
                    % config.reference_python)

# The zmm checks need an AVX-512 host (the compiler targets the host CPU).
try:
    with open("/proc/cpuinfo") as cpuinfo:
        if " avx512f" in cpuinfo.read():
            config.available_features.add("avx512")
except OSError:
    pass

# Sanitizer builds (-DATTNC_SANITIZE=..., tools/dev.sh test --sanitize): attnc,
# the tools, the unit tests and every executable attnc links are instrumented.
# A sanitizer report must fail the test that triggered it, also under `not`:
# by default ASan, LSan and UBSan exit with status 1, which `not` and exit-code
# checks would take for an ordinary error, so they abort instead (a signal,
# which `not` reports as a failure). Tests that cannot run instrumented (e.g.
# ones that cap virtual memory, which ASan's shadow reserves by terabytes) can
# say `UNSUPPORTED: sanitizer` (or asan, ubsan, address, undefined).
# Debian's libLLVM/libMLIR are not instrumented: their allocations still go
# through ASan's malloc (so LeakSanitizer sees them), and the suite runs with
# leak detection on and no suppression; only LLVM's manual poisoning of its
# allocators' slabs is turned off (below), because instrumented and
# uninstrumented code share those slabs.
if config.attnc_sanitize:
    config.available_features.add("sanitizer")
    # Each sanitizer by its -fsanitize= name and its usual short one.
    short = {"address": "asan", "undefined": "ubsan", "memory": "msan", "thread": "tsan"}
    for name in config.attnc_sanitize.split(","):
        config.available_features.add(name.strip())
        if name.strip() in short:
            config.available_features.add(short[name.strip()])
    common = "abort_on_error=1:print_summary=1"
    # allow_user_poisoning=0: LLVM's BumpPtrAllocator (inlined into our
    # instrumented code, e.g. where the attn dialect's attribute storage is
    # allocated) poisons the unused rest of each slab, and Debian's
    # uninstrumented libMLIR then places its own objects there without
    # unpoisoning them: ASan reported "use-after-poison" on valid MLIR
    # attributes (Dialect/Attn/ops.mlir). Heap errors are still found; only
    # LLVM's own manual poisoning is ignored.
    config.environment["ASAN_OPTIONS"] = common + ":detect_leaks=1:allow_user_poisoning=0"
    config.environment["UBSAN_OPTIONS"] = common + ":print_stacktrace=1"
    # The hostile corpus skips its cases that say requires=["no-sanitizer"].
    config.environment["ATTNC_SANITIZE"] = config.attnc_sanitize
