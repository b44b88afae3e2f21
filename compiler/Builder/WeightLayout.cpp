//===- WeightLayout.cpp - Where each weight lives in the blob -------------===//
//
// Plans the blob (offsets aligned to 64 bytes so every tensor starts on a
// cache line and a vector load never splits one) and writes it, packing
// linear weights into (out / B, in, B) blocks.
//
//===----------------------------------------------------------------------===//
#include "compiler/Builder/WeightLayout.h"

#include "compiler/Frontend/ArchPlan.h"

#include "llvm/ADT/Twine.h"
#include "llvm/Support/ErrorHandling.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

using namespace attnc;

namespace {

/// Floats per 64-byte cache line: every slot starts on one.
constexpr int64_t kAlignFloats = 16;

int64_t alignUp(int64_t value, int64_t to) { return (value + to - 1) / to * to; }

class LayoutPlanner {
public:
  WeightLayout layout;

  void plain(const std::string &name, llvm::ArrayRef<int64_t> shape) {
    add(name, llvm::SmallVector<int64_t, 3>(shape), 0);
  }
  /// A linear layer's (out, in) matrix, stored packed.
  void packed(const std::string &name, int64_t out, int64_t in) {
    int64_t block = packBlockFor(out);
    add(name, {out / block, in, block}, block);
  }

private:
  void add(const std::string &name, llvm::SmallVector<int64_t, 3> shape, int64_t block) {
    WeightSlot slot{name, std::move(shape), layout.totalFloats, block};
    layout.totalFloats = alignUp(layout.totalFloats + slot.numElements(), kAlignFloats);
    layout.slots.push_back(std::move(slot));
  }
};

/// The logical (out, in) shape of a packed slot.
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
  if (name == "output")
    return find("tok_embeddings");
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
    return std::max<int64_t>(first->numElements(), 1);
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

WeightLayout attnc::planWeightLayout(const ModelSpec &spec) {
  // The plan's tensors in its order: linear layers packed, the rest as is.
  // Tied: one packed copy serves the classifier and (row by row) the lookup.
  LayoutPlanner plan;
  for (const TensorInfo &t : listTensors(spec)) {
    bool packed = t.role == TensorRole::Linear ||
                  (t.role == TensorRole::Embedding && spec.tieEmbeddings);
    if (packed)
      plan.packed(t.name, t.shape[0], t.shape[1]);
    else
      plan.plain(t.name, t.shape);
  }
  return std::move(plan.layout);
}

llvm::Error attnc::writeWeightBlob(const WeightLayout &layout, const ModelWeights &weights,
                                   llvm::raw_ostream &os) {
  // Zero padding between slots keeps every slot 64-byte aligned.
  static const char zeros[kAlignFloats * sizeof(float)] = {};
  std::vector<float> staging;
  int64_t written = 0;
  for (const WeightSlot &slot : layout.slots) {
    const WeightTensor *tensor = weights.lookup(slot.name);
    if (!tensor)
      return llvm::createStringError(std::errc::invalid_argument,
                                     "weights have no tensor '%s'", slot.name.c_str());
    if (tensor->numElements() != slot.numElements())
      return llvm::createStringError(std::errc::invalid_argument,
                                     "tensor '%s' has %lld floats, the layout expects %lld",
                                     slot.name.c_str(), (long long)tensor->numElements(),
                                     (long long)slot.numElements());
    staging.assign(slot.numElements(), 0.0f);
    if (slot.block == 0) {
      std::copy(tensor->data, tensor->data + slot.numElements(), staging.begin());
    } else {
      // (out, in) row-major -> (out / B, in, B).
      auto [out, in] = logicalMatrixShape(slot);
      int64_t block = slot.block;
      for (int64_t nb = 0; nb < out / block; ++nb)
        for (int64_t j = 0; j < block; ++j) {
          const float *row = tensor->data + (nb * block + j) * in;
          float *dst = staging.data() + nb * in * block + j;
          for (int64_t k = 0; k < in; ++k)
            dst[k * block] = row[k];
        }
    }
    os.write(zeros, (slot.offset - written) * sizeof(float));
    os.write(reinterpret_cast<const char *>(staging.data()), staging.size() * sizeof(float));
    written = slot.offset + slot.numElements();
  }
  os.write(zeros, (layout.totalFloats - written) * sizeof(float));
  return llvm::Error::success();
}
