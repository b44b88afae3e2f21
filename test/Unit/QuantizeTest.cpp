//===- QuantizeTest.cpp - Q8_0 and Q4_0 quantizers and their blob layout --===//
//
// The Q8_0 and Q4_0 quantizers (compiler/Builder/Quantize.h) against
// properties that follow from GGUF's definitions (Q8_0: d = max|w| / 127 as
// f16, q = round(w / d); Q4_0: d = max / -8, q = min(15, trunc(w / d + 8.5)))
// : the error bound, a block of zeros, blocks computed by hand, and that
// quantizing dequantized values gives the same d and q back (how a GGUF
// tensor keeps its values); and the layout and blob of q8_0 and q4_0 models.
//
//===----------------------------------------------------------------------===//
#include "compiler/Builder/Quantize.h"
#include "compiler/Builder/WeightLayout.h"
#include "compiler/Frontend/ArchPlan.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>

using namespace attnc;

namespace {

std::vector<float> randomRow(size_t n, unsigned seed, float spread) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, spread);
  std::vector<float> row(n);
  for (float &v : row)
    v = normal(rng);
  return row;
}

/// Every value is within half a quantization step (d / 2) of its
/// dequantization, plus the f16 rounding of d (relative 2^-11, or 2^-25
/// absolute where d is an f16 subnormal, below 2^-14: tiny weights lose
/// bits in GGUF's format too) times |q| <= 127, and |q| <= 127 with the
/// block's largest value at +-127.
TEST(QuantizeQ8_0, ErrorIsBoundedByHalfAStep) {
  for (float spread : {1e-3f, 0.02f, 1.0f, 300.0f}) {
    std::vector<float> row = randomRow(32 * 64, 7, spread);
    std::vector<int8_t> q(row.size());
    std::vector<float> d(row.size() / 32);
    quantizeRowQ8_0(row, q, d);
    for (size_t b = 0; b < d.size(); ++b) {
      float amax = 0;
      int maxQ = 0;
      for (size_t j = 0; j < 32; ++j) {
        amax = std::max(amax, std::fabs(row[b * 32 + j]));
        maxQ = std::max(maxQ, std::abs(int(q[b * 32 + j])));
      }
      EXPECT_EQ(maxQ, 127) << "block " << b;
      float exact = amax / 127.0f;
      float scaleError = std::max(exact * std::ldexp(1.0f, -11), std::ldexp(1.0f, -25));
      EXPECT_NEAR(d[b], exact, scaleError * 1.0001f) << "block " << b;
      for (size_t j = 0; j < 32; ++j) {
        float w = row[b * 32 + j];
        float bound = 0.5f * exact * (1 + 1e-5f) + 127 * scaleError;
        EXPECT_LE(std::fabs(d[b] * q[b * 32 + j] - w), bound) << spread << " " << b << " " << j;
      }
    }
  }
}

/// max|w| = 127: d = 1 exactly, so q = roundf(w): halves away from zero
/// (2.5 -> 3, -0.5 -> -1; round-half-even would give 2 and 0), 0.49 -> 0.
/// max|w| = 1.27: d = 0.01 stored as the nearest f16, 1311 / 2^17.
TEST(QuantizeQ8_0, HandComputedBlocks) {
  std::vector<float> row(64, 0.0f);
  row[0] = 127.0f;
  row[1] = 2.5f;
  row[2] = -0.5f;
  row[3] = 0.49f;
  row[4] = -126.6f;
  row[32] = 1.27f;
  row[33] = -0.6f;
  std::vector<int8_t> q(64);
  std::vector<float> d(2);
  quantizeRowQ8_0(row, q, d);
  EXPECT_EQ(d[0], 1.0f);
  EXPECT_EQ(q[0], 127);
  EXPECT_EQ(q[1], 3);
  EXPECT_EQ(q[2], -1);
  EXPECT_EQ(q[3], 0);
  EXPECT_EQ(q[4], -127);
  EXPECT_EQ(d[1], 1311.0f / 131072.0f);
  EXPECT_EQ(q[32], 127);
  EXPECT_EQ(q[33], -60);
}

//===----------------------------------------------------------------------===//
// Both formats: a zero block, a non-finite block, requantizing
//===----------------------------------------------------------------------===//

/// What the shared tests need of a format: its code type, quantizer, the
/// value a code stands for, the code of 0, and what a block whose largest
/// magnitude is -2 (at index 8) quantizes to.
struct Q8_0Format {
  using Code = int8_t;
  static void quantize(llvm::ArrayRef<float> row, llvm::MutableArrayRef<Code> q,
                       llvm::MutableArrayRef<float> d) {
    quantizeRowQ8_0(row, q, d);
  }
  static float value(float d, Code q) { return d * float(q); }
  static constexpr int kZeroCode = 0;
  static constexpr bool kZeroBlockScaleNegative = false; // 0 / 127
  static constexpr float kMinusTwoScale = 2.0f / 127.0f; // stored as f16
  static constexpr int kMinusTwoCode = -127;
  /// Scales below f16's subnormals (spread 1e-6: d ~ 3e-8) are flushed
  /// while the codes were computed with the exact d: not requantizable.
  static constexpr float kSpreads[] = {0.05f, 30.0f};
};
struct Q4_0Format {
  using Code = uint8_t;
  static void quantize(llvm::ArrayRef<float> row, llvm::MutableArrayRef<Code> q,
                       llvm::MutableArrayRef<float> d) {
    quantizeRowQ4_0(row, q, d);
  }
  static float value(float d, Code q) { return d * float(int(q) - 8); }
  static constexpr int kZeroCode = 8; // (8 - 8) * d = 0
  static constexpr bool kZeroBlockScaleNegative = true; // 0 / -8
  static constexpr float kMinusTwoScale = 0.25f;        // -2 / -8, exact in f16
  static constexpr int kMinusTwoCode = 0;
  static constexpr float kSpreads[] = {1e-6f, 0.05f, 30.0f};
};

template <typename Format> class QuantizeBlocks : public ::testing::Test {};
using Formats = ::testing::Types<Q8_0Format, Q4_0Format>;
TYPED_TEST_SUITE(QuantizeBlocks, Formats);

TYPED_TEST(QuantizeBlocks, ZeroBlockHasZeroScaleAndNoNaN) {
  using Code = typename TypeParam::Code;
  std::vector<float> row(64, 0.0f);
  row[40] = -2.0f; // the second block is not zero
  std::vector<Code> q(64, Code(99));
  std::vector<float> d(2, -1.0f);
  TypeParam::quantize(row, q, d);
  EXPECT_EQ(d[0], 0.0f);
  EXPECT_EQ(std::signbit(d[0]), TypeParam::kZeroBlockScaleNegative);
  for (int j = 0; j < 32; ++j)
    EXPECT_EQ(int(q[j]), TypeParam::kZeroCode) << j;
  EXPECT_FALSE(std::isnan(d[1]));
  EXPECT_NEAR(d[1], TypeParam::kMinusTwoScale, TypeParam::kMinusTwoScale * 0x1p-11f);
  EXPECT_EQ(int(q[40]), TypeParam::kMinusTwoCode);
  EXPECT_EQ(int(q[33]), TypeParam::kZeroCode);
}

/// A non-finite weight (compiled with --allow-nonfinite) makes its whole
/// block NaN, defined behaviour rather than a NaN converted to an integer;
/// its codes are those of 0.
TYPED_TEST(QuantizeBlocks, NonFiniteBlockIsNaN) {
  using Code = typename TypeParam::Code;
  std::vector<float> row(64, 0.5f);
  row[3] = -std::numeric_limits<float>::infinity();
  row[40] = std::numeric_limits<float>::quiet_NaN();
  row[33] = 1.0f;
  std::vector<Code> q(64, Code(5));
  std::vector<float> d(2);
  TypeParam::quantize(row, q, d);
  EXPECT_TRUE(std::isnan(d[0]));
  EXPECT_TRUE(std::isnan(d[1]));
  EXPECT_EQ(int(q[3]), TypeParam::kZeroCode);
  EXPECT_EQ(int(q[33]), TypeParam::kZeroCode);
}

/// GGUF's Q8_0 and Q4_0 tensors are imported dequantized; quantized again,
/// each block gives back its d and q, so they are stored as in the file.
TYPED_TEST(QuantizeBlocks, RequantizingDequantizedValuesIsExact) {
  using Code = typename TypeParam::Code;
  for (float spread : TypeParam::kSpreads) {
    std::vector<float> row = randomRow(32 * 256, 13, spread);
    std::vector<Code> q(row.size()), q2(row.size());
    std::vector<float> d(row.size() / 32), d2(d.size());
    TypeParam::quantize(row, q, d);
    std::vector<float> dequantized(row.size());
    for (size_t i = 0; i < row.size(); ++i)
      dequantized[i] = TypeParam::value(d[i / 32], q[i]);
    TypeParam::quantize(dequantized, q2, d2);
    EXPECT_EQ(d, d2) << spread;
    EXPECT_EQ(q, q2) << spread;
  }
}

ModelSpec q8Spec(int64_t hidden) {
  ModelSpec spec;
  spec.name = "q8";
  spec.vocabSize = 32;
  spec.contextLength = 16;
  spec.dim = 64;
  spec.layers = 2;
  spec.attention.heads = 4;
  spec.attention.kvHeads = 2;
  spec.mlp.hidden = hidden;
  spec.tieEmbeddings = true;
  return spec;
}

/// Every matrix is an i8 slot followed by its f32 scales slot, packed alike;
/// norms stay f32; every kind (values and scales) is at one layer stride.
TEST(WeightLayoutQ8_0, SlotsAndStrides) {
  ModelSpec spec = q8Spec(96);
  WeightLayout layout = planWeightLayout(spec, nullptr, ElementType::Q8_0);
  EXPECT_TRUE(layout.notes.empty());
  const WeightSlot &wq = layout.get("layers.0.wq");
  const WeightSlot &scales = layout.get("layers.0.wq.scales");
  EXPECT_EQ(wq.type, ElementType::Q8_0);
  EXPECT_EQ(wq.numBytes(), 64 * 64);
  EXPECT_EQ(scales.type, ElementType::F32);
  EXPECT_TRUE(scales.scales);
  EXPECT_EQ(scales.storedShape, (llvm::SmallVector<int64_t, 3>{4, 2, 16}));
  EXPECT_EQ(scales.offset, wq.offset + wq.numBytes());
  EXPECT_EQ(layout.get("layers.0.attention_norm").type, ElementType::F32);
  // The tied classifier's scales are the embedding's.
  EXPECT_EQ(layout.find("output.scales"), layout.find("tok_embeddings.scales"));
  for (const char *kind : {"wq", "wq.scales", "w2", "w2.scales"}) {
    std::optional<int64_t> stride = layout.layerStride(kind, spec.layers);
    ASSERT_TRUE(stride.has_value()) << kind;
    EXPECT_EQ(layout.get(layerTensorName(1, kind)).offset,
              layout.get(layerTensorName(0, kind)).offset + *stride);
  }
}

/// A matrix whose rows are not whole blocks (w2: rows of 72) stays f32 in
/// every layer, without scales, and the plan says so once.
TEST(WeightLayoutQ8_0, PartialBlocksStayF32) {
  ModelSpec spec = q8Spec(72);
  WeightLayout layout = planWeightLayout(spec, nullptr, ElementType::Q8_0);
  ASSERT_EQ(layout.notes.size(), 1u);
  EXPECT_NE(layout.notes[0].find("'layers.*.w2' has rows of 72 values"), std::string::npos);
  for (int64_t l = 0; l < spec.layers; ++l) {
    EXPECT_EQ(layout.get(layerTensorName(l, "w2")).type, ElementType::F32);
    EXPECT_EQ(layout.find(layerTensorName(l, "w2.scales")), nullptr);
    EXPECT_EQ(layout.get(layerTensorName(l, "w1")).type, ElementType::Q8_0);
  }
}

/// The blob holds q at [nb][k][j] (row nb * B + j) and the scales at
/// [nb][k / 32][j], as the quantizer computes them row by row.
TEST(WeightLayoutQ8_0, BlobIsPackedLikeTheValues) {
  ModelSpec spec = q8Spec(96);
  WeightLayout layout = planWeightLayout(spec, nullptr, ElementType::Q8_0);
  ModelWeights weights;
  std::vector<std::vector<float>> storage;
  for (const TensorInfo &t : listTensors(spec)) {
    storage.push_back(randomRow(t.numElements(), storage.size() + 1, 0.1f));
    weights.add(t.name, t.shape, storage.back().data());
  }
  weights.add("output", {spec.vocabSize, spec.dim}, weights.lookup("tok_embeddings")->data);
  std::string blob;
  llvm::raw_string_ostream os(blob);
  ASSERT_FALSE(bool(writeWeightBlob(layout, weights, os)));
  os.flush();
  ASSERT_EQ(int64_t(blob.size()), layout.totalBytes);
  const WeightTensor &w = *weights.lookup("layers.1.wk"); // (32, 64)
  const WeightSlot &values = layout.get("layers.1.wk"), &scales = layout.get("layers.1.wk.scales");
  int64_t block = values.block;
  ASSERT_EQ(block, 16);
  for (int64_t row = 0; row < 32; ++row) {
    std::vector<int8_t> q(64);
    std::vector<float> d(2);
    quantizeRowQ8_0(llvm::ArrayRef<float>(w.data + row * 64, 64), q, d);
    int64_t nb = row / block, j = row % block;
    for (int64_t k = 0; k < 64; ++k)
      EXPECT_EQ(int8_t(blob[values.offset + (nb * 64 + k) * block + j]), q[k]) << row << " " << k;
    for (int64_t kb = 0; kb < 2; ++kb) {
      float stored;
      std::memcpy(&stored, blob.data() + scales.offset + 4 * ((nb * 2 + kb) * block + j), 4);
      EXPECT_EQ(stored, d[kb]) << row << " " << kb;
    }
  }
}


//===----------------------------------------------------------------------===//
// Q4_0
//===----------------------------------------------------------------------===//

/// The block's value of largest magnitude gets code 0 (-8 d, d = max / -8
/// as f16); every value is within half a step (|d| / 2) of its
/// dequantization plus the f16 rounding of d times |q - 8| <= 8, except a
/// value of the opposite sign beyond 7.5 |d|, clamped to code 15 (+7 steps):
/// within |d| of it.
TEST(QuantizeQ4_0, ErrorIsBoundedByHalfAStep) {
  for (float spread : {1e-3f, 0.02f, 1.0f, 300.0f}) {
    std::vector<float> row = randomRow(32 * 64, 5, spread);
    std::vector<uint8_t> q(row.size());
    std::vector<float> d(row.size() / 32);
    quantizeRowQ4_0(row, q, d);
    int clamped = 0;
    for (size_t b = 0; b < d.size(); ++b) {
      float max = 0;
      for (size_t j = 0; j < 32; ++j)
        if (std::fabs(row[b * 32 + j]) > std::fabs(max))
          max = row[b * 32 + j];
      float exact = max / -8.0f;
      float step = std::fabs(exact);
      float scaleError = std::max(step * std::ldexp(1.0f, -11), std::ldexp(1.0f, -25));
      EXPECT_NEAR(d[b], exact, scaleError * 1.0001f) << "block " << b;
      for (size_t j = 0; j < 32; ++j) {
        float w = row[b * 32 + j];
        int code = q[b * 32 + j];
        ASSERT_LE(code, 15);
        if (w == max)
          EXPECT_EQ(code, 0) << "block " << b;
        float error = std::fabs(d[b] * float(code - 8) - w);
        bool beyond = w / exact > 7.5f; // opposite sign to max, past 7.5 steps
        clamped += beyond;
        float bound = (beyond ? 1.0f : 0.5f) * step * (1 + 1e-5f) + 8 * scaleError;
        EXPECT_LE(error, bound) << spread << " " << b << " " << j;
      }
    }
    EXPECT_GT(clamped, 0) << "no clamped value tested at spread " << spread;
  }
}

/// Block 1: 8 and -8 tie for the largest magnitude and the first, 8, is
/// max: d = -1, id = -1, so q = min(15, trunc(8.5 - w)): 8 -> 0, -7 -> 15
/// (15.5), -7.4 -> 15 (15.9), -8 -> 16 clamped to 15 (the opposite extreme
/// reads -7: an error of |d|), 0.5 -> 8 (exactly 8.0), 0.6 -> 7 (7.9),
/// -0.5 -> 9 (9.0), 3.2 -> 5 (5.3), 0 -> 8.
/// Block 2: -1.2 and 1.2 tie and -1.2 comes first: d = 0.15, stored as the
/// nearest f16, 1229 / 8192 (0.15 * 8192 = 1228.8); -1.2 -> 0, 1.2 -> 16
/// clamped to 15, 0.3 -> 10 (2 + 8.5 = 10.5, up to an ulp).
TEST(QuantizeQ4_0, HandComputedBlocks) {
  std::vector<float> row(64, 0.0f);
  row[0] = 8.0f;
  row[1] = -7.0f;
  row[2] = -7.4f;
  row[3] = -8.0f;
  row[4] = 0.5f;
  row[5] = 0.6f;
  row[6] = -0.5f;
  row[20] = 3.2f;
  row[32] = -1.2f;
  row[33] = 1.2f;
  row[34] = 0.3f;
  std::vector<uint8_t> q(64);
  std::vector<float> d(2);
  quantizeRowQ4_0(row, q, d);
  EXPECT_EQ(d[0], -1.0f);
  EXPECT_EQ(q[0], 0);
  EXPECT_EQ(q[1], 15);
  EXPECT_EQ(q[2], 15);
  EXPECT_EQ(q[3], 15);
  EXPECT_EQ(q[4], 8);
  EXPECT_EQ(q[5], 7);
  EXPECT_EQ(q[6], 9);
  EXPECT_EQ(q[7], 8);
  EXPECT_EQ(q[20], 5);
  EXPECT_EQ(d[1], 1229.0f / 8192.0f);
  EXPECT_EQ(q[32], 0);
  EXPECT_EQ(q[33], 15);
  EXPECT_EQ(q[34], 10);
  EXPECT_EQ(q[35], 8);
}

/// Every matrix is a slot of bytes (two codes each: (out / B, in / 2, B))
/// followed by its f32 scales slot, as Q8_0's; w2 with rows of 72 stays f32
/// with a note naming q4_0.
TEST(WeightLayoutQ4_0, SlotsAndFallback) {
  ModelSpec spec = q8Spec(72);
  WeightLayout layout = planWeightLayout(spec, nullptr, ElementType::Q4_0);
  ASSERT_EQ(layout.notes.size(), 1u);
  EXPECT_NE(layout.notes[0].find("'layers.*.w2' has rows of 72 values, not a multiple of 32: "
                                 "stored in f32, not q4_0"),
            std::string::npos);
  const WeightSlot &wq = layout.get("layers.0.wq");
  EXPECT_EQ(wq.type, ElementType::Q4_0);
  EXPECT_EQ(wq.storedShape, (llvm::SmallVector<int64_t, 3>{4, 32, 16}));
  EXPECT_EQ(wq.numBytes(), 64 * 64 / 2);
  const WeightSlot &scales = layout.get("layers.0.wq.scales");
  EXPECT_EQ(scales.storedShape, (llvm::SmallVector<int64_t, 3>{4, 2, 16}));
  EXPECT_EQ(scales.offset, wq.offset + wq.numBytes());
  EXPECT_EQ(layout.get("layers.1.w2").type, ElementType::F32);
  EXPECT_EQ(layout.get("tok_embeddings").storedShape,
            (llvm::SmallVector<int64_t, 3>{2, 32, 16})); // tied: packed
  for (const char *kind : {"wq", "wq.scales", "w1", "w1.scales", "w2"}) {
    std::optional<int64_t> stride = layout.layerStride(kind, spec.layers);
    ASSERT_TRUE(stride.has_value()) << kind;
    EXPECT_EQ(layout.get(layerTensorName(1, kind)).offset,
              layout.get(layerTensorName(0, kind)).offset + *stride);
  }
}

/// The blob holds, for row nb * B + j, byte [nb][16 kb + i][j] = code of
/// k = 32 kb + i | code of k = 32 kb + 16 + i << 4 and the scales at
/// [nb][kb][j], as the quantizer computes them row by row; an unpacked
/// table (untied embedding) holds GGUF's row bytes as they are.
TEST(WeightLayoutQ4_0, BlobPacksTwoCodesAByte) {
  for (bool tied : {true, false}) {
    ModelSpec spec = q8Spec(96);
    spec.tieEmbeddings = tied;
    WeightLayout layout = planWeightLayout(spec, nullptr, ElementType::Q4_0);
    ModelWeights weights;
    std::vector<std::vector<float>> storage;
    for (const TensorInfo &t : listTensors(spec)) {
      storage.push_back(randomRow(t.numElements(), storage.size() + 1, 0.1f));
      weights.add(t.name, t.shape, storage.back().data());
    }
    if (tied)
      weights.add("output", {spec.vocabSize, spec.dim}, weights.lookup("tok_embeddings")->data);
    std::string blob;
    llvm::raw_string_ostream os(blob);
    ASSERT_FALSE(bool(writeWeightBlob(layout, weights, os)));
    os.flush();
    ASSERT_EQ(int64_t(blob.size()), layout.totalBytes);
    auto byteAt = [&](int64_t offset) { return uint8_t(blob[offset]); };
    for (const char *name : {"layers.1.wk", "tok_embeddings"}) {
      const WeightTensor &w = *weights.lookup(name);
      int64_t rows = w.shape[0], in = w.shape[1];
      const WeightSlot &values = layout.get(name);
      const WeightSlot &scales = layout.get(std::string(name) + ".scales");
      int64_t block = values.block;
      EXPECT_EQ(block, std::string(name) == "tok_embeddings" && !tied ? 0 : 16) << name;
      for (int64_t row = 0; row < rows; ++row) {
        std::vector<uint8_t> q(in);
        std::vector<float> d(in / 32);
        quantizeRowQ4_0(llvm::ArrayRef<float>(w.data + row * in, in), q, d);
        int64_t lanes = std::max<int64_t>(block, 1);
        int64_t nb = row / lanes, j = row % lanes;
        for (int64_t kb = 0; kb < in / 32; ++kb) {
          for (int64_t i = 0; i < 16; ++i) {
            int64_t at = values.offset + (nb * (in / 2) + 16 * kb + i) * lanes + j;
            EXPECT_EQ(byteAt(at), q[32 * kb + i] | (q[32 * kb + 16 + i] << 4))
                << name << " " << row << " " << kb << " " << i;
          }
          float stored;
          int64_t at = scales.offset + 4 * ((nb * (in / 32) + kb) * lanes + j);
          std::memcpy(&stored, blob.data() + at, 4);
          EXPECT_EQ(stored, d[kb]) << name << " " << row << " " << kb;
        }
      }
    }
  }
}

} // namespace
