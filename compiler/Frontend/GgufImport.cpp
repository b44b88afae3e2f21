//===- GgufImport.cpp - A GGUF model as attnc's ModelSpec and weights -----===//
//
// The sizes come from the architecture's keys; the vocabulary from the rows
// of token_embd (llama.cpp does the same; the tokenizer's token list, when
// present, must agree). From the spec, the list of tensors the architecture
// has is made with their expected row-major shapes (GGUF stores ne fastest
// first: a linear layer's ne is (in, out), i.e. torch's (out, in)), and the
// file's tensor table must be exactly that list. Loading is then a matter of
// pointing at or converting each tensor; gpt2's fused qkv rows are split by
// pointing into the one tensor.
//
//===----------------------------------------------------------------------===//
#include "compiler/Frontend/GgufImport.h"

#include "compiler/Frontend/Diagnostics.h"
#include "compiler/Frontend/Gguf.h"
#include "runtime/include/attnrt/abi.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/Path.h"
#include <cmath>

using namespace llvm;

namespace attnc {

namespace {

/// Sizes above this are refused (the description's limits, abi.h): it keeps
/// every product of two sizes exact in int64.
constexpr int64_t kMaxSize = INT32_MAX;
constexpr int64_t kMaxLayers = 65536;

std::string shapeText(ArrayRef<int64_t> shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

/// A stretch of rows of a file tensor that is one canonical tensor.
struct Part {
  std::string canonical;
  int64_t firstRow = 0; // rows of the file tensor's outermost dimension
  SmallVector<int64_t, 2> shape;
};

/// A tensor the architecture has: its GGUF name and shape, and what it is.
struct Wanted {
  std::string name;
  SmallVector<int64_t, 2> shape;
  std::vector<Part> parts;
  bool optional = false;
  const GgufTensor *found = nullptr;
};

class Importer {
public:
  Importer(GgufFile &file, StringRef path, SMLoc loc, SourceMgr &sm, ModelSpec &spec)
      : f(file), path(path), loc(loc), sm(sm), spec(spec) {}

  bool run(ModelWeights *weights) {
    return readArchitecture() && readSizes() && readTokens() && matchTensors() &&
           (!weights || load(*weights));
  }

private:
  GgufFile &f;
  StringRef path;
  SMLoc loc;
  SourceMgr &sm;
  ModelSpec &spec;
  std::string arch;
  std::vector<Wanted> wanted;
  /// listWanted stops at this many entries (see matchTensors).
  size_t wantedLimit = 0;
  bool truncated = false;

  bool fail(Error e) { return reportError(sm, loc, toString(std::move(e))); }
  bool fail(const Twine &msg) { return reportError(sm, loc, f.name() + ": " + msg); }

  std::string key(StringRef suffix) const { return arch + "." + suffix.str(); }

  /// A size key: a positive integer no larger than `max`.
  bool readSize(StringRef name, int64_t &out, int64_t max = kMaxSize) {
    Expected<uint64_t> v = f.getUInt(name);
    if (!v)
      return fail(v.takeError());
    if (*v == 0 || *v > uint64_t(max))
      return fail("metadata key '" + name + "' (at byte " + Twine(f.lookup(name)->keyOffset) +
                  ") is " + Twine(*v) + ", expected 1 to " + Twine(max));
    out = int64_t(*v);
    return true;
  }
  /// A positive finite float key.
  bool readPositive(StringRef name, double &out) {
    Expected<double> v = f.getDouble(name);
    if (!v)
      return fail(v.takeError());
    if (!(*v > 0) || !std::isfinite(*v))
      return fail("metadata key '" + name + "' (at byte " + Twine(f.lookup(name)->keyOffset) +
                  ") is " + std::to_string(*v) + ", expected a positive number");
    out = *v;
    return true;
  }

  bool readArchitecture() {
    Expected<StringRef> a = f.getString("general.architecture");
    if (!a)
      return fail(a.takeError());
    if (*a != "llama" && *a != "gpt2")
      return fail("general.architecture '" + *a + "' is not supported (supported: llama, gpt2)");
    arch = a->str();
    if (f.lookup("general.name")) {
      Expected<StringRef> name = f.getString("general.name");
      if (!name)
        return fail(name.takeError());
      spec.name = name->str();
    } else {
      spec.name = sys::path::stem(path).str();
    }
    return true;
  }

  bool readSizes() {
    AttentionSpec &a = spec.attention;
    if (!readSize(key("context_length"), spec.contextLength, ATTN_MAX_CONTEXT_LENGTH) ||
        !readSize(key("embedding_length"), spec.dim) ||
        !readSize(key("block_count"), spec.layers, kMaxLayers) ||
        !readSize(key("feed_forward_length"), spec.mlp.hidden) ||
        !readSize(key("attention.head_count"), a.heads))
      return false;
    a.kvHeads = a.heads;
    if (spec.dim % a.heads != 0)
      return fail(key("attention.head_count") + " (" + Twine(a.heads) +
                  ") does not divide " + key("embedding_length") + " (" + Twine(spec.dim) + ")");
    a.mask = MaskKind::Causal;
    if (arch == "llama") {
      if (f.lookup(key("attention.head_count_kv")) &&
          !readSize(key("attention.head_count_kv"), a.kvHeads))
        return false;
      if (a.heads % a.kvHeads != 0)
        return fail(key("attention.head_count_kv") + " (" + Twine(a.kvHeads) +
                    ") does not divide " + key("attention.head_count") + " (" +
                    Twine(a.heads) + ")");
      a.position = PositionKind::Rope;
      a.ropePairs = RopePairs::Adjacent;
      a.ropeTheta = 10000.0;
      if (f.lookup(key("rope.freq_base")) && !readPositive(key("rope.freq_base"), a.ropeTheta))
        return false;
      if (spec.headDim() % 2 != 0)
        return fail("head_dim = " + key("embedding_length") + " / " +
                    key("attention.head_count") + " = " + Twine(spec.headDim()) +
                    " is odd, but rope rotates pairs of elements");
      if (f.lookup(key("rope.dimension_count"))) {
        int64_t ropeDims;
        if (!readSize(key("rope.dimension_count"), ropeDims))
          return false;
        if (ropeDims != spec.headDim())
          return fail(key("rope.dimension_count") + " is " + Twine(ropeDims) +
                      ", but attnc rotates whole heads (head_dim " + Twine(spec.headDim()) +
                      ")");
      }
      a.qkvBias = a.outBias = false;
      spec.norm = {NormKind::Rms, 1e-5, NormPlacement::Pre, true};
      if (!readPositive(key("attention.layer_norm_rms_epsilon"), spec.norm.eps))
        return false;
      spec.mlp.activation = Activation::SwiGLU;
      spec.mlp.bias = false;
    } else {
      a.position = PositionKind::Learned;
      a.qkvBias = a.outBias = true;
      spec.norm = {NormKind::Layer, 1e-5, NormPlacement::Pre, true};
      if (!readPositive(key("attention.layer_norm_epsilon"), spec.norm.eps))
        return false;
      spec.mlp.activation = Activation::GeluTanh;
      spec.mlp.bias = true;
    }
    return true;
  }

  /// The vocabulary (token_embd's rows) and the special tokens.
  bool readTokens() {
    const GgufTensor *embedding = f.findTensor("token_embd.weight");
    if (!embedding)
      return fail("tensor 'token_embd.weight' is missing");
    if (embedding->nDims != 2)
      return fail("tensor 'token_embd.weight' (info at byte " + Twine(embedding->infoOffset) +
                  ") has shape " + shapeText(embedding->shape()) + ", expected [vocab, " +
                  Twine(spec.dim) + "]");
    spec.vocabSize = int64_t(embedding->ne[1]);
    if (spec.vocabSize < ATTN_MIN_VOCAB_SIZE || spec.vocabSize > ATTN_MAX_VOCAB_SIZE)
      return fail("tensor 'token_embd.weight' (info at byte " + Twine(embedding->infoOffset) +
                  ") has " + Twine(spec.vocabSize) + " rows (the vocabulary), expected " +
                  Twine(ATTN_MIN_VOCAB_SIZE) + " to " + Twine(ATTN_MAX_VOCAB_SIZE));
    if (f.lookup("tokenizer.ggml.tokens")) {
      Expected<uint64_t> n = f.getArrayLength("tokenizer.ggml.tokens");
      if (!n)
        return fail(n.takeError());
      if (*n != uint64_t(spec.vocabSize))
        return fail("tokenizer.ggml.tokens has " + Twine(*n) +
                    " tokens, but token_embd.weight has " + Twine(spec.vocabSize) + " rows");
    }
    auto tokenId = [&](StringRef name, int64_t &out) {
      out = -1;
      if (!f.lookup(name))
        return true;
      Expected<uint64_t> v = f.getUInt(name);
      if (!v)
        return fail(v.takeError());
      if (*v >= uint64_t(spec.vocabSize))
        return fail("metadata key '" + name + "' (at byte " + Twine(f.lookup(name)->keyOffset) +
                    ") is " + Twine(*v) + ", not a token of the vocabulary (" +
                    Twine(spec.vocabSize) + " tokens)");
      out = int64_t(*v);
      return true;
    };
    if (!tokenId("tokenizer.ggml.bos_token_id", spec.tokens.bos) ||
        !tokenId("tokenizer.ggml.eos_token_id", spec.tokens.eos))
      return false;
    spec.tokens.addBos = arch == "llama";
    if (f.lookup("tokenizer.ggml.add_bos_token")) {
      Expected<bool> v = f.getBool("tokenizer.ggml.add_bos_token");
      if (!v)
        return fail(v.takeError());
      spec.tokens.addBos = *v;
    }
    if (spec.tokens.bos < 0)
      spec.tokens.addBos = false;
    return true;
  }

  void want(std::string name, SmallVector<int64_t, 2> shape, std::string canonical,
            bool optional = false) {
    if (wanted.size() >= wantedLimit) {
      truncated = true;
      return;
    }
    Wanted w{std::move(name), shape, {}, optional};
    w.parts.push_back({std::move(canonical), 0, shape});
    wanted.push_back(std::move(w));
  }

  void listWanted() {
    const int64_t d = spec.dim, v = spec.vocabSize, ff = spec.mlp.hidden;
    const int64_t q = spec.attention.heads * spec.headDim(), kv = spec.kvDim();
    want("token_embd.weight", {v, d}, "tok_embeddings");
    bool gpt2 = arch == "gpt2";
    if (gpt2)
      want("position_embd.weight", {spec.contextLength, d}, "pos_embeddings");
    for (int64_t l = 0; l < spec.layers && !truncated; ++l) {
      std::string blk = "blk." + std::to_string(l) + ".";
      std::string layer = "layers." + std::to_string(l) + ".";
      want(blk + "attn_norm.weight", {d}, layer + "attention_norm");
      want(blk + "ffn_norm.weight", {d}, layer + "ffn_norm");
      want(blk + "attn_output.weight", {d, q}, layer + "wo");
      if (!gpt2) {
        want(blk + "attn_q.weight", {q, d}, layer + "wq");
        want(blk + "attn_k.weight", {kv, d}, layer + "wk");
        want(blk + "attn_v.weight", {kv, d}, layer + "wv");
        want(blk + "ffn_gate.weight", {ff, d}, layer + "w1");
        want(blk + "ffn_up.weight", {ff, d}, layer + "w3");
        want(blk + "ffn_down.weight", {d, ff}, layer + "w2");
        continue;
      }
      want(blk + "attn_norm.bias", {d}, layer + "attention_norm_bias");
      want(blk + "ffn_norm.bias", {d}, layer + "ffn_norm_bias");
      want(blk + "attn_output.bias", {d}, layer + "bo");
      // Fused q, k, v rows (gpt2 has as many kv heads as heads).
      if (wanted.size() + 2 > wantedLimit) {
        truncated = true;
        break;
      }
      Wanted w{blk + "attn_qkv.weight", {3 * q, d}, {}, false};
      w.parts = {{layer + "wq", 0, {q, d}}, {layer + "wk", q, {q, d}}, {layer + "wv", 2 * q, {q, d}}};
      wanted.push_back(std::move(w));
      Wanted b{blk + "attn_qkv.bias", {3 * q}, {}, false};
      b.parts = {{layer + "bq", 0, {q}}, {layer + "bk", q, {q}}, {layer + "bv", 2 * q, {q}}};
      wanted.push_back(std::move(b));
      want(blk + "ffn_up.weight", {ff, d}, layer + "w1");
      want(blk + "ffn_up.bias", {ff}, layer + "b1");
      want(blk + "ffn_down.weight", {d, ff}, layer + "w2");
      want(blk + "ffn_down.bias", {d}, layer + "b2");
    }
    want("output_norm.weight", {d}, "norm");
    if (gpt2)
      want("output_norm.bias", {d}, "norm_bias");
    want("output.weight", {v, d}, "output", /*optional=*/true);
  }

  bool matchTensors() {
    // The list is cut short where it would hold more than the file's tensors
    // and two, so that a block_count of 65536 in a small file costs nothing:
    // then at least two of the (distinct, required) entries are not in the
    // file, and the first is reported.
    wantedLimit = f.tensors().size() + 2;
    listWanted();
    if (truncated) {
      for (const Wanted &w : wanted)
        if (!w.optional && !f.findTensor(w.name))
          return fail("tensor '" + w.name + "' is missing (" + arch + ", " +
                      Twine(spec.layers) + " layers)");
      return fail(Twine("the file has ") + Twine(f.tensors().size()) + " tensors, fewer than a " +
                  arch + " model of " + Twine(spec.layers) + " layers has");
    }
    StringMap<size_t> index;
    for (size_t i = 0; i < wanted.size(); ++i)
      index[wanted[i].name] = i;
    for (const GgufTensor &t : f.tensors()) {
      auto it = index.find(t.name);
      if (it == index.end())
        return fail("tensor '" + t.name + "' (info at byte " + Twine(t.infoOffset) +
                    ") is not one of a " + arch + " model's tensors");
      Wanted &w = wanted[it->second];
      SmallVector<int64_t, 4> shape = t.shape();
      if (ArrayRef<int64_t>(shape) != ArrayRef<int64_t>(w.shape))
        return fail("tensor '" + t.name + "' (info at byte " + Twine(t.infoOffset) +
                    ") has shape " + shapeText(shape) + ", expected " + shapeText(w.shape) +
                    " from the metadata");
      w.found = &t;
    }
    for (const Wanted &w : wanted)
      if (!w.found && !w.optional)
        return fail("tensor '" + w.name + "' is missing (" + arch + ", " + Twine(spec.layers) +
                    " layers)");
    spec.tieEmbeddings = !wanted.back().found;
    spec.weights = {path.str(), loc};
    spec.weightsFormat = WeightsFormat::Gguf;
    if (f.lookup("tokenizer.ggml.model")) {
      spec.tokenizer = {path.str(), loc};
      spec.tokenizerFormat = TokenizerFormat::Gguf;
    } else {
      spec.tokenizer = {};
    }
    return true;
  }

  bool load(ModelWeights &weights) {
    for (const Wanted &w : wanted) {
      if (!w.found)
        continue;
      const GgufTensor &t = *w.found;
      const float *data;
      // F32 data is used in place when it is aligned for floats (the data
      // section is, but a tensor offset only needs to be a multiple of the
      // file's alignment, which may be 1).
      if (t.type == GgmlType::F32 && reinterpret_cast<uintptr_t>(t.data) % alignof(float) == 0) {
        data = reinterpret_cast<const float *>(t.data);
      } else {
        data = weights.adoptStorage(f.dequantize(t));
      }
      int64_t rowElements = 1;
      for (size_t i = 1; i < w.shape.size(); ++i)
        rowElements *= w.shape[i];
      // F16 and BF16 widen to f32 exactly: the layout can store them as they
      // were. Q8_0 and Q4_0 are held as d * q and d * (q - 8) (exact),
      // which the layout's quantizer turns back into the same d and q
      // (compiler/Builder/Quantize.h).
      ElementType source = t.type == GgmlType::F16    ? ElementType::F16
                           : t.type == GgmlType::BF16 ? ElementType::BF16
                           : t.type == GgmlType::Q8_0 ? ElementType::Q8_0
                           : t.type == GgmlType::Q4_0 ? ElementType::Q4_0
                                                      : ElementType::F32;
      for (const Part &p : w.parts)
        weights.add(p.canonical, p.shape, data + p.firstRow * rowElements, source);
    }
    if (spec.tieEmbeddings) {
      const WeightTensor *embeddings = weights.lookup("tok_embeddings");
      weights.add("output", {spec.vocabSize, spec.dim}, embeddings->data, embeddings->source);
    }
    weights.adoptBuffer(f.takeBuffer());
    return true;
  }
};

} // namespace

bool importGguf(StringRef path, SMLoc loc, SourceMgr &sm, ModelSpec &spec,
                ModelWeights *weights) {
  std::unique_ptr<GgufFile> file = GgufFile::open(path, loc, sm);
  if (!file)
    return false;
  ModelSpec result;
  Importer importer(*file, path, loc, sm, result);
  if (!importer.run(weights))
    return false;
  spec = std::move(result);
  return true;
}

} // namespace attnc
