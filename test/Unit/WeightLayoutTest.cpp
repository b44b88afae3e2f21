//===- WeightLayoutTest.cpp - Per-layer tensors at a constant stride ------===//
//
// The compiled loop over layers reads layer l's copy of each per-layer
// tensor at offset + l * layer_stride (compiler/Builder/ModelBuilder.cpp):
// these tests check that the blob layout gives every per-layer tensor one
// stride, equal to one layer's bytes with every tensor padded to a 64-byte
// line, on shapes whose sizes are not multiples of the padding, and one
// element type per tensor kind.
//
//===----------------------------------------------------------------------===//
#include "compiler/Builder/WeightLayout.h"
#include "compiler/Frontend/ArchPlan.h"

#include <gtest/gtest.h>

using namespace attnc;

namespace {

/// dim 24 and hidden 40 (not multiples of 16 floats), GQA, every bias, a
/// layer norm with its bias: one layer's tensors need padding.
ModelSpec oddSpec(int64_t layers) {
  ModelSpec spec;
  spec.name = "odd";
  spec.vocabSize = 10;
  spec.contextLength = 32;
  spec.dim = 24;
  spec.layers = layers;
  spec.attention.heads = 3;
  spec.attention.kvHeads = 1;
  spec.attention.qkvBias = true;
  spec.attention.outBias = true;
  spec.norm.kind = NormKind::Layer;
  spec.mlp.hidden = 40;
  spec.mlp.activation = Activation::Gelu;
  spec.mlp.bias = true;
  spec.tieEmbeddings = false;
  return spec;
}

int64_t paddedFloats(int64_t n) { return (n + 15) / 16 * 16; }

TEST(WeightLayout, PerLayerTensorsHaveOneStride) {
  for (ModelSpec spec : {oddSpec(4), [] {
                           ModelSpec s = oddSpec(3);
                           s.mlp.activation = Activation::SwiGLU; // adds w3, b3
                           s.norm.kind = NormKind::Rms;
                           return s;
                         }()}) {
    WeightLayout layout = planWeightLayout(spec);
    // One layer's bytes (all f32), every tensor padded to 16 floats.
    int64_t layerBytes = 0;
    std::vector<TensorInfo> first = layerTensors(spec, 0);
    for (const TensorInfo &t : first)
      layerBytes += 4 * paddedFloats(t.numElements());
    ASSERT_FALSE(first.empty());
    for (const TensorInfo &t : first) {
      llvm::StringRef kind = llvm::StringRef(t.name).drop_front(std::string("layers.0.").size());
      std::optional<int64_t> stride = layout.layerStride(kind, spec.layers);
      ASSERT_TRUE(stride.has_value()) << t.name;
      EXPECT_EQ(*stride, layerBytes) << t.name;
      const WeightSlot &base = layout.get(t.name);
      for (int64_t l = 0; l < spec.layers; ++l) {
        const WeightSlot &slot = layout.get(layerTensorName(l, kind));
        EXPECT_EQ(slot.offset, base.offset + l * *stride) << slot.name;
        EXPECT_EQ(slot.storedShape, base.storedShape) << slot.name;
      }
    }
    EXPECT_FALSE(layout.layerStride("no_such_tensor", spec.layers).has_value());
  }
}

TEST(WeightLayout, OneLayerStrideIsPositive) {
  ModelSpec spec = oddSpec(1);
  WeightLayout layout = planWeightLayout(spec);
  std::optional<int64_t> stride = layout.layerStride("wq", 1);
  ASSERT_TRUE(stride.has_value());
  EXPECT_GT(*stride, 0);
}

/// A checkpoint may store one tensor kind in different types in different
/// layers (mixed-precision GGUF files); the one compiled layer reads every
/// layer's copy in one type, so such a kind is widened to f32 in all layers,
/// while a kind stored in f16 in every layer stays f16.
TEST(WeightLayout, MixedLayerTypesAreWidened) {
  ModelSpec spec = oddSpec(3);
  ModelWeights weights;
  std::vector<float> zeros(4096, 0.0f);
  for (int64_t l = 0; l < spec.layers; ++l) {
    weights.add(layerTensorName(l, "wq"), {24, 24}, zeros.data(),
                l == 1 ? ElementType::F32 : ElementType::F16);
    weights.add(layerTensorName(l, "wk"), {8, 24}, zeros.data(), ElementType::F16);
  }
  WeightLayout layout = planWeightLayout(spec, &weights, std::nullopt);
  for (int64_t l = 0; l < spec.layers; ++l) {
    EXPECT_EQ(layout.get(layerTensorName(l, "wq")).type, ElementType::F32) << l;
    EXPECT_EQ(layout.get(layerTensorName(l, "wk")).type, ElementType::F16) << l;
  }
  ASSERT_TRUE(layout.layerStride("wq", spec.layers).has_value());
  // An explicit type applies to every matrix of every layer.
  WeightLayout narrow = planWeightLayout(spec, &weights, ElementType::BF16);
  for (int64_t l = 0; l < spec.layers; ++l)
    EXPECT_EQ(narrow.get(layerTensorName(l, "wq")).type, ElementType::BF16) << l;
}

} // namespace
