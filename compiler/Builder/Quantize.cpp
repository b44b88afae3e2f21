//===- Quantize.cpp - GGUF's Q8_0 quantization of weight rows -------------===//
//
// A transcription of ggml's quantize_row_q8_0_ref (ggml-quants.c): the scale
// is computed and applied in f32, then stored rounded to f16.
//
//===----------------------------------------------------------------------===//
#include "compiler/Builder/Quantize.h"

#include "compiler/Frontend/Weights.h"

#include <cassert>
#include <cmath>
#include <cstring>
#include <limits>

using namespace attnc;

uint16_t attnc::floatToHalfBits(float value) {
  _Float16 half = static_cast<_Float16>(value);
  uint16_t bits;
  std::memcpy(&bits, &half, sizeof bits);
  return bits;
}

float attnc::halfBitsToFloat(uint16_t bits) {
  _Float16 half;
  std::memcpy(&half, &bits, sizeof bits);
  return static_cast<float>(half);
}

void attnc::quantizeRowQ8_0(llvm::ArrayRef<float> row, llvm::MutableArrayRef<int8_t> q,
                            llvm::MutableArrayRef<float> scales) {
  assert(row.size() % kQ8BlockSize == 0 && q.size() == row.size() &&
         scales.size() == row.size() / kQ8BlockSize && "Q8_0 rows are whole blocks");
  for (size_t block = 0; block < scales.size(); ++block) {
    const float *x = row.data() + block * kQ8BlockSize;
    float amax = 0.0f;
    bool finite = true;
    for (int64_t j = 0; j < kQ8BlockSize; ++j) {
      amax = std::max(amax, std::fabs(x[j]));
      finite = finite && std::isfinite(x[j]);
    }
    // A non-finite weight (let through by --allow-nonfinite) makes its
    // block's scale NaN and its q 0: every weight of the block reads as NaN
    // (converting NaN or infinity to int8 would be undefined).
    if (!finite) {
      scales[block] = std::numeric_limits<float>::quiet_NaN();
      std::fill_n(q.begin() + block * kQ8BlockSize, kQ8BlockSize, int8_t(0));
      continue;
    }
    const float d = amax / 127.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    scales[block] = halfBitsToFloat(floatToHalfBits(d));
    for (int64_t j = 0; j < kQ8BlockSize; ++j)
      q[block * kQ8BlockSize + j] = static_cast<int8_t>(std::roundf(x[j] * id));
  }
}
