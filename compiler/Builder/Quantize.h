//===- Quantize.h - GGUF's Q8_0 quantization of weight rows -----*- C++ -*-===//
//
// Q8_0 as ggml's quantize_row_q8_0_ref computes it, so that a model compiled
// with `--weight-type q8_0` and the same model converted to a GGUF Q8_0 file
// by llama.cpp hold the same numbers: per block of 32 consecutive weights,
// d = max|w| / 127, q = round(w / d) (half away from zero, computed with
// the f32 d), and d stored as f16; the weight is then f16(d) * q. A block of
// zeros has d = 0 and q = 0. Quantizing the dequantized values of such a
// block again gives back the same q and d whenever some |q| is 127, which
// ggml's quantizer guarantees (the block's largest weight maps to +-127):
// that is how a GGUF Q8_0 tensor, imported dequantized, keeps its values.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_BUILDER_QUANTIZE_H
#define ATTNC_BUILDER_QUANTIZE_H

#include "llvm/ADT/ArrayRef.h"
#include <cstdint>

namespace attnc {

/// Quantizes `row` (a multiple of 32 values) to Q8_0: `q` gets one int8 per
/// value, `scales` one scale per block of 32 (the f16 scale, widened to f32
/// exactly). The dequantized weight is `scales[i / 32] * q[i]`. A block
/// holding a NaN or an infinity gets a NaN scale and q = 0.
void quantizeRowQ8_0(llvm::ArrayRef<float> row, llvm::MutableArrayRef<int8_t> q,
                     llvm::MutableArrayRef<float> scales);

/// f32 to IEEE half, rounding to nearest even; the bits.
uint16_t floatToHalfBits(float value);
/// IEEE half bits to f32 (exact).
float halfBitsToFloat(uint16_t bits);

} // namespace attnc

#endif // ATTNC_BUILDER_QUANTIZE_H
