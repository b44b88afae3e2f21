//===- Description.cpp - Reading a model description file ----------------===//
//
// Walks the YAML tree of a description file (see YamlFields.h) along the
// schema below, fills a ModelSpec, then checks what no single field can: that
// the head counts divide the widths and that RoPE has pairs to rotate. The
// schema, every key with its type and default (any other key is an error;
// block and flow mappings are the same thing):
//
//   name: stories260K        # string, required
//   vocab_size: 512          # integer in [1, 2^31 - 1], required
//   context_length: 512      # integer in [1, 2^31 - 2], required: the longest
//                            #   sequence (both bounds are the runtime's, abi.h)
//   dim: 64                  # integer >= 1, required: the residual width
//   layers: 5                # integer >= 1, required
//   attention:               # mapping, required
//     heads: 8               #   integer >= 1, required; divides dim
//                            #   (head_dim = dim / heads)
//     kv_heads: 4            #   integer >= 1 dividing heads; default heads
//                            #   (grouped-query attention when smaller,
//                            #   multi-query with 1)
//     mask: causal           #   causal | none | sliding_window; default causal
//     window: 64             #   integer >= 1; required with sliding_window and
//                            #   allowed only there: a query at position i
//                            #   sees the keys at positions (i - window, i]
//     position: rope         #   rope | learned | sinusoidal | none; default
//                            #   rope (head_dim even). learned: a
//                            #   pos_embeddings table (context_length, dim);
//                            #   sinusoidal: the original Transformer's
//                            #   sin/cos table, added unscaled (dim even)
//     rope_theta: 10000.0    #   number > 0; default 10000; rope only
//     rope_pairs: adjacent   #   adjacent | halves; default adjacent; rope
//                            #   only. adjacent: (x[2i], x[2i+1]) rotate
//                            #   together (Meta, llama2.c, GGUF); halves:
//                            #   (x[i], x[i + head_dim/2]) (Hugging Face)
//     qkv_bias: false        #   true | false; default false: biases bq bk bv
//     out_bias: false        #   true | false; default false: bias bo
//   norm:                    # mapping, optional
//     kind: rms              #   rms | layer; default rms (layer: with bias)
//     eps: 1.0e-5            #   number > 0; default 1e-5
//     placement: pre         #   pre | post; default pre. pre: x + f(norm(x));
//                            #   post: norm(x + f(x))
//     final: true            #   true | false; a norm before the classifier;
//                            #   default true with pre, false with post
//   mlp:                     # mapping, required
//     hidden: 172            #   integer >= 1, required
//     activation: swiglu     #   swiglu | gelu | gelu_tanh | relu; default
//                            #   swiglu: w2(silu(w1 x) * w3 x); the others
//                            #   w2(act(w1 x))
//     bias: false            #   true | false; default false: b1 b2 (b3)
//   tie_embeddings: true     # true | false; default true: the classifier is
//                            #   the embedding table
//   special_tokens:          # mapping, optional; without it, the tokenizer's
//                            #   own (llama2.c's: 1, 2, true)
//     bos: 1                 #   token id or -1 (none); default 1
//     eos: 2                 #   token id or -1 (none); default 2
//     add_bos: true          #   true | false; default true: a prompt
//                            #   starts with bos
//   weights:                 # mapping, required
//     format: llama2c        #   llama2c | gguf | hf | random, required
//     path: stories260K.bin  #   with llama2c (a llama2.c checkpoint of any
//                            #   version), gguf (a .gguf file) or hf (a
//                            #   Hugging Face directory), required there
//     seed: 1                #   with random (required there): integer in
//                            #   [0, 2^64); same seed, same weights, anywhere
//   tokenizer:               # mapping, optional; without it the model reads
//                            #   and writes token ids
//     format: llama2c        #   llama2c | gguf | hf, required
//     path: tok512.bin       #   required: a llama2.c tokenizer.bin, a .gguf,
//                            #   or a tokenizer.json
//
// A checkpoint's own architecture (GGUF metadata, config.json, a llama2.c
// header) must agree with the description's.
//
// Relative paths are relative to the directory of the description file.
//
//===----------------------------------------------------------------------===//
#include "compiler/Frontend/Description.h"

#include "compiler/Frontend/Diagnostics.h"
#include "compiler/Frontend/InputFile.h"
#include "compiler/Frontend/ArchPlan.h"
#include "compiler/Frontend/YamlFields.h"
#include "runtime/include/attnrt/abi.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <cmath>
#include <limits>

using namespace llvm;

namespace attnc {

namespace {

const Choice<MaskKind> kMaskKinds[] = {{"causal", MaskKind::Causal},
                                       {"none", MaskKind::None},
                                       {"sliding_window", MaskKind::SlidingWindow}};
const Choice<PositionKind> kPositionKinds[] = {{"rope", PositionKind::Rope},
                                               {"learned", PositionKind::Learned},
                                               {"sinusoidal", PositionKind::Sinusoidal},
                                               {"none", PositionKind::None}};
const Choice<RopePairs> kRopePairs[] = {{"adjacent", RopePairs::Adjacent},
                                        {"halves", RopePairs::Halves}};
const Choice<NormKind> kNormKinds[] = {{"rms", NormKind::Rms}, {"layer", NormKind::Layer}};
const Choice<NormPlacement> kNormPlacements[] = {{"pre", NormPlacement::Pre},
                                                 {"post", NormPlacement::Post}};
const Choice<Activation> kActivations[] = {{"swiglu", Activation::SwiGLU},
                                           {"gelu", Activation::Gelu},
                                           {"gelu_tanh", Activation::GeluTanh},
                                           {"relu", Activation::Relu}};
const Choice<WeightsFormat> kWeightsFormats[] = {{"llama2c", WeightsFormat::Llama2c},
                                                 {"gguf", WeightsFormat::Gguf},
                                                 {"hf", WeightsFormat::HuggingFace},
                                                 {"random", WeightsFormat::Random}};
const Choice<TokenizerFormat> kTokenizerFormats[] = {{"llama2c", TokenizerFormat::Llama2c},
                                                     {"gguf", TokenizerFormat::Gguf},
                                                     {"hf", TokenizerFormat::HuggingFace}};

template <typename E> StringRef nameOf(ArrayRef<Choice<E>> choices, E value) {
  for (const Choice<E> &c : choices)
    if (c.value == value)
      return c.name;
  return "?";
}

/// The largest model accepted: beyond this the sizes are surely a typo. It
/// also keeps every later int64 product of sizes exact (element counts, byte
/// offsets, the packed layout). Whether a model within it fits this machine's
/// memory, with its KV cache, is checkMemory's business (MemoryBudget.h).
constexpr double kMaxParameters = double(int64_t(1) << 33);
/// listTensors has an entry per layer and tensor kind; no real model comes
/// near this.
constexpr int64_t kMaxLayers = 65536;

/// Reads one description into `spec`; every method returns false after
/// reporting the first error.
class DescriptionReader {
public:
  DescriptionReader(SourceMgr &sm, StringRef directory) : sm(sm), directory(directory) {}

  bool read(const YamlValue &root, ModelSpec &spec) {
    if (!top.open(root, "",
                  {"name", "vocab_size", "context_length", "dim", "layers", "attention", "norm",
                   "mlp", "tie_embeddings", "special_tokens", "weights", "tokenizer"}) ||
        !top.getString("name", spec.name, Need::Required) ||
        !top.getPositive("vocab_size", spec.vocabSize, Need::Required) ||
        !top.getPositive("context_length", spec.contextLength, Need::Required) ||
        !top.getPositive("dim", spec.dim, Need::Required) ||
        !top.getPositive("layers", spec.layers, Need::Required))
      return false;

    const YamlValue *node = top.getNode("attention", Need::Required);
    if (!node || !readAttention(*node, spec.attention))
      return false;
    if (const YamlValue *norm = top.getNode("norm", Need::Optional))
      if (!readNorm(*norm, spec.norm))
        return false;
    node = top.getNode("mlp", Need::Required);
    if (!node || !readMlp(*node, spec.mlp) ||
        !top.getBool("tie_embeddings", spec.tieEmbeddings, Need::Optional))
      return false;
    if (const YamlValue *tokens = top.getNode("special_tokens", Need::Optional)) {
      if (!readSpecialTokens(*tokens, spec.tokens))
        return false;
      spec.specialTokensGiven = true;
    }
    node = top.getNode("weights", Need::Required);
    if (!node || !readWeights(*node, spec))
      return false;
    if (const YamlValue *tokenizer = top.getNode("tokenizer", Need::Optional))
      if (!readTokenizer(*tokenizer, spec))
        return false;
    if (std::optional<SpecProblem> problem = checkSpec(spec))
      return top.error(locOf(problem->key), problem->message);
    return true;
  }

private:
  bool readAttention(const YamlValue &node, AttentionSpec &out) {
    if (!attention.open(node, "attention",
                        {"heads", "kv_heads", "mask", "window", "position", "rope_theta",
                         "rope_pairs", "qkv_bias", "out_bias"}) ||
        !attention.getPositive("heads", out.heads, Need::Required))
      return false;
    out.kvHeads = out.heads;
    Fields &f = attention;
    if (!f.getPositive("kv_heads", out.kvHeads, Need::Optional) ||
        !f.getEnum<MaskKind>("mask", kMaskKinds, out.mask, Need::Optional) ||
        !f.getEnum<PositionKind>("position", kPositionKinds, out.position, Need::Optional) ||
        !f.getPositiveReal("rope_theta", out.ropeTheta, Need::Optional) ||
        !f.getEnum<RopePairs>("rope_pairs", kRopePairs, out.ropePairs, Need::Optional) ||
        !f.getBool("qkv_bias", out.qkvBias, Need::Optional) ||
        !f.getBool("out_bias", out.outBias, Need::Optional))
      return false;
    if (out.position != PositionKind::Rope)
      for (StringRef key : {"rope_theta", "rope_pairs"})
        if (f.find(key))
          return f.error(f.keyLoc(key), "'attention." + key + "' is only allowed with "
                                                              "position: rope");
    if (out.mask == MaskKind::SlidingWindow)
      return f.getPositive("window", out.window, Need::Required);
    if (f.find("window"))
      return f.error(f.keyLoc("window"),
                     "'attention.window' is only allowed with mask: sliding_window");
    return true;
  }

  bool readNorm(const YamlValue &node, NormSpec &out) {
    Fields &f = norm;
    if (!f.open(node, "norm", {"kind", "eps", "placement", "final"}) ||
        !f.getEnum<NormKind>("kind", kNormKinds, out.kind, Need::Optional) ||
        !f.getPositiveReal("eps", out.eps, Need::Optional) ||
        !f.getEnum<NormPlacement>("placement", kNormPlacements, out.placement, Need::Optional))
      return false;
    out.final = out.placement == NormPlacement::Pre;
    return f.getBool("final", out.final, Need::Optional);
  }

  bool readMlp(const YamlValue &node, MlpSpec &out) {
    Fields &f = mlp;
    return f.open(node, "mlp", {"hidden", "activation", "bias"}) &&
           f.getPositive("hidden", out.hidden, Need::Required) &&
           f.getEnum<Activation>("activation", kActivations, out.activation, Need::Optional) &&
           f.getBool("bias", out.bias, Need::Optional);
  }

  bool readSpecialTokens(const YamlValue &node, SpecialTokens &out) {
    Fields &f = special;
    return f.open(node, "special_tokens", {"bos", "eos", "add_bos"}) &&
           f.getTokenId("bos", out.bos, Need::Optional) &&
           f.getTokenId("eos", out.eos, Need::Optional) &&
           f.getBool("add_bos", out.addBos, Need::Optional);
  }

  /// Where the value of `key` ("attention.heads", "dim") is, or its
  /// mapping's when it was left to its default.
  SMLoc locOf(StringRef key) {
    auto [section, field] = key.split('.');
    if (field.empty())
      return top.loc(section);
    Fields *fields = section == "attention" ? &attention
                     : section == "norm"    ? &norm
                     : section == "mlp"     ? &mlp
                                            : &special;
    if (!top.find(section))
      return top.loc(section);
    return fields->loc(field);
  }

  bool readWeights(const YamlValue &node, ModelSpec &spec) {
    Fields f(sm);
    if (!f.open(node, "weights", {"format", "path", "seed"}) ||
        !f.getEnum<WeightsFormat>("format", kWeightsFormats, spec.weightsFormat, Need::Required))
      return false;
    if (spec.weightsFormat == WeightsFormat::Random) {
      if (f.find("path"))
        return f.error(f.keyLoc("path"), "'weights.path' is not used with format: random "
                                         "(the weights are generated from 'seed')");
      return f.getUnsigned("seed", spec.randomSeed, Need::Required);
    }
    if (f.find("seed"))
      return f.error(f.keyLoc("seed"), "'weights.seed' is only used with format: random");
    return readPath(f, spec.weights);
  }

  bool readTokenizer(const YamlValue &node, ModelSpec &spec) {
    Fields f(sm);
    return f.open(node, "tokenizer", {"format", "path"}) &&
           f.getEnum<TokenizerFormat>("format", kTokenizerFormats, spec.tokenizerFormat,
                                      Need::Required) &&
           readPath(f, spec.tokenizer);
  }

  bool readPath(Fields &f, FileRef &out) {
    std::string path;
    if (!f.getString("path", path, Need::Required))
      return false;
    out.loc = f.loc("path");
    if (sys::path::is_absolute(path) || directory.empty()) {
      out.path = path;
    } else {
      SmallString<256> resolved(directory);
      sys::path::append(resolved, path);
      out.path = std::string(resolved);
    }
    return true;
  }

  SourceMgr &sm;
  StringRef directory;
  Fields top{sm}, attention{sm}, norm{sm}, mlp{sm}, special{sm};
};

} // namespace

std::optional<SpecProblem> checkSpec(const ModelSpec &spec) {
  const AttentionSpec &a = spec.attention;
  auto problem = [](StringRef key, const Twine &message) {
    return SpecProblem{key.str(), message.str()};
  };
  // A description's reader checks these one by one; a checkpoint's header
  // or metadata may hold anything.
  for (auto [key, value] : {std::pair<StringRef, int64_t>{"vocab_size", spec.vocabSize},
                            {"context_length", spec.contextLength},
                            {"dim", spec.dim},
                            {"layers", spec.layers},
                            {"attention.heads", a.heads},
                            {"attention.kv_heads", a.kvHeads},
                            {"mlp.hidden", spec.mlp.hidden}})
    if (value < 1)
      return problem(key, key + " is " + Twine(value) + ", but must be at least 1");
  if (a.mask == MaskKind::SlidingWindow && a.window < 1)
    return problem("attention.window",
                   "attention.window is " + Twine(a.window) + ", but must be at least 1");
  // Both are used as float32: finite, positive and normal there.
  auto positiveFloat = [](double value) {
    float f = float(value);
    return std::isfinite(f) && f >= std::numeric_limits<float>::min();
  };
  if (!positiveFloat(spec.norm.eps))
    return problem("norm.eps", "norm.eps is " + formatv("{0}", spec.norm.eps) +
                                   ", not a positive number within float32's normal range");
  if (a.position == PositionKind::Rope && !positiveFloat(a.ropeTheta))
    return problem("attention.rope_theta",
                   "attention.rope_theta is " + formatv("{0}", a.ropeTheta) +
                       ", not a positive number within float32's normal range");
  // What the generated executable can index (abi.h): refused here rather
  // than found out when it runs.
  if (spec.vocabSize > ATTN_MAX_VOCAB_SIZE)
    return problem("vocab_size", "vocab_size (" + Twine(spec.vocabSize) + ") is more than " +
                                     Twine(ATTN_MAX_VOCAB_SIZE) +
                                     ", the most the runtime executes (token ids are int32)");
  if (spec.vocabSize < ATTN_MIN_VOCAB_SIZE)
    return problem("vocab_size", "vocab_size (" + Twine(spec.vocabSize) + ") is less than " +
                                     Twine(ATTN_MIN_VOCAB_SIZE) +
                                     ": the runtime uses token ids 0 (unknown), 1 (BOS) and 2 "
                                     "(EOS)");
  if (spec.contextLength > ATTN_MAX_CONTEXT_LENGTH)
    return problem("context_length",
                   "context_length (" + Twine(spec.contextLength) + ") is more than " +
                       Twine(ATTN_MAX_CONTEXT_LENGTH) +
                       ", the most the runtime executes (it counts context_length + 1 tokens "
                       "in int32)");
  if (spec.dim % a.heads != 0)
    return problem("attention.heads", "attention.heads (" + Twine(a.heads) +
                                          ") does not divide dim (" + Twine(spec.dim) + ")");
  if (a.kvHeads > a.heads || a.heads % a.kvHeads != 0)
    return problem("attention.kv_heads", "attention.kv_heads (" + Twine(a.kvHeads) +
                                             ") does not divide attention.heads (" +
                                             Twine(a.heads) + ")");
  if (a.position == PositionKind::Rope && spec.headDim() % 2 != 0)
    return problem("attention.heads", "head_dim = dim / heads = " + Twine(spec.headDim()) +
                                          " is odd, but rope rotates pairs of elements");
  if (a.position == PositionKind::Sinusoidal && spec.dim % 2 != 0)
    return problem("dim", "dim (" + Twine(spec.dim) +
                              ") is odd, but sinusoidal positions come in sin/cos pairs");
  if (spec.layers > kMaxLayers)
    return problem("layers",
                   "layers (" + Twine(spec.layers) + ") is more than " + Twine(kMaxLayers));
  double parameters = parameterCount(spec);
  if (parameters > kMaxParameters)
    return problem("dim", "these sizes make " + formatv("{0:E2}", parameters) +
                              " parameters; at most 2^33 are supported");
  for (auto [key, id] : {std::pair<StringRef, int64_t>{"special_tokens.bos", spec.tokens.bos},
                         {"special_tokens.eos", spec.tokens.eos}})
    if (id >= spec.vocabSize)
      return problem(key, key + " (" + Twine(id) + ") is not a token id: vocab_size is " +
                              Twine(spec.vocabSize));
  if (spec.tokens.addBos && spec.tokens.bos < 0)
    return problem("special_tokens.add_bos",
                   "special_tokens.add_bos is true, but there is no bos token (-1)");
  return std::nullopt;
}

namespace {

/// Records where every key of `node` (and of the mappings in it) is written.
void recordKeys(const YamlValue &node, const std::string &prefix, SourceMgr &sm,
                       unsigned bufferId, SpecOrigin &origin) {
  for (const YamlValue::Entry &entry : node.entries) {
    std::string key = prefix.empty() ? entry.key : prefix + "." + entry.key;
    auto [line, column] = sm.getLineAndColumn(entry.keyLoc, bufferId);
    origin.keys[key] = {line, column};
    if (entry.value && entry.value->kind == YamlValue::Kind::Mapping)
      recordKeys(*entry.value, key, sm, bufferId, origin);
  }
}

} // namespace

std::optional<ModelSpec> parseDescription(SourceMgr &sm, unsigned bufferId) {
  std::unique_ptr<YamlValue> root = readYamlDocument(sm, bufferId);
  if (!root)
    return std::nullopt;
  StringRef file = sm.getMemoryBuffer(bufferId)->getBufferIdentifier();
  ModelSpec spec;
  DescriptionReader reader(sm, sys::path::parent_path(file));
  if (!reader.read(*root, spec))
    return std::nullopt;
  spec.origin.file = file.str();
  recordKeys(*root, "", sm, bufferId, spec.origin);
  return spec;
}

std::optional<ModelSpec> parseDescriptionFile(StringRef path, SourceMgr &sm) {
  InputFileOptions options;
  options.maxBytes = kMaxDescriptionBytes;
  options.nullTerminated = true; // SourceMgr's buffers are
  std::unique_ptr<MemoryBuffer> file = readInputFile(path, "description", SMLoc(), sm, options);
  if (!file)
    return std::nullopt;
  unsigned id = sm.AddNewSourceBuffer(std::move(file), SMLoc());
  return parseDescription(sm, id);
}

StringRef stringify(MaskKind kind) { return nameOf<MaskKind>(kMaskKinds, kind); }
StringRef stringify(PositionKind kind) { return nameOf<PositionKind>(kPositionKinds, kind); }
StringRef stringify(RopePairs pairs) { return nameOf<RopePairs>(kRopePairs, pairs); }
StringRef stringify(NormKind kind) { return nameOf<NormKind>(kNormKinds, kind); }
StringRef stringify(NormPlacement p) { return nameOf<NormPlacement>(kNormPlacements, p); }
StringRef stringify(Activation a) { return nameOf<Activation>(kActivations, a); }
StringRef stringify(WeightsFormat f) { return nameOf<WeightsFormat>(kWeightsFormats, f); }
StringRef stringify(TokenizerFormat f) { return nameOf<TokenizerFormat>(kTokenizerFormats, f); }

} // namespace attnc
