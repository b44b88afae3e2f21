//===- Weights.h - Logical model weights ------------------------*- C++ -*-===//
//
// The weights of a Llama-family model as the importers hand them over: one
// row-major float tensor per name, in llama2.c's orientation (a linear layer's
// matrix is (out, in)). How they are laid out for the compiled code is the
// builder's business (compiler/Builder/WeightLayout.h), not the importer's.
//
// Names, for layer l in [0, layers):
//   tok_embeddings            (vocab, dim)
//   layers.l.attention_norm   (dim)
//   layers.l.wq               (heads * head_dim, dim)
//   layers.l.wk               (kv_heads * head_dim, dim)
//   layers.l.wv               (kv_heads * head_dim, dim)
//   layers.l.wo               (dim, heads * head_dim)
//   layers.l.ffn_norm         (dim)
//   layers.l.w1               (hidden, dim)      gate
//   layers.l.w2               (dim, hidden)      down
//   layers.l.w3               (hidden, dim)      up
//   norm                      (dim)
//   output                    (vocab, dim)       the classifier; aliases
//                                                tok_embeddings when tied
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_FRONTEND_WEIGHTS_H
#define ATTNC_FRONTEND_WEIGHTS_H

#include "compiler/Frontend/ModelSpec.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/MemoryBuffer.h"
#include <memory>
#include <string>
#include <vector>

namespace attnc {

/// The element types a weight can be stored in, in a checkpoint and in the
/// compiled blob. Q8_0 is GGUF's groupwise int8: blocks of 32 consecutive
/// weights along a row (the input dimension of a linear layer), each block
/// 32 int8 values q and one f16 scale d, the weight being d * q. In the blob
/// a Q8_0 tensor is two slots (WeightLayout.h): its int8 values (1 byte per
/// element, the size elementBytes gives) and its scales. Q4_0 is GGUF's
/// 4-bit format: the same blocks of 32 along a row, each 32 unsigned 4-bit
/// codes q and one f16 scale d, the weight being d * (q - 8); in the blob
/// its values slot holds two codes per byte (its stored shape counts bytes,
/// in / 2 along a row: elementBytes is again 1) and its scales are a slot
/// as Q8_0's.
enum class ElementType { F32, BF16, F16, Q8_0, Q4_0 };

/// Weights per Q8_0 or Q4_0 block (one scale each).
constexpr int64_t kQ8BlockSize = 32;

/// Whether `type` is a block-quantized format (values and a scales slot).
inline bool isBlockQuantized(ElementType type) {
  return type == ElementType::Q8_0 || type == ElementType::Q4_0;
}

inline int64_t elementBytes(ElementType type) {
  switch (type) {
  case ElementType::F32:
    return 4;
  case ElementType::BF16:
  case ElementType::F16:
    return 2;
  case ElementType::Q8_0:
  case ElementType::Q4_0: // a byte of the stored shape holds two codes
    return 1;
  }
  return 4;
}

inline const char *stringify(ElementType type) {
  switch (type) {
  case ElementType::F32:
    return "f32";
  case ElementType::BF16:
    return "bf16";
  case ElementType::F16:
    return "f16";
  case ElementType::Q8_0:
    return "q8_0";
  case ElementType::Q4_0:
    return "q4_0";
  }
  return "?";
}

struct WeightTensor {
  llvm::SmallVector<int64_t, 2> shape;
  const float *data = nullptr; // shape-product floats, owned by ModelWeights
  /// The type the checkpoint stores the tensor in. A bf16 or f16 tensor is
  /// held widened to f32 (exactly), so narrowing it back gives its stored
  /// bits; a Q8_0 or Q4_0 tensor is held dequantized (d * q or
  /// d * (q - 8), exact in f32), which quantizing again gives back block by
  /// block (see Quantize.h); the
  /// weight layout keeps that type unless told otherwise.
  ElementType source = ElementType::F32;

  int64_t numElements() const {
    int64_t n = 1;
    for (int64_t d : shape)
      n *= d;
    return n;
  }
  llvm::ArrayRef<float> values() const { return {data, size_t(numElements())}; }
};

/// Owns the storage (an mmap'd file or generated floats) and the name map.
class ModelWeights {
public:
  const WeightTensor *lookup(llvm::StringRef name) const {
    auto it = tensors.find(name);
    return it == tensors.end() ? nullptr : &it->second;
  }
  void add(llvm::StringRef name, llvm::ArrayRef<int64_t> shape, const float *data,
           ElementType source = ElementType::F32) {
    tensors[name] = WeightTensor{llvm::SmallVector<int64_t, 2>(shape), data, source};
  }
  /// Keeps `buffer` alive as long as these weights (a checkpoint may have
  /// several files, e.g. sharded safetensors).
  void adoptBuffer(std::unique_ptr<llvm::MemoryBuffer> buffer) {
    mapped.push_back(std::move(buffer));
  }
  /// Keeps `storage` alive as long as these weights; returns its data.
  float *adoptStorage(std::vector<float> storage) {
    owned.push_back(std::move(storage));
    return owned.back().data();
  }

private:
  llvm::StringMap<WeightTensor> tensors;
  std::vector<std::unique_ptr<llvm::MemoryBuffer>> mapped;
  std::vector<std::vector<float>> owned;
};

} // namespace attnc

#endif // ATTNC_FRONTEND_WEIGHTS_H
