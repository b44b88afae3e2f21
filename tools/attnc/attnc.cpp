//===- attnc.cpp - The attnc command-line driver --------------------------===//
//
// `attnc check` parses a description and loads what it names, and prints a
// one-screen summary; `attnc compile` does the same, then hands the model to
// compileModel (compiler/Driver/Compile.h). Both can replace the weights and
// tokenizer of the description from the command line and write the weights
// they loaded (or generated) as a llama2.c checkpoint. The command line is
// CLI11's; arguments it does not know are handed to llvm::cl, so that MLIR's
// own flags (--mlir-print-ir-after-all, --mlir-timing, ...) work. Every user
// error is one diagnostic through the SourceMgr and exit code 1.
//
//===----------------------------------------------------------------------===//
#include "compiler/Driver/Compile.h"
#include "compiler/Builder/ModelBuilder.h"
#include "compiler/Driver/Verify.h"
#include "compiler/Frontend/Checkpoint.h"
#include "compiler/Frontend/Description.h"
#include "compiler/Frontend/Diagnostics.h"
#include "compiler/Frontend/Import.h"
#include "compiler/Frontend/ArchPlan.h"
#include "compiler/Support/OutputFile.h"
#include "tools/attnc/AttentionMap.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/Timing.h"
#include "llvm/Config/llvm-config.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <CLI/CLI.hpp>
#include <cstring>

using namespace attnc;

namespace {

/// What `check` and `compile` both take: the description and the overrides.
struct LoadOptions {
  std::string description;
  CLI::Option *weights = nullptr, *tokenizer = nullptr, *seed = nullptr;
  std::string weightsPath, tokenizerPath, saveWeights;
  uint64_t randomSeed = 0;
  bool allowNonfinite = false;
};

/// CLI11 2.1 reads `-1` as 2^64 - 1 and saturates what does not fit.
const CLI::Validator kUnsigned64(
    [](std::string &text) -> std::string {
      uint64_t value;
      if (llvm::StringRef(text).getAsInteger(10, value))
        return "expected an unsigned 64-bit integer, got '" + text + "'";
      return "";
    },
    "");

void addLoadOptions(CLI::App &cmd, LoadOptions &o) {
  cmd.add_option("model", o.description,
                 "The model: a description (e.g. examples/stories260K.yaml), or a checkpoint "
                 "(a .gguf file, a Hugging Face directory, a llama2.c .bin)")
      ->required();
  o.weights = cmd.add_option("--weights", o.weightsPath,
                             "A checkpoint (.gguf, Hugging Face directory, llama2.c .bin) to use "
                             "instead of the description's weights");
  o.seed = cmd.add_option("--random-weights", o.randomSeed,
                          "Generate deterministic random weights from this seed instead")
               ->check(kUnsigned64)
               ->excludes(o.weights);
  o.tokenizer = cmd.add_option("--tokenizer", o.tokenizerPath,
                               "A tokenizer (llama2.c tokenizer.bin, .gguf, tokenizer.json) to use "
                               "instead of the model's (\"\": none, the model reads and writes "
                               "token ids)");
  cmd.add_option("--save-weights", o.saveWeights,
                 "Also write the weights as a llama2.c checkpoint to this file");
  cmd.add_flag("--allow-nonfinite", o.allowNonfinite,
               "Accept weights that hold NaN or infinite values (refused otherwise)");
}

/// Reads the model `o.description` names (a description, or a checkpoint's
/// own metadata) and applies the command-line overrides.
bool readSpec(const LoadOptions &o, llvm::SourceMgr &sm, ModelSpec &spec) {
  ModelSource source = detectModelSource(o.description);
  if (source == ModelSource::Description) {
    std::optional<ModelSpec> parsed = parseDescriptionFile(o.description, sm);
    if (!parsed)
      return false;
    spec = std::move(*parsed);
  } else if (!describeCheckpoint(source, o.description, sm, spec)) {
    return false;
  }
  if (o.weights && o.weights->count()) {
    spec.weights = {o.weightsPath, llvm::SMLoc()};
    spec.weightsFormat = detectWeightsFormat(o.weightsPath);
  }
  if (o.seed && o.seed->count()) {
    spec.weights = {};
    spec.weightsFormat = WeightsFormat::Random;
    spec.randomSeed = o.randomSeed;
  }
  if (o.tokenizer->count()) {
    spec.tokenizer = {o.tokenizerPath, llvm::SMLoc()};
    spec.tokenizerFormat = detectTokenizerFormat(o.tokenizerPath);
  }
  return true;
}

/// Reads the model, loads the weights and checks the tokenizer.
bool loadModel(const LoadOptions &o, llvm::SourceMgr &sm, ModelSpec &spec, ModelWeights &weights,
               TokenizerInfo &tokenizer) {
  return readSpec(o, sm, spec) && loadWeights(spec, sm, weights) &&
         checkTokenizer(spec, sm, tokenizer);
}

bool saveWeightsIfAsked(const LoadOptions &o, const ModelSpec &spec, const ModelWeights &weights,
                        llvm::SourceMgr &sm) {
  return o.saveWeights.empty() || saveLlama2c(spec, weights, o.saveWeights, sm);
}

/// "label [rows, cols]".
std::string shapeOf(const TensorInfo &t, llvm::StringRef label) {
  std::string text = label.str() + " [";
  for (size_t i = 0; i < t.shape.size(); ++i)
    text += (i ? ", " : "") + std::to_string(t.shape[i]);
  return text + "]";
}

/// A 64-bit FNV-1a-style hash (per 32-bit word) of every tensor's float bits,
/// walking the architecture plan's tensors in its canonical, layer-major
/// order (ArchPlan.h; for a Llama model: tok_embeddings, then for each layer
/// attention_norm wq wk wv wo ffn_norm w1 w2 w3, then norm and the untied
/// output). That is deliberately not a file's order: an importer binding a
/// name to the wrong bytes changes the hash, which tests compare with the
/// same hash computed by an independent reader
/// (test/Frontend/Inputs/checksum.py), and pin for random weights.
uint64_t checksum(const ModelSpec &spec, const ModelWeights &weights) {
  uint64_t hash = 0xcbf29ce484222325ull;
  for (const TensorInfo &t : listTensors(spec)) {
    for (float value : weights.lookup(t.name)->values()) {
      uint32_t bits;
      std::memcpy(&bits, &value, sizeof(bits));
      hash = (hash ^ bits) * 0x100000001b3ull;
    }
  }
  return hash;
}

/// Prints `tensors` as "name [shape]" items after `label`, wrapping lines.
void printTensorLines(llvm::StringRef label, const std::vector<std::string> &items,
                      llvm::raw_ostream &os) {
  std::string line = label.str();
  line.resize(11, ' ');
  size_t width = line.size(), indent = line.size();
  for (size_t i = 0; i < items.size(); ++i) {
    std::string item = items[i] + (i + 1 < items.size() ? "," : "");
    if (width > indent && width + 1 + item.size() > 100) {
      os << line << "\n";
      line = std::string(indent, ' ');
      width = indent;
    }
    line += (width > indent ? " " : "") + item;
    width = line.size();
  }
  os << line << "\n";
}

void printSummary(const ModelSpec &spec, const ModelWeights &weights,
                  const std::vector<NonFiniteTensor> &nonfinite,
                  const TokenizerInfo &tokenizer, llvm::StringRef description,
                  llvm::raw_ostream &os) {
  const AttentionSpec &a = spec.attention;
  int64_t parameters = int64_t(parameterCount(spec));
  os << "model      " << spec.name << " (" << description << ")\n";
  os << "sizes      vocab_size " << spec.vocabSize << ", context_length " << spec.contextLength
     << ", dim " << spec.dim << ", layers " << spec.layers << ", hidden " << spec.mlp.hidden
     << "\n";
  os << "attention  " << a.heads << " heads, " << a.kvHeads << " kv_heads, head_dim "
     << spec.headDim() << ", mask " << stringify(a.mask);
  if (a.mask == MaskKind::SlidingWindow)
    os << " (window " << a.window << ")";
  os << ", " << stringify(a.position);
  if (a.position == PositionKind::Rope)
    os << " theta " << llvm::format("%g", a.ropeTheta) << " " << stringify(a.ropePairs)
       << " pairs";
  if (a.qkvBias || a.outBias)
    os << ", bias on" << (a.qkvBias ? " qkv" : "") << (a.outBias ? " out" : "");
  os << "\n";
  os << "norm       " << stringify(spec.norm.kind) << " eps " << llvm::format("%g", spec.norm.eps)
     << " " << stringify(spec.norm.placement) << (spec.norm.final ? " + final" : "")
     << "; mlp " << stringify(spec.mlp.activation) << (spec.mlp.bias ? " with bias" : "")
     << "; tie_embeddings " << (spec.tieEmbeddings ? "true" : "false") << "\n";
  // The plan's tensors: the global ones, then layer 0 standing for all.
  std::vector<std::string> global, perLayer;
  for (const TensorInfo &t : listTensors(spec))
    if (!llvm::StringRef(t.name).starts_with("layers."))
      global.push_back(shapeOf(t, t.name));
  if (spec.tieEmbeddings)
    global.push_back("output = tok_embeddings");
  for (const TensorInfo &t : layerTensors(spec, 0))
    perLayer.push_back(shapeOf(t, llvm::StringRef(t.name).substr(strlen("layers.0."))));
  printTensorLines("tensors", global, os);
  printTensorLines("per layer", perLayer, os);
  os << "parameters " << parameters << " (" << parameters * int64_t(sizeof(float))
     << " bytes of float32)\n";
  auto token = [](int64_t id) { return id < 0 ? std::string("none") : std::to_string(id); };
  os << "special    bos " << token(spec.tokens.bos) << ", eos " << token(spec.tokens.eos)
     << ", add_bos " << (spec.tokens.addBos ? "true" : "false") << "\n";
  if (spec.weightsFormat == WeightsFormat::Random)
    os << "weights    random, seed " << spec.randomSeed << "\n";
  else
    os << "weights    " << spec.weights.path << " (" << stringify(spec.weightsFormat) << ")\n";
  os << "checksum   " << llvm::format_hex(checksum(spec, weights), 18) << "\n";
  // One line per tensor holding NaN or infinities, the first few of them.
  constexpr size_t kShown = 10;
  for (size_t i = 0; i < nonfinite.size() && i < kShown; ++i) {
    const NonFiniteTensor &t = nonfinite[i];
    os << "nonfinite  " << t.name << ": " << t.count << " value" << (t.count == 1 ? "" : "s")
       << ", the first " << describeNonFinite(t.firstValue) << " at index " << t.firstIndex
       << "\n";
  }
  if (nonfinite.size() > kShown)
    os << "nonfinite  ... and " << nonfinite.size() - kShown << " more tensors\n";
  if (spec.tokenizer.path.empty())
    os << "tokenizer  none (token ids in, token ids out)\n";
  else
    os << "tokenizer  " << spec.tokenizer.path << " (" << tokenizer.source << ", "
       << tokenizer.tokens << " tokens, longest piece " << tokenizer.longestPiece << " bytes)\n";
}

/// The number of entries of a llama2.c tokenizer.bin (an int32 max length,
/// then per token a float score, an int32 length and the bytes), if `path`
/// is exactly one; such a file does not store its count.
std::optional<int64_t> countLlama2cTokens(llvm::StringRef path) {
  // Only a regular file is probed (a FIFO would block the read); anything
  // else is left to the reader, which says what it is.
  llvm::sys::fs::file_status status;
  if (llvm::sys::fs::status(path, status) ||
      status.type() != llvm::sys::fs::file_type::regular_file)
    return std::nullopt;
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                            /*RequiresNullTerminator=*/false);
  if (!buffer)
    return std::nullopt;
  llvm::StringRef bytes = (*buffer)->getBuffer();
  if (bytes.size() < 4)
    return std::nullopt;
  uint64_t at = 4;
  int64_t count = 0;
  while (at < bytes.size()) {
    int32_t length;
    if (bytes.size() - at < 8)
      return std::nullopt;
    std::memcpy(&length, bytes.data() + at + 4, sizeof(length));
    if (length < 0 || uint64_t(length) > bytes.size() - at - 8 || count == INT32_MAX)
      return std::nullopt;
    at += 8 + uint64_t(length);
    ++count;
  }
  return count > 0 ? std::optional<int64_t>(count) : std::nullopt;
}

/// What `attnc tokenize` takes.
struct TokenizeOptions {
  LoadOptions load;
  std::string text;
  bool pieces = false, noBos = false;
};

/// `attnc tokenize MODEL TEXT`: MODEL is a description or a checkpoint (its
/// tokenizer is used), or a tokenizer file itself (tokenizer.json, a .gguf
/// vocabulary, a llama2.c tokenizer.bin).
int runTokenize(const TokenizeOptions &o, llvm::SourceMgr &sm) {
  ModelSpec spec;
  llvm::StringRef model = o.load.description;
  bool tokenizerOnly = false;
  if (!o.load.tokenizer->count()) {
    if (model.ends_with(".json")) {
      spec.tokenizer = {model.str(), llvm::SMLoc()};
      spec.tokenizerFormat = TokenizerFormat::HuggingFace;
      tokenizerOnly = true;
    } else if (detectModelSource(model) == ModelSource::Gguf) {
      // A vocabulary-only GGUF (llama.cpp's ggml-vocab-*.gguf) has no model.
      spec.tokenizer = {model.str(), llvm::SMLoc()};
      spec.tokenizerFormat = TokenizerFormat::Gguf;
      tokenizerOnly = true;
    } else if (detectModelSource(model) == ModelSource::Llama2c) {
      if (std::optional<int64_t> count = countLlama2cTokens(model)) {
        spec.tokenizer = {model.str(), llvm::SMLoc()};
        spec.tokenizerFormat = TokenizerFormat::Llama2c;
        spec.vocabSize = *count;
        tokenizerOnly = true;
      }
    }
  }
  if (tokenizerOnly) {
    if (!spec.vocabSize)
      spec.vocabSize = INT32_MAX; // as many tokens as it has
  } else if (!readSpec(o.load, sm, spec)) {
    return 1;
  } else if (spec.tokenizer.path.empty()) {
    reportError(sm, llvm::SMLoc(), "'" + model + "' has no tokenizer; name one with --tokenizer");
    return 1;
  }
  TokenizerInfo info;
  if (!importTokenizer(spec, sm, info))
    return 1;
  bool addBos = tokenizerOnly || !spec.specialTokensGiven ? info.special.addBos
                                                          : spec.tokens.addBos;
  return printTokenization(info, o.text, o.pieces, addBos && !o.noBos, llvm::outs());
}

/// Hands the arguments CLI11 did not know to llvm::cl (MLIR's flags).
bool parseLlvmOptions(const char *argv0, const std::vector<std::string> &extras) {
  mlir::registerPassManagerCLOptions();
  mlir::registerMLIRContextCLOptions();
  mlir::registerAsmPrinterCLOptions();
  mlir::registerDefaultTimingManagerCLOptions();
  std::vector<const char *> args = {argv0};
  for (const std::string &arg : extras)
    args.push_back(arg.c_str());
  return llvm::cl::ParseCommandLineOptions(int(args.size()), args.data(), "attnc\n", &llvm::errs());
}

/// Whether `a` and `b` name the same file, existing or not (the names are
/// compared once made absolute, existing files by identity).
bool sameFile(llvm::StringRef a, llvm::StringRef b) {
  llvm::SmallString<256> absA(a), absB(b);
  if (llvm::sys::fs::make_absolute(absA) || llvm::sys::fs::make_absolute(absB))
    return false;
  llvm::sys::path::remove_dots(absA, /*remove_dot_dot=*/true);
  llvm::sys::path::remove_dots(absB, /*remove_dot_dot=*/true);
  bool same = false;
  return absA == absB || (!llvm::sys::fs::equivalent(absA, absB, same) && same);
}

/// Refuses, before anything is written or compiled, an -o that would
/// overwrite an input or the saved weights, and an -o or --save-weights that
/// writeOutput would refuse (a directory, a socket, a missing directory).
bool checkOutputs(const LoadOptions &o, const CompileOptions &codegen, const ModelSpec &spec,
                  llvm::SourceMgr &sm) {
  for (const std::string *path : {&codegen.output, &o.saveWeights})
    if (!path->empty())
      if (llvm::Error error = checkOutputPath(*path))
        return reportError(sm, llvm::SMLoc(), llvm::toString(std::move(error)));
  if (codegen.output == "-")
    return true;
  // A device or FIFO is written through, so two outputs may share one.
  if (!o.saveWeights.empty() && sameFile(codegen.output, o.saveWeights) &&
      !isWriteThroughTarget(codegen.output))
    return reportError(sm, llvm::SMLoc(),
                       "-o and --save-weights name the same file '" + codegen.output + "'");
  return checkNotAnInput(spec, sm, codegen.output, "the output");
}

} // namespace

int main(int argc, char **argv) {
  // An interrupt ignored by whoever started attnc stays ignored (OutputFile.h).
  IgnoredInterrupts ignored = IgnoredInterrupts::record();
  llvm::InitLLVM init(argc, argv);
  ignored.restore();
  CLI::App app{"attnc: an ahead-of-time compiler for Llama-family transformer models"};
  app.set_version_flag("--version", "attnc 0.1 (MLIR/LLVM " LLVM_VERSION_STRING ")");
  app.require_subcommand(1);

  LoadOptions checkOptions;
  CLI::App *check = app.add_subcommand(
      "check", "Parse a description, load its weights and tokenizer, print a summary");
  addLoadOptions(*check, checkOptions);

  LoadOptions describeOptions;
  CLI::App *describe = app.add_subcommand(
      "describe", "Print the description of a model (e.g. a checkpoint's), which compiles to "
                  "the same model");
  addLoadOptions(*describe, describeOptions);

  TokenizeOptions tokenizeOptions;
  CLI::App *tokenize = app.add_subcommand(
      "tokenize", "Print the token ids of a text, like llama.cpp's llama-tokenize; MODEL may "
                  "also be a tokenizer file (tokenizer.json, .gguf, tokenizer.bin)");
  tokenize
      ->add_option("model", tokenizeOptions.load.description,
                   "A description, a checkpoint, or a tokenizer file by itself")
      ->required();
  tokenizeOptions.load.tokenizer =
      tokenize->add_option("--tokenizer", tokenizeOptions.load.tokenizerPath,
                           "A tokenizer to use instead of the model's");
  tokenize->add_option("text", tokenizeOptions.text, "The text to tokenize")->required();
  tokenize->add_flag("--pieces", tokenizeOptions.pieces, "Print one 'id -> piece' line per token");
  tokenize->add_flag("--no-bos", tokenizeOptions.noBos, "Do not start with BOS");

  AttentionMapOptions attentionMapOptions;
  CLI::App *attentionMap = addAttentionMapCommand(app, attentionMapOptions);

  LoadOptions compileOptions;
  CompileOptions codegen;
  CLI::App *compile = app.add_subcommand("compile", "Compile a model (unknown flags go to MLIR, "
                                                    "e.g. --mlir-print-ir-after-all)");
  addLoadOptions(*compile, compileOptions);
  compile->add_option("-o", codegen.output, "Output file (\"-\": stdout)")->required();
  compile->add_option("--emit", codegen.emit, "The stage to produce (see README, \"Inspecting a model\")")
      ->check(CLI::IsMember(emitStages()))
      ->capture_default_str();
  compile->add_option("--dump-dir", codegen.dumpDir,
                      "Also write every stage up to the emitted one into this directory, "
                      "with index.md (the passes of each stage and their wall time)");
  compile->add_flag("--timing", codegen.timing,
                    "Print the wall time of every stage and pass to stderr");
  compile->add_flag("--print-ir-after-all", codegen.printIRAfterAll,
                    "Print the module after every MLIR pass to stderr");
  compile->add_flag("-g", codegen.debugInfo,
                    "Debug locations in the LLVM IR and the object, pointing at the "
                    "description's lines");
  // Hidden (no group): for debugging the pipeline, e.g. to see how a pass's
  // diagnostic points at the description.
  compile->add_option("--stack-only", codegen.stackOnlyFunctions,
                      "Also require this function to use no heap and a bounded stack")
      ->group("");
  compile->add_flag("--trace", codegen.trace,
                    "Also compile attn_trace, so that the executable can record attention "
                    "weights (--attention-out) and hidden states (--trace-out)");
  // Hidden: attnc verify's two paths and its planted bug, for tests and for
  // looking at either path's IR (--emit, --dump-dir).
  compile->add_flag("--reference", codegen.reference,
                    "Lower through verify's plain reference path (no tiling or vectorization)")
      ->group("");
  compile->add_option("--inject-fault", codegen.injectFault,
                      "Plant a known bug in the optimized path (mask-leak)")
      ->check(CLI::IsMember({"mask-leak"}))
      ->group("");
  std::string weightType;
  compile
      ->add_option("--weight-type", weightType,
                   "Store the weight matrices in this type (rounded to nearest even; q8_0, "
                   "q4_0: GGUF's 8-bit and 4-bit blocks of 32 with a scale each); default: the "
                   "checkpoint's type if bf16, f16, q8_0 or q4_0, else f32")
      ->check(CLI::IsMember({"f32", "bf16", "f16", "q8_0", "q4_0"}));
  compile->add_flag("--int8-activations", codegen.int8Activations,
                    "Also quantize the input of each linear layer with q8_0 weights to int8 "
                    "blocks of 32 (as llama.cpp does) and multiply in integers (AVX-512 VNNI "
                    "where the CPU has it): faster, and no longer an f32 computation on the "
                    "dequantized weights");
  compile->allow_extras();

  LoadOptions verifyLoad;
  VerifyOptions verify;
  CLI::App *verifyCmd = app.add_subcommand(
      "verify", "Compile the model twice (optimized and a plain reference path), run both on "
                "one prompt and compare every layer's hidden states and attention weights and "
                "the logits; with --causality, check that no position sees the future");
  addLoadOptions(*verifyCmd, verifyLoad);
  verifyCmd->add_flag("--causality", verify.causality,
                      "Change the tokens after position p of a 64-token prompt, for every p, and "
                      "require bitwise identical logits up to p; check the recorded attention "
                      "weights are exactly 0 where the mask hides a key");
  std::string verifyIds;
  verifyCmd->add_option("--prompt-ids", verifyIds,
                        "The prompt as comma-separated token ids (default: a fixed "
                        "pseudo-random prompt)");
  verifyCmd->add_option("--tokens", verify.promptTokens,
                        "Length of the default prompt of the differential check")
      ->check(CLI::Range(int64_t(1), kPrefillChunk))
      ->capture_default_str();
  verifyCmd->add_option("--tolerance", verify.tolerance,
                        "Largest |optimized - reference| / max(1, |reference|) accepted")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  verifyCmd->add_option("--keep", verify.keepDir,
                        "Keep the two executables and what they recorded in this directory");
  std::string verifyWeightType;
  verifyCmd->add_option("--weight-type", verifyWeightType, "As for compile")
      ->check(CLI::IsMember({"f32", "bf16", "f16", "q8_0", "q4_0"}));
  verifyCmd->add_flag("--int8-activations", verify.compile.int8Activations, "As for compile");
  verifyCmd->add_option("--inject-fault", verify.compile.injectFault,
                        "Plant a known bug in the optimized build (mask-leak)")
      ->check(CLI::IsMember({"mask-leak"}))
      ->group("");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError &e) {
    return app.exit(e) == 0 ? 0 : 1; // --help and --version exit 0, mistakes 1
  }
  for (ElementType type :
       {ElementType::F32, ElementType::BF16, ElementType::F16, ElementType::Q8_0,
        ElementType::Q4_0}) {
    if (weightType == stringify(type))
      codegen.weightType = type;
    if (verifyWeightType == stringify(type))
      verify.compile.weightType = type;
  }

  llvm::SourceMgr sm;
  ModelSpec spec;
  ModelWeights weights;
  TokenizerInfo tokenizer;
  std::vector<NonFiniteTensor> nonfinite;
  if (*tokenize)
    return runTokenize(tokenizeOptions, sm);
  if (*attentionMap)
    return runAttentionMap(attentionMapOptions, sm);
  if (*describe) {
    if (!readSpec(describeOptions, sm, spec))
      return 1;
    printDescription(spec, llvm::outs());
    return 0;
  }
  if (*verifyCmd) {
    if (verifyCmd->count("--prompt-ids") && llvm::StringRef(verifyIds).trim().empty()) {
      reportError(sm, llvm::SMLoc(), "--prompt-ids: the list is empty");
      return 1;
    }
    for (llvm::StringRef rest = verifyIds; !rest.empty();) {
      auto [item, tail] = rest.split(',');
      rest = tail;
      int32_t id = 0;
      if (item.trim().getAsInteger(10, id) || id < 0) {
        reportError(sm, llvm::SMLoc(),
                    "--prompt-ids: '" + item + "' is not a token id (an integer >= 0)");
        return 1;
      }
      verify.promptIds.push_back(id);
    }
    if (!parseLlvmOptions(argv[0], {}) || !loadModel(verifyLoad, sm, spec, weights, tokenizer) ||
        !checkFinite(spec, findNonFinite(spec, weights), verifyLoad.allowNonfinite, sm))
      return 1;
    for (int32_t id : verify.promptIds)
      if (id >= spec.vocabSize) {
        reportError(sm, llvm::SMLoc(),
                    "--prompt-ids: " + llvm::Twine(id) + " is not below the vocabulary size " +
                        llvm::Twine(spec.vocabSize));
        return 1;
      }
    llvm::StringRef bytes = tokenizer.bytes ? tokenizer.bytes->getBuffer() : "";
    return verifyModel(spec, weights, bytes, verify, sm);
  }
  if (*check) {
    if (!loadModel(checkOptions, sm, spec, weights, tokenizer))
      return 1;
    // Non-finite weights are listed in the summary, and fail the check as
    // they would fail compile.
    nonfinite = findNonFinite(spec, weights);
    bool finite = checkFinite(spec, nonfinite, checkOptions.allowNonfinite, sm);
    if (finite && !saveWeightsIfAsked(checkOptions, spec, weights, sm))
      return 1;
    printSummary(spec, weights, nonfinite, tokenizer, checkOptions.description, llvm::outs());
    return finite ? 0 : 1;
  }

  if (!parseLlvmOptions(argv[0], compile->remaining()) ||
      !loadModel(compileOptions, sm, spec, weights, tokenizer) ||
      !checkFinite(spec, findNonFinite(spec, weights), compileOptions.allowNonfinite, sm) ||
      !checkOutputs(compileOptions, codegen, spec, sm) ||
      !saveWeightsIfAsked(compileOptions, spec, weights, sm))
    return 1;
  llvm::StringRef tokenizerBytes = tokenizer.bytes ? tokenizer.bytes->getBuffer() : "";
  return compileModel(spec, weights, tokenizerBytes, codegen, sm) ? 0 : 1;
}
