//===- WeightLayout.h - Where each weight lives in the blob -----*- C++ -*-===//
//
// The compiled code reads every weight from one flat byte blob embedded in
// the executable, each tensor in its own element type at a 64-byte aligned
// byte offset. This file decides, once, for a given ModelSpec, where each
// tensor goes and how it is stored; the IR builder emits `attn.weight` ops
// from the same plan and the blob writer fills the blob from it, so the two
// can never disagree.
//
// Linear layers are stored packed: the (out, in) matrix becomes
// (out / B, in, B), so that the B output rows computed together by one
// vector register are one contiguous stream. A tied classifier shares its
// packed copy with the embedding lookup.
//
// A Q8_0 matrix is two slots: its int8 values, named and packed as above,
// and its scales `NAME.scales` in f32, one per block of 32 values along
// `in`, packed alike as (out / B, in / 32, B) (or (rows, in / 32) for an
// unpacked table): the decode loop then loads 16 int8 of 16 output rows
// contiguously per k and one 16-wide scale vector per 32 k.
//
// A Q4_0 matrix is the same two slots, its values two 4-bit codes a byte:
// packed (out / B, in / 2, B) bytes, byte [nb, 16 kb + i, j] holding the
// codes of row nb * B + j at k = 32 kb + i (low nibble) and 32 kb + 16 + i
// (high nibble), i < 16; unpacked (rows, in / 2) with the same pairing
// along a row, which is GGUF's own Q4_0 block without its scale. So a
// 32-wide block of k of one output block is 16 x 16 contiguous bytes (256,
// four cache lines): 16 rows of 16 bytes whose low nibbles are k = 32 kb + i
// and high nibbles k = 32 kb + 16 + i for the 16 lanes j; the decode loop
// loads each 16-byte row once, widens it to 16 lanes and takes both
// nibbles from it, with the block's one scale vector. The pairing (i with
// i + 16, not 2i with 2i + 1) keeps both halves in lane order, so neither
// needs a shuffle, and a row of an unpacked table is GGUF's bytes as they
// are. The scales stay f32, (out / B, in / 32, B), as Q8_0's: 0.5625
// bytes a weight in all.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_BUILDER_WEIGHTLAYOUT_H
#define ATTNC_BUILDER_WEIGHTLAYOUT_H

#include "compiler/Frontend/ModelSpec.h"
#include "compiler/Frontend/Weights.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"
#include <optional>
#include <string>
#include <vector>

namespace attnc {

struct WeightSlot {
  std::string name;                          // the logical name (Weights.h)
  llvm::SmallVector<int64_t, 3> storedShape; // as the compiled code sees it
  ElementType type = ElementType::F32;       // as stored in the blob
  int64_t offset = 0;                        // in bytes from the blob start, 64-byte aligned
  int64_t block = 0;                         // 0: as is; B: packed (out/B, in, B)
  /// The Q8_0 or Q4_0 scales of tensor `name` (slot name `name`.scales):
  /// f32, (out/B, in/32, B) packed or (rows, in/32) as is.
  bool scales = false;

  int64_t numElements() const;
  int64_t numBytes() const { return numElements() * elementBytes(type); }
};

struct WeightLayout {
  std::vector<WeightSlot> slots; // in blob order
  int64_t totalBytes = 0;        // a multiple of 64
  /// What the plan did other than asked, one sentence each (a Q8_0 or Q4_0
  /// matrix whose rows are not whole blocks of 32 kept in f32).
  std::vector<std::string> notes;

  /// The slot holding `name` (`output` resolves to `tok_embeddings` when the
  /// classifier is tied), or null when the model has no such tensor.
  const WeightSlot *find(llvm::StringRef name) const;
  /// The same for a tensor the model must have; aborts on an unknown name
  /// (a builder bug).
  const WeightSlot &get(llvm::StringRef name) const;
  /// The distance (in the unit of WeightSlot::offset) from layer l's to
  /// layer l + 1's copy of the per-layer tensor `kind` ("wq", ...): every
  /// layer's tensors are planned in the same order and sizes, so it is the
  /// same for every l, which the compiled loop over layers relies on. Null
  /// when the model has no such tensor; aborts (a planner bug) when the
  /// layers' copies differ in shape or are not evenly spaced. With one layer
  /// it is the tensor's own size.
  std::optional<int64_t> layerStride(llvm::StringRef kind, int64_t layers) const;
};

/// Rows packed together for a linear layer with `outFeatures` outputs: 16
/// (one AVX-512 register of floats) when it divides, else the largest power
/// of two that does.
int64_t packBlockFor(int64_t outFeatures);

/// The layout of every weight of `spec`. The matrices (linear layers and
/// embedding tables, except learned positions) are stored in `weightType`
/// when it is given; otherwise each keeps its checkpoint's type
/// (`WeightTensor::source` in `weights`, when given) if that is bf16, f16,
/// q8_0 or q4_0, else f32. Norms, biases and learned positions are always
/// f32. A matrix kind that would be Q8_0 or Q4_0 but whose rows (`in`) are
/// not a multiple of 32 is stored in f32 in every layer, with a note in
/// WeightLayout::notes.
WeightLayout planWeightLayout(const ModelSpec &spec, const ModelWeights *weights = nullptr,
                              std::optional<ElementType> weightType = std::nullopt);

/// Writes the blob for `layout` from `weights` to `os` (the caller owns the
/// file and its write errors), converting each tensor to its slot's element
/// type (Q8_0 and Q4_0 slots: quantized as Quantize.h says). Fails if a tensor is
/// missing or has a shape the layout does not expect.
llvm::Error writeWeightBlob(const WeightLayout &layout, const ModelWeights &weights,
                            llvm::raw_ostream &os);

} // namespace attnc

#endif // ATTNC_BUILDER_WEIGHTLAYOUT_H
