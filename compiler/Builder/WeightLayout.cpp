//===- WeightLayout.cpp - Where each weight lives in the blob -------------===//
//
// Plans the blob (offsets aligned to 64 bytes so every tensor starts on a
// cache line and a vector load never splits one) and writes it, packing
// linear weights into (out / B, in, B) blocks and rounding each tensor to
// its slot's element type (round to nearest even; Q8_0 and Q4_0 as GGUF
// quantizes, compiler/Builder/Quantize.h).
//
//===----------------------------------------------------------------------===//
#include "compiler/Builder/WeightLayout.h"

#include "compiler/Builder/Quantize.h"
#include "compiler/Frontend/ArchPlan.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/ErrorHandling.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

#include <cstring>
#include <map>
#include <set>

using namespace attnc;

namespace {

/// Every slot starts on a 64-byte cache line.
constexpr int64_t kAlignBytes = 64;

int64_t alignUp(int64_t value, int64_t to) { return (value + to - 1) / to * to; }

class LayoutPlanner {
public:
  WeightLayout layout;

  void plain(const std::string &name, llvm::ArrayRef<int64_t> shape, ElementType type) {
    llvm::SmallVector<int64_t, 3> stored(shape);
    if (type == ElementType::Q4_0)
      stored[1] /= 2; // two codes a byte
    add(name, stored, type, 0);
    if (isBlockQuantized(type))
      add(name, {shape[0], shape[1] / kQ8BlockSize}, ElementType::F32, 0, /*scales=*/true);
  }
  /// A linear layer's (out, in) matrix, stored packed.
  void packed(const std::string &name, int64_t out, int64_t in, ElementType type) {
    int64_t block = packBlockFor(out);
    add(name, {out / block, type == ElementType::Q4_0 ? in / 2 : in, block}, type, block);
    if (isBlockQuantized(type))
      add(name, {out / block, in / kQ8BlockSize, block}, ElementType::F32, block,
          /*scales=*/true);
  }

private:
  void add(const std::string &name, llvm::SmallVector<int64_t, 3> shape, ElementType type,
           int64_t block, bool scales = false) {
    WeightSlot slot{scales ? name + ".scales" : name, std::move(shape), type,
                    layout.totalBytes, block, scales};
    layout.totalBytes = alignUp(layout.totalBytes + slot.numBytes(), kAlignBytes);
    layout.slots.push_back(std::move(slot));
  }
};

/// f32 to bf16, rounding to nearest even (a NaN stays a quiet NaN).
uint16_t toBF16(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  if ((bits & 0x7fffffffu) > 0x7f800000u)
    return uint16_t((bits >> 16) | 0x0040u);
  bits += 0x7fffu + ((bits >> 16) & 1u);
  return uint16_t(bits >> 16);
}

/// Appends `values` to `out` in element type `type`, little-endian.
void appendAs(ElementType type, llvm::ArrayRef<float> values, std::vector<char> &out) {
  size_t at = out.size();
  out.resize(at + values.size() * size_t(elementBytes(type)));
  char *dst = out.data() + at;
  switch (type) {
  case ElementType::F32:
    std::memcpy(dst, values.data(), values.size() * sizeof(float));
    return;
  case ElementType::BF16:
  case ElementType::F16:
    for (size_t i = 0; i < values.size(); ++i) {
      uint16_t bits = type == ElementType::BF16 ? toBF16(values[i]) : floatToHalfBits(values[i]);
      std::memcpy(dst + 2 * i, &bits, 2);
    }
    return;
  case ElementType::Q8_0: // the values are the quantized integers
    for (size_t i = 0; i < values.size(); ++i)
      dst[i] = static_cast<char>(static_cast<int8_t>(values[i]));
    return;
  case ElementType::Q4_0: // the values are bytes of two codes each
    for (size_t i = 0; i < values.size(); ++i)
      dst[i] = static_cast<char>(static_cast<uint8_t>(values[i]));
    return;
  }
}

/// The `format` (Q8_0 or Q4_0) values (as floats) or scales of the
/// row-major (rows, in) matrix `tensor`, row-major: Q8_0 one int8 per
/// weight, (rows, in); Q4_0 one byte per two weights, (rows, in / 2), byte
/// 16 b + i of a row holding the codes of weights 32 b + i (low nibble) and
/// 32 b + 16 + i (high nibble), i < 16, as in a GGUF block; scales
/// (rows, in / 32).
void quantizeMatrix(const WeightTensor &tensor, ElementType format, bool scales,
                    std::vector<float> &out) {
  int64_t in = tensor.shape.back(), rows = tensor.numElements() / in;
  bool q4 = format == ElementType::Q4_0;
  int64_t perRow = scales ? in / kQ8BlockSize : q4 ? in / 2 : in;
  std::vector<int8_t> q(in);
  std::vector<uint8_t> codes(in);
  std::vector<float> d(in / kQ8BlockSize);
  out.resize(rows * perRow);
  for (int64_t r = 0; r < rows; ++r) {
    llvm::ArrayRef<float> row(tensor.data + r * in, in);
    auto dst = out.begin() + r * perRow;
    if (q4)
      quantizeRowQ4_0(row, codes, d);
    else
      quantizeRowQ8_0(row, q, d);
    if (scales)
      std::copy(d.begin(), d.end(), dst);
    else if (!q4)
      std::copy(q.begin(), q.end(), dst);
    else
      for (int64_t b = 0; b < in / kQ8BlockSize; ++b)
        for (int64_t i = 0; i < 16; ++i)
          dst[16 * b + i] = float(codes[32 * b + i] | (codes[32 * b + 16 + i] << 4));
  }
}

/// The logical (out, in) shape of a packed slot ((out, in / 32) for scales,
/// (out, in / 2) for Q4_0 values: the bytes are what is packed).
std::pair<int64_t, int64_t> logicalMatrixShape(const WeightSlot &slot) {
  return {slot.storedShape[0] * slot.block, slot.storedShape[1]};
}

} // namespace

int64_t WeightSlot::numElements() const {
  int64_t n = 1;
  for (int64_t d : storedShape)
    n *= d;
  return n;
}

const WeightSlot *WeightLayout::find(llvm::StringRef name) const {
  for (const WeightSlot &slot : slots)
    if (slot.name == name)
      return &slot;
  // A tied classifier (and its Q8_0 scales) is the embedding table.
  if (name == "output")
    return find("tok_embeddings");
  if (name == "output.scales")
    return find("tok_embeddings.scales");
  return nullptr;
}

const WeightSlot &WeightLayout::get(llvm::StringRef name) const {
  if (const WeightSlot *slot = find(name))
    return *slot;
  llvm::report_fatal_error(llvm::Twine("weight layout has no slot '") + name + "'");
}

std::optional<int64_t> WeightLayout::layerStride(llvm::StringRef kind, int64_t layers) const {
  const WeightSlot *first = find(layerTensorName(0, kind));
  if (!first)
    return std::nullopt;
  if (layers == 1)
    return std::max<int64_t>(first->numBytes(), 64);
  int64_t stride = get(layerTensorName(1, kind)).offset - first->offset;
  for (int64_t l = 1; l < layers; ++l) {
    const WeightSlot &slot = get(layerTensorName(l, kind));
    if (slot.storedShape != first->storedShape || slot.offset != first->offset + l * stride)
      llvm::report_fatal_error(llvm::Twine("weight layout: '") + slot.name +
                               "' is not at a constant stride from layer 0's copy");
  }
  if (stride <= 0)
    llvm::report_fatal_error(llvm::Twine("weight layout: layers of '") + kind +
                             "' are not in increasing order");
  return stride;
}

int64_t attnc::packBlockFor(int64_t outFeatures) {
  for (int64_t block = 16; block > 1; block /= 2)
    if (outFeatures % block == 0)
      return block;
  return 1;
}

WeightLayout attnc::planWeightLayout(const ModelSpec &spec, const ModelWeights *weights,
                                     std::optional<ElementType> weightType) {
  // The plan's tensors in its order: linear layers packed, the rest as is.
  // Tied: one packed copy serves the classifier and (row by row) the lookup.
  std::vector<TensorInfo> tensors = listTensors(spec);
  std::vector<ElementType> types;
  // One compiled layer reads every layer's copy of a tensor kind at one
  // stride and in one element type: a kind whose layers a checkpoint stores
  // in different types (mixed-precision files) is widened to f32 throughout.
  std::map<std::string, ElementType> kindType;
  std::set<std::string> mixedKinds;
  std::vector<std::string> notes;
  auto kindOf = [](llvm::StringRef name) -> std::string {
    if (!name.consume_front("layers."))
      return "";
    return name.split('.').second.str();
  };
  for (const TensorInfo &t : tensors) {
    bool matrix = t.role == TensorRole::Linear || t.role == TensorRole::Embedding;
    ElementType type = ElementType::F32;
    if (matrix && weightType) {
      type = *weightType;
    } else if (matrix && weights) {
      const WeightTensor *tensor = weights->lookup(t.name);
      if (tensor && tensor->source != ElementType::F32)
        type = tensor->source;
    }
    // Q8_0 and Q4_0 blocks run along a row: a matrix whose rows are not
    // whole blocks stays f32 (in every layer: the kind has one type).
    if (isBlockQuantized(type) && t.shape[1] % kQ8BlockSize != 0) {
      std::string asked = stringify(type);
      type = ElementType::F32;
      std::string kind = kindOf(t.name);
      std::string shown = kind.empty() ? t.name : "layers.*." + kind;
      if (llvm::none_of(notes, [&](const std::string &n) {
            return llvm::StringRef(n).starts_with("'" + shown + "'");
          }))
        notes.push_back("'" + shown + "' has rows of " + std::to_string(t.shape[1]) +
                        " values, not a multiple of 32: stored in f32, not " + asked);
    }
    types.push_back(type);
    std::string kind = kindOf(t.name);
    if (kind.empty())
      continue;
    auto [it, inserted] = kindType.emplace(kind, type);
    if (!inserted && it->second != type)
      mixedKinds.insert(kind);
  }
  LayoutPlanner plan;
  for (auto [i, t] : llvm::enumerate(tensors)) {
    ElementType type = mixedKinds.count(kindOf(t.name)) ? ElementType::F32 : types[i];
    bool packed = t.role == TensorRole::Linear ||
                  (t.role == TensorRole::Embedding && spec.tieEmbeddings);
    if (packed)
      plan.packed(t.name, t.shape[0], t.shape[1], type);
    else
      plan.plain(t.name, t.shape, type);
  }
  plan.layout.notes = std::move(notes);
  return std::move(plan.layout);
}

llvm::Error attnc::writeWeightBlob(const WeightLayout &layout, const ModelWeights &weights,
                                   llvm::raw_ostream &os) {
  // Zero padding between slots keeps every slot 64-byte aligned.
  static const char zeros[kAlignBytes] = {};
  std::vector<float> staging, quantizedStaging;
  std::vector<char> bytes;
  int64_t written = 0;
  for (const WeightSlot &slot : layout.slots) {
    llvm::StringRef name = slot.name;
    if (slot.scales)
      name.consume_back(".scales");
    const WeightTensor *tensor = weights.lookup(name);
    if (!tensor)
      return llvm::createStringError(std::errc::invalid_argument,
                                     "weights have no tensor '%s'", name.str().c_str());
    // The format of a quantized matrix: its values slot's type.
    ElementType format = slot.scales ? layout.get(name).type : slot.type;
    int64_t expected = slot.numElements() * (slot.scales                    ? kQ8BlockSize
                                             : format == ElementType::Q4_0 ? 2
                                                                           : 1);
    bool quantized = isBlockQuantized(format);
    if (tensor->numElements() != expected ||
        (quantized && tensor->shape.back() % kQ8BlockSize != 0))
      return llvm::createStringError(std::errc::invalid_argument,
                                     "tensor '%s' has %lld elements, the layout expects %lld",
                                     name.str().c_str(), (long long)tensor->numElements(),
                                     (long long)expected);
    // The slot's values in the logical row-major order, before packing.
    const float *logical = tensor->data;
    if (quantized) {
      quantizeMatrix(*tensor, format, slot.scales, quantizedStaging);
      logical = quantizedStaging.data();
    }
    staging.assign(slot.numElements(), 0.0f);
    if (slot.block == 0) {
      std::copy(logical, logical + slot.numElements(), staging.begin());
    } else {
      // (out, in) row-major -> (out / B, in, B).
      auto [out, in] = logicalMatrixShape(slot);
      int64_t block = slot.block;
      for (int64_t nb = 0; nb < out / block; ++nb)
        for (int64_t j = 0; j < block; ++j) {
          const float *row = logical + (nb * block + j) * in;
          float *dst = staging.data() + nb * in * block + j;
          for (int64_t k = 0; k < in; ++k)
            dst[k * block] = row[k];
        }
    }
    bytes.clear();
    appendAs(slot.type, staging, bytes);
    os.write(zeros, slot.offset - written);
    os.write(bytes.data(), bytes.size());
    written = slot.offset + slot.numBytes();
  }
  os.write(zeros, layout.totalBytes - written);
  return llvm::Error::success();
}
