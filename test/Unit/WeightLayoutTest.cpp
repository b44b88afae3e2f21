//===- WeightLayoutTest.cpp - Per-layer tensors at a constant stride ------===//
//
// The compiled loop over layers reads layer l's copy of each per-layer
// tensor at offset + l * layer_stride (compiler/Builder/ModelBuilder.cpp):
// these tests check that the blob layout gives every per-layer tensor one
// stride, equal to one layer's floats with every tensor padded to a 64-byte
// line, on shapes whose sizes are not multiples of the padding.
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
    // One layer's floats, every tensor padded to 16 floats.
    int64_t layerFloats = 0;
    std::vector<TensorInfo> first = layerTensors(spec, 0);
    for (const TensorInfo &t : first)
      layerFloats += paddedFloats(t.numElements());
    ASSERT_FALSE(first.empty());
    for (const TensorInfo &t : first) {
      llvm::StringRef kind = llvm::StringRef(t.name).drop_front(std::string("layers.0.").size());
      std::optional<int64_t> stride = layout.layerStride(kind, spec.layers);
      ASSERT_TRUE(stride.has_value()) << t.name;
      EXPECT_EQ(*stride, layerFloats) << t.name;
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

} // namespace
