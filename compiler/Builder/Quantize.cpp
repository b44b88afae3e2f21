//===- Quantize.cpp - GGUF's Q8_0 and Q4_0 quantization of rows -----------===//
//
// Transcriptions of ggml's quantize_row_q8_0_ref and quantize_row_q4_0_ref
// (ggml-quants.c): the scale is computed and applied in f32, then stored
// rounded to f16. Contraction is off: Q4_0's w * id and + 8.5 are two
// roundings in ggml (two statements) and must stay two here.
//
//===----------------------------------------------------------------------===//
#include "compiler/Builder/Quantize.h"

#include "compiler/Frontend/Weights.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstring>
#include <limits>

#pragma STDC FP_CONTRACT OFF

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

void attnc::quantizeRowQ4_0(llvm::ArrayRef<float> row, llvm::MutableArrayRef<uint8_t> codes,
                            llvm::MutableArrayRef<float> scales) {
  assert(row.size() % kQ8BlockSize == 0 && codes.size() == row.size() &&
         scales.size() == row.size() / kQ8BlockSize && "Q4_0 rows are whole blocks");
  for (size_t block = 0; block < scales.size(); ++block) {
    const float *x = row.data() + block * kQ8BlockSize;
    uint8_t *q = codes.data() + block * kQ8BlockSize;
    // The value of largest magnitude, sign kept; the first one on a tie.
    float amax = 0.0f, max = 0.0f;
    bool finite = true;
    for (int64_t j = 0; j < kQ8BlockSize; ++j) {
      finite = finite && std::isfinite(x[j]);
      if (amax < std::fabs(x[j])) {
        amax = std::fabs(x[j]);
        max = x[j];
      }
    }
    // As Q8_0: a non-finite weight makes the block's scale NaN (code 8, a
    // zero times NaN, reads as NaN) rather than an undefined conversion.
    if (!finite) {
      scales[block] = std::numeric_limits<float>::quiet_NaN();
      std::fill_n(q, kQ8BlockSize, uint8_t(8));
      continue;
    }
    const float d = max / -8.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    scales[block] = halfBitsToFloat(floatToHalfBits(d));
    for (int64_t j = 0; j < kQ8BlockSize; ++j) {
      const float scaled = x[j] * id;
      const float shifted = scaled + 8.5f;
      // ggml converts to int8_t (truncation; shifted is in [0, 16.5]) and
      // clamps only above. The lower clamp cannot bite: |scaled| <= 8 up
      // to one rounding.
      int code = static_cast<int>(std::trunc(shifted));
      q[j] = static_cast<uint8_t>(std::clamp(code, 0, 15));
    }
  }
}
