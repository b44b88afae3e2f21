//===- HuggingFace.cpp - Hugging Face checkpoint directories --------------===//
//
// config.json is read field by field with the defaults of transformers'
// LlamaConfig, MistralConfig and GPT2Config (a key the config leaves out
// means what transformers would make of it), then bounded the way a
// description is (Description.cpp). The tensors are found by their Hugging
// Face names, checked against the shapes the config implies, converted to
// float32 once each (F32 tensors at a 4-byte aligned offset are used in
// place, in the mapping) and renamed, transposed or split into the
// canonical tensors.
//
//===----------------------------------------------------------------------===//
#include "compiler/Frontend/HuggingFace.h"

#include "compiler/Frontend/Diagnostics.h"
#include "compiler/Frontend/InputFile.h"
#include "compiler/Frontend/Json.h"
#include "compiler/Frontend/Safetensors.h"
#include "runtime/include/attnrt/abi.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Path.h"
#include <cstring>

using namespace llvm;

namespace attnc {

namespace {

/// The bounds a description has (Description.cpp): beyond 2^33 parameters
/// the sizes are surely wrong, and every later int64 product stays exact.
constexpr double kMaxParameters = double(int64_t(1) << 33);
constexpr int64_t kMaxLayers = 65536;
constexpr int64_t kMaxSize = int64_t(1) << 33;

std::string shapeText(ArrayRef<int64_t> shape) {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + "]";
}

/// A special token id: absent means `fallback`, null means none (-1), and a
/// list (Llama 3 lists several EOS ids) means its first entry.
bool readTokenId(const JsonObjectReader &c, StringRef key, int64_t fallback, int64_t &out) {
  const json::Value *value = c.get().get(key);
  out = fallback;
  if (!value)
    return true;
  if (value->kind() == json::Value::Null) {
    out = -1;
    return true;
  }
  if (const json::Array *list = value->getAsArray()) {
    std::optional<int64_t> first = list->empty() ? std::nullopt : (*list)[0].getAsInteger();
    if (!first || *first < 0)
      return c.failKey(key, "a token id or a list of them");
    out = *first;
    return true;
  }
  return c.getInt(key, out, Need::Required, 0);
}

bool getPositiveReal(const JsonObjectReader &c, StringRef key, double &out) {
  if (!c.getNumber(key, out, Need::Optional))
    return false;
  return out > 0 ? true : c.failKey(key, "a positive number");
}

bool readLlama(const JsonObjectReader &c, HfArchitecture arch, ModelSpec &spec) {
  AttentionSpec &a = spec.attention;
  if (!c.getPositiveInt("hidden_size", spec.dim, Need::Required, kMaxSize) ||
      !c.getPositiveInt("intermediate_size", spec.mlp.hidden, Need::Required, kMaxSize) ||
      !c.getPositiveInt("num_hidden_layers", spec.layers, Need::Required, kMaxLayers) ||
      !c.getPositiveInt("num_attention_heads", a.heads, Need::Required, kMaxSize) ||
      !c.getPositiveInt("max_position_embeddings", spec.contextLength, Need::Required,
                        ATTN_MAX_CONTEXT_LENGTH) ||
      !c.getPositiveInt("vocab_size", spec.vocabSize, Need::Required, ATTN_MAX_VOCAB_SIZE))
    return false;
  a.kvHeads = a.heads;
  if (!c.getPositiveInt("num_key_value_heads", a.kvHeads, Need::Optional, kMaxSize))
    return false;
  if (spec.dim % a.heads != 0)
    return c.failKey("num_attention_heads",
                     "a divisor of hidden_size (" + Twine(spec.dim) + ")");
  if (a.heads % a.kvHeads != 0)
    return c.failKey("num_key_value_heads",
                     "a divisor of num_attention_heads (" + Twine(a.heads) + ")");
  int64_t headDim = spec.dim / a.heads;
  if (c.has("head_dim")) {
    int64_t given = 0;
    if (!c.getPositiveInt("head_dim", given))
      return false;
    if (given != headDim)
      return c.failKey("head_dim", "hidden_size / num_attention_heads = " + Twine(headDim) +
                                       " (attnc has no separate head_dim)");
  }
  if (headDim % 2 != 0)
    return c.failKey("num_attention_heads", "such that head_dim = hidden_size / "
                                            "num_attention_heads is even (RoPE rotates pairs), "
                                            "but head_dim is " +
                                                Twine(headDim));
  if (c.has("rope_scaling"))
    return c.failKey("rope_scaling",
                     "null: scaled RoPE (linear, dynamic, llama3, yarn...) is not supported");
  std::string act = "silu";
  if (!c.getString("hidden_act", act, Need::Optional))
    return false;
  if (act != "silu")
    return c.failKey("hidden_act", "\"silu\" (a Llama MLP is SwiGLU)");
  a.ropeTheta = 10000.0;
  spec.norm.eps = 1e-6;
  spec.tieEmbeddings = false;
  bool attentionBias = false, mlpBias = false;
  if (!getPositiveReal(c, "rope_theta", a.ropeTheta) ||
      !getPositiveReal(c, "rms_norm_eps", spec.norm.eps) ||
      !c.getBool("tie_word_embeddings", spec.tieEmbeddings, Need::Optional) ||
      !c.getBool("attention_bias", attentionBias, Need::Optional) ||
      !c.getBool("mlp_bias", mlpBias, Need::Optional))
    return false;
  a.mask = MaskKind::Causal;
  if (arch == HfArchitecture::Mistral && c.has("sliding_window")) {
    if (!c.getPositiveInt("sliding_window", a.window, Need::Required,
                          ATTN_MAX_CONTEXT_LENGTH))
      return false;
    a.mask = MaskKind::SlidingWindow;
  }
  a.position = PositionKind::Rope;
  a.ropePairs = RopePairs::Halves;
  a.qkvBias = a.outBias = attentionBias;
  spec.norm.kind = NormKind::Rms;
  spec.norm.placement = NormPlacement::Pre;
  spec.norm.final = true;
  spec.mlp.activation = Activation::SwiGLU;
  spec.mlp.bias = mlpBias;
  spec.tokens.addBos = true;
  return readTokenId(c, "bos_token_id", 1, spec.tokens.bos) &&
         readTokenId(c, "eos_token_id", 2, spec.tokens.eos);
}

bool readGpt2(const JsonObjectReader &c, ModelSpec &spec) {
  AttentionSpec &a = spec.attention;
  if (!c.getPositiveInt("n_embd", spec.dim, Need::Required, kMaxSize) ||
      !c.getPositiveInt("n_layer", spec.layers, Need::Required, kMaxLayers) ||
      !c.getPositiveInt("n_head", a.heads, Need::Required, kMaxSize) ||
      !c.getPositiveInt("n_positions", spec.contextLength, Need::Required,
                        ATTN_MAX_CONTEXT_LENGTH) ||
      !c.getPositiveInt("vocab_size", spec.vocabSize, Need::Required, ATTN_MAX_VOCAB_SIZE))
    return false;
  spec.mlp.hidden = 4 * spec.dim;
  if (!c.getPositiveInt("n_inner", spec.mlp.hidden, Need::Optional, kMaxSize))
    return false;
  if (spec.dim % a.heads != 0)
    return c.failKey("n_head", "a divisor of n_embd (" + Twine(spec.dim) + ")");
  std::string act = "gelu_new";
  if (!c.getString("activation_function", act, Need::Optional))
    return false;
  if (act == "gelu_new" || act == "gelu_pytorch_tanh")
    spec.mlp.activation = Activation::GeluTanh;
  else if (act == "gelu")
    spec.mlp.activation = Activation::Gelu;
  else if (act == "relu")
    spec.mlp.activation = Activation::Relu;
  else
    return c.failKey("activation_function", "\"gelu_new\", \"gelu_pytorch_tanh\", \"gelu\" or "
                                            "\"relu\"");
  // Options that change what GPT-2 computes and are not modelled here.
  bool scaled = true, byLayer = false, cross = false;
  if (!c.getBool("scale_attn_weights", scaled, Need::Optional) ||
      !c.getBool("scale_attn_by_inverse_layer_idx", byLayer, Need::Optional) ||
      !c.getBool("add_cross_attention", cross, Need::Optional))
    return false;
  if (!scaled)
    return c.failKey("scale_attn_weights", "true (attention is always scaled by 1/sqrt(head_dim))");
  if (byLayer)
    return c.failKey("scale_attn_by_inverse_layer_idx", "false");
  if (cross)
    return c.failKey("add_cross_attention", "false (a decoder-only model)");
  spec.norm.eps = 1e-5;
  spec.tieEmbeddings = true;
  if (!getPositiveReal(c, "layer_norm_epsilon", spec.norm.eps) ||
      !c.getBool("tie_word_embeddings", spec.tieEmbeddings, Need::Optional))
    return false;
  a.kvHeads = a.heads;
  a.mask = MaskKind::Causal;
  a.position = PositionKind::Learned;
  a.qkvBias = a.outBias = true;
  spec.norm.kind = NormKind::Layer;
  spec.norm.placement = NormPlacement::Pre;
  spec.norm.final = true;
  spec.mlp.bias = true;
  spec.tokens.addBos = false;
  return readTokenId(c, "bos_token_id", 50256, spec.tokens.bos) &&
         readTokenId(c, "eos_token_id", 50256, spec.tokens.eos);
}

/// Parameters of `spec` (the families read here), in double: no overflow.
double countParameters(const ModelSpec &spec) {
  double d = spec.dim, f = spec.mlp.hidden, v = spec.vocabSize;
  double q = spec.dim, kv = double(spec.attention.kvHeads) * (spec.dim / spec.attention.heads);
  bool layer = spec.norm.kind == NormKind::Layer;
  double perLayer = 2 * d * (layer ? 2 : 1) + d * q * 2 + 2 * d * kv +
                    (spec.attention.qkvBias ? q + 2 * kv : 0) + (spec.attention.outBias ? d : 0) +
                    (spec.mlp.gated() ? 3 : 2) * d * f +
                    (spec.mlp.bias ? (spec.mlp.gated() ? 2 : 1) * f + d : 0);
  double total = v * d + double(spec.layers) * perLayer + d * (layer ? 2 : 1);
  if (spec.attention.position == PositionKind::Learned)
    total += double(spec.contextLength) * d;
  if (!spec.tieEmbeddings)
    total += v * d;
  return total;
}

/// Finds, converts and renames the tensors of one checkpoint.
class TensorImporter {
public:
  TensorImporter(const SafetensorsCheckpoint &ckpt, StringRef dir, SMLoc loc, SourceMgr &sm,
                 ModelWeights &out)
      : ckpt(ckpt), dir(dir), loc(loc), sm(sm), out(out) {}

  bool has(StringRef hf) const { return ckpt.lookup(hf, nullptr) != nullptr; }

  /// The float32 values of `hf`, which must have `shape`; null after an error.
  const float *get(StringRef hf, ArrayRef<int64_t> shape) {
    const SafetensorsFile *file;
    const SafetensorsTensor *t = ckpt.lookup(hf, &file);
    if (!t) {
      reportError(sm, loc, "'" + dir + "': tensor '" + hf + "' (shape " + shapeText(shape) +
                               ") is not in the checkpoint");
      return nullptr;
    }
    if (ArrayRef<int64_t>(t->shape) != shape) {
      reportError(sm, loc, file->path + ": tensor '" + hf + "' (header at byte " +
                               Twine(t->headerOffset) + ") has shape " + shapeText(t->shape) +
                               ", but config.json implies " + shapeText(shape));
      return nullptr;
    }
    used.insert(hf);
    auto cached = converted.find(hf);
    if (cached != converted.end())
      return cached->second;
    StringRef bytes = file->bytes(*t);
    const float *data;
    if (t->dtype == SafetensorsDType::F32 && uintptr_t(bytes.data()) % alignof(float) == 0) {
      data = reinterpret_cast<const float *>(bytes.data()); // used in place
    } else {
      std::vector<float> values(size_t(t->numElements()));
      convertToF32(t->dtype, bytes, values);
      data = out.adoptStorage(std::move(values));
    }
    converted[hf] = data;
    // F16 and BF16 widen to f32 exactly: the layout can store them as they were.
    sources[hf] = t->dtype == SafetensorsDType::F16    ? ElementType::F16
                  : t->dtype == SafetensorsDType::BF16 ? ElementType::BF16
                                                       : ElementType::F32;
    return data;
  }

  /// `hf` as stored, as `name`.
  bool copy(StringRef hf, StringRef name, ArrayRef<int64_t> shape) {
    const float *data = get(hf, shape);
    if (data)
      out.add(name, shape, data, sources.lookup(hf));
    return data != nullptr;
  }

  /// Columns [begin, begin + count) of `hf` (rows, cols), transposed: a
  /// (count, rows) matrix `name`. Conv1D weights are stored (in, out).
  bool transposed(StringRef hf, int64_t rows, int64_t cols, int64_t begin, int64_t count,
                  StringRef name) {
    const float *data = get(hf, {rows, cols});
    if (!data)
      return false;
    std::vector<float> result(size_t(count * rows));
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < count; ++c)
        result[size_t(c * rows + r)] = data[r * cols + begin + c];
    out.add(name, {count, rows}, out.adoptStorage(std::move(result)), sources.lookup(hf));
    return true;
  }

  /// Elements [begin, begin + count) of the vector `hf` (size n), as `name`.
  bool slice(StringRef hf, int64_t n, int64_t begin, int64_t count, StringRef name) {
    const float *data = get(hf, {n});
    if (data)
      out.add(name, {count}, data + begin, sources.lookup(hf));
    return data != nullptr;
  }

  /// Refuses every tensor not used, except the buffers `skip` accepts.
  bool checkAllUsed(function_ref<bool(StringRef)> skip, StringRef arch) {
    std::vector<StringRef> names;
    for (const auto &entry : ckpt.tensors)
      names.push_back(entry.first());
    llvm::sort(names);
    for (StringRef name : names) {
      if (used.contains(name) || skip(name))
        continue;
      const SafetensorsFile *file;
      const SafetensorsTensor *t = ckpt.lookup(name, &file);
      return reportError(sm, loc, file->path + ": unexpected tensor '" + name +
                                      "' (header at byte " + Twine(t->headerOffset) +
                                      "): not part of a " + arch + " with this config.json");
    }
    return true;
  }

private:
  const SafetensorsCheckpoint &ckpt;
  StringRef dir;
  SMLoc loc;
  SourceMgr &sm;
  ModelWeights &out;
  StringSet<> used;
  StringMap<const float *> converted;
  StringMap<ElementType> sources; // the stored type of each tensor read, by HF name
};

bool importLlama(TensorImporter &t, ModelSpec &spec, StringRef dir, SMLoc loc, SourceMgr &sm) {
  int64_t d = spec.dim, f = spec.mlp.hidden, v = spec.vocabSize;
  int64_t q = spec.attention.heads * spec.headDim(), kv = spec.kvDim();
  bool qkvBias = spec.attention.qkvBias, outBias = spec.attention.outBias,
       mlpBias = spec.mlp.bias;
  if (!t.copy("model.embed_tokens.weight", "tok_embeddings", {v, d}))
    return false;
  for (int64_t l = 0; l < spec.layers; ++l) {
    std::string hf = "model.layers." + std::to_string(l) + ".";
    std::string c = "layers." + std::to_string(l) + ".";
    if (!t.copy(hf + "input_layernorm.weight", c + "attention_norm", {d}) ||
        !t.copy(hf + "self_attn.q_proj.weight", c + "wq", {q, d}) ||
        !t.copy(hf + "self_attn.k_proj.weight", c + "wk", {kv, d}) ||
        !t.copy(hf + "self_attn.v_proj.weight", c + "wv", {kv, d}) ||
        !t.copy(hf + "self_attn.o_proj.weight", c + "wo", {d, q}) ||
        (qkvBias && (!t.copy(hf + "self_attn.q_proj.bias", c + "bq", {q}) ||
                     !t.copy(hf + "self_attn.k_proj.bias", c + "bk", {kv}) ||
                     !t.copy(hf + "self_attn.v_proj.bias", c + "bv", {kv}))) ||
        (outBias && !t.copy(hf + "self_attn.o_proj.bias", c + "bo", {d})) ||
        !t.copy(hf + "post_attention_layernorm.weight", c + "ffn_norm", {d}) ||
        !t.copy(hf + "mlp.gate_proj.weight", c + "w1", {f, d}) ||
        !t.copy(hf + "mlp.up_proj.weight", c + "w3", {f, d}) ||
        !t.copy(hf + "mlp.down_proj.weight", c + "w2", {d, f}) ||
        (mlpBias && (!t.copy(hf + "mlp.gate_proj.bias", c + "b1", {f}) ||
                     !t.copy(hf + "mlp.up_proj.bias", c + "b3", {f}) ||
                     !t.copy(hf + "mlp.down_proj.bias", c + "b2", {d}))))
      return false;
  }
  if (!t.copy("model.norm.weight", "norm", {d}))
    return false;
  if (!spec.tieEmbeddings) {
    if (!t.copy("lm_head.weight", "output", {v, d}))
      return false;
  } else if (t.has("lm_head.weight")) {
    // A tied checkpoint may still store the classifier; it must be the embedding.
    const float *head = t.get("lm_head.weight", {v, d});
    const float *embeddings = t.get("model.embed_tokens.weight", {v, d});
    if (!head)
      return false;
    if (std::memcmp(head, embeddings, size_t(v * d) * sizeof(float)) != 0)
      return reportError(sm, loc, "'" + dir + "': config.json has tie_word_embeddings true, "
                                              "but 'lm_head.weight' differs from "
                                              "'model.embed_tokens.weight'");
  }
  return t.checkAllUsed(
      [](StringRef name) { return name.ends_with(".rotary_emb.inv_freq"); },
      spec.attention.mask == MaskKind::SlidingWindow ? "MistralForCausalLM" : "LlamaForCausalLM");
}

bool importGpt2(TensorImporter &t, ModelSpec &spec) {
  int64_t d = spec.dim, f = spec.mlp.hidden, v = spec.vocabSize, s = spec.contextLength;
  std::string p = t.has("transformer.wte.weight") ? "transformer." : "";
  if (!t.copy(p + "wte.weight", "tok_embeddings", {v, d}) ||
      !t.copy(p + "wpe.weight", "pos_embeddings", {s, d}))
    return false;
  for (int64_t l = 0; l < spec.layers; ++l) {
    std::string hf = p + "h." + std::to_string(l) + ".";
    std::string c = "layers." + std::to_string(l) + ".";
    // c_attn is (D, 3D) = [q | k | v] by columns; its transpose stacks wq, wk, wv by rows.
    if (!t.copy(hf + "ln_1.weight", c + "attention_norm", {d}) ||
        !t.copy(hf + "ln_1.bias", c + "attention_norm_bias", {d}) ||
        !t.transposed(hf + "attn.c_attn.weight", d, 3 * d, 0, d, c + "wq") ||
        !t.transposed(hf + "attn.c_attn.weight", d, 3 * d, d, d, c + "wk") ||
        !t.transposed(hf + "attn.c_attn.weight", d, 3 * d, 2 * d, d, c + "wv") ||
        !t.slice(hf + "attn.c_attn.bias", 3 * d, 0, d, c + "bq") ||
        !t.slice(hf + "attn.c_attn.bias", 3 * d, d, d, c + "bk") ||
        !t.slice(hf + "attn.c_attn.bias", 3 * d, 2 * d, d, c + "bv") ||
        !t.transposed(hf + "attn.c_proj.weight", d, d, 0, d, c + "wo") ||
        !t.copy(hf + "attn.c_proj.bias", c + "bo", {d}) ||
        !t.copy(hf + "ln_2.weight", c + "ffn_norm", {d}) ||
        !t.copy(hf + "ln_2.bias", c + "ffn_norm_bias", {d}) ||
        !t.transposed(hf + "mlp.c_fc.weight", d, f, 0, f, c + "w1") ||
        !t.copy(hf + "mlp.c_fc.bias", c + "b1", {f}) ||
        !t.transposed(hf + "mlp.c_proj.weight", f, d, 0, d, c + "w2") ||
        !t.copy(hf + "mlp.c_proj.bias", c + "b2", {d}))
      return false;
  }
  if (!t.copy(p + "ln_f.weight", "norm", {d}) || !t.copy(p + "ln_f.bias", "norm_bias", {d}))
    return false;
  if (t.has("lm_head.weight")) {
    // Saved GPT-2 checkpoints drop the tied classifier; one that keeps it
    // different from wte has a classifier of its own.
    const float *head = t.get("lm_head.weight", {v, d});
    const float *embeddings = t.get(p + "wte.weight", {v, d});
    if (!head)
      return false;
    spec.tieEmbeddings = std::memcmp(head, embeddings, size_t(v * d) * sizeof(float)) == 0;
    if (!spec.tieEmbeddings)
      if (!t.copy("lm_head.weight", "output", {v, d}))
        return false;
  } else if (!spec.tieEmbeddings && !t.copy("lm_head.weight", "output", {v, d})) {
    return false;
  }
  return t.checkAllUsed(
      [](StringRef name) {
        return name.ends_with(".attn.bias") || name.ends_with(".attn.masked_bias");
      },
      "GPT2LMHeadModel");
}

} // namespace

bool parseHuggingFaceConfig(StringRef text, StringRef path, SMLoc loc, SourceMgr &sm,
                            ModelSpec &spec, HfArchitecture &arch) {
  JsonSource source{path.str(), loc, &sm};
  std::optional<json::Value> root = parseJson(text, source);
  if (!root)
    return false;
  const json::Object *object = root->getAsObject();
  if (!object)
    return source.fail("is not a JSON object");
  JsonObjectReader c(*object, source);
  const json::Array *architectures;
  if (!c.getArray("architectures", architectures))
    return false;
  std::optional<StringRef> name;
  if (!architectures->empty())
    name = (*architectures)[0].getAsString();
  if (!name)
    return c.failKey("architectures", "a list naming the model class, e.g. [\"LlamaForCausalLM\"]");
  if (*name == "LlamaForCausalLM")
    arch = HfArchitecture::Llama;
  else if (*name == "MistralForCausalLM")
    arch = HfArchitecture::Mistral;
  else if (*name == "GPT2LMHeadModel")
    arch = HfArchitecture::Gpt2;
  else
    return source.fail("architecture '" + *name +
                       "' is not supported (attnc reads LlamaForCausalLM, MistralForCausalLM "
                       "and GPT2LMHeadModel)");
  if (!(arch == HfArchitecture::Gpt2 ? readGpt2(c, spec) : readLlama(c, arch, spec)))
    return false;

  if (spec.vocabSize < ATTN_MIN_VOCAB_SIZE)
    return c.failKey("vocab_size", "at least " + Twine(ATTN_MIN_VOCAB_SIZE));
  for (auto [key, id] : {std::pair<const char *, int64_t>{"bos_token_id", spec.tokens.bos},
                         {"eos_token_id", spec.tokens.eos}})
    if (id >= spec.vocabSize)
      return c.failKey(key, "a token id below vocab_size (" + Twine(spec.vocabSize) + ")");
  double parameters = countParameters(spec);
  if (parameters > kMaxParameters)
    return source.fail("these sizes make " + formatv("{0:E2}", parameters).str() +
                       " parameters; at most 2^33 are supported");
  return true;
}

bool importHuggingFace(StringRef dir, SMLoc loc, SourceMgr &sm, ModelSpec &spec,
                       ModelWeights *weights) {
  SmallString<256> configPath(dir), tokenizerPath(dir);
  sys::path::append(configPath, "config.json");
  sys::path::append(tokenizerPath, "tokenizer.json");
  if (!sys::fs::is_directory(dir))
    return reportError(sm, loc, "'" + dir + "' is not a directory (a Hugging Face checkpoint "
                                            "is a directory with config.json)");
  InputFileOptions options;
  options.maxBytes = kMaxHfConfigBytes;
  std::unique_ptr<MemoryBuffer> config = readInputFile(configPath, "config", loc, sm, options);
  if (!config)
    return false;
  HfArchitecture arch;
  if (!parseHuggingFaceConfig(config->getBuffer(), configPath, loc, sm, spec, arch))
    return false;

  // The model is named after its directory ("." is named after what it is).
  SmallString<256> real(dir);
  sys::fs::real_path(dir, real);
  spec.name = sys::path::filename(real).str();
  if (spec.name.empty() || spec.name == "/")
    spec.name = "model";
  spec.weights = FileRef{dir.str(), loc};
  spec.weightsFormat = WeightsFormat::HuggingFace;
  spec.randomSeed = 0;
  spec.tokenizer = FileRef{};
  if (sys::fs::exists(tokenizerPath)) {
    spec.tokenizer = FileRef{tokenizerPath.str().str(), loc};
    spec.tokenizerFormat = TokenizerFormat::HuggingFace;
  }
  if (!weights)
    return true;

  SafetensorsCheckpoint ckpt;
  // The weights point into the mappings; they live as long as `weights`.
  auto keepMappings = make_scope_exit([&] {
    for (SafetensorsFile &file : ckpt.files)
      if (file.buffer)
        weights->adoptBuffer(std::move(file.buffer));
  });
  if (!readSafetensorsDir(dir, loc, sm, ckpt))
    return false;
  TensorImporter importer(ckpt, dir, loc, sm, *weights);
  if (!(arch == HfArchitecture::Gpt2 ? importGpt2(importer, spec)
                                     : importLlama(importer, spec, dir, loc, sm)))
    return false;
  if (spec.tieEmbeddings) {
    const WeightTensor *embeddings = weights->lookup("tok_embeddings");
    weights->add("output", embeddings->shape, embeddings->data, embeddings->source);
  }
  return true;
}

} // namespace attnc
