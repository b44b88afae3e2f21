//===- Quantize.h - GGUF's Q8_0 and Q4_0 quantization of rows ---*- C++ -*-===//
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
// Q4_0 as ggml's quantize_row_q4_0_ref computes it: per block of 32, `max`
// is the value of largest magnitude (the first on a tie, sign kept),
// d = max / -8 and id = 1 / d (0 for a zero block) in f32, and the code is
// q = min(15, trunc(w * id + 8.5)) (the product and the sum each rounded to
// f32); d is stored as f16 and the weight is f16(d) * (q - 8). `max` itself
// gets q = 0 (-8 d), so |q - 8| <= 8 and only a value of the opposite sign
// beyond 7.5 |d| is clamped (to 15: an error up to |d| instead of |d| / 2).
// The dequantized values of a block quantize again to the same d and q:
// their largest magnitude is 8 |f16(d)| at the codes 0, so d comes back
// exactly, and (q - 8) * f16(d) * (1 / f16(d)) + 8.5 truncates to q.
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

/// Quantizes `row` (a multiple of 32 values) to Q4_0: `codes` gets one
/// code in [0, 15] per value (element i of a block is code i, not yet
/// packed two per byte), `scales` one scale per block of 32 (the f16 scale,
/// widened to f32 exactly). The dequantized weight is
/// `scales[i / 32] * (codes[i] - 8)`. A block holding a NaN or an infinity
/// gets a NaN scale and codes 8.
void quantizeRowQ4_0(llvm::ArrayRef<float> row, llvm::MutableArrayRef<uint8_t> codes,
                     llvm::MutableArrayRef<float> scales);

/// f32 to IEEE half, rounding to nearest even; the bits.
uint16_t floatToHalfBits(float value);
/// IEEE half bits to f32 (exact).
float halfBitsToFloat(uint16_t bits);

} // namespace attnc

#endif // ATTNC_BUILDER_QUANTIZE_H
