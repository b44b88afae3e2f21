//===- Dequantize.h - ggml tensor element types to float --------*- C++ -*-===//
//
// The element types of GGUF tensors that attnc reads (F32, F16, BF16 and the
// block-quantized Q8_0, Q4_0, Q4_K, Q6_K) and their conversion to float32.
// The conversion is exactly, bit for bit, what gguf-py's gguf/quants.py
// computes in NumPy float32 (which follows ggml-quants.c's dequantize_row_*):
// each product is rounded to float where NumPy rounds it, in the same order,
// so that a model imported here equals the one llama.cpp's tools see.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_FRONTEND_DEQUANTIZE_H
#define ATTNC_FRONTEND_DEQUANTIZE_H

#include <cstdint>

namespace attnc {

/// ggml's type numbers (ggml/include/ggml.h); only those attnc converts.
enum class GgmlType : uint32_t {
  F32 = 0,
  F16 = 1,
  Q4_0 = 2,
  Q8_0 = 8,
  Q4_K = 12,
  Q6_K = 14,
  BF16 = 30,
};

/// The name ggml gives type number `type` ("Q5_1", "IQ2_XXS"), whether or
/// not attnc supports it; null for a number ggml never used.
const char *ggmlTypeName(uint32_t type);

/// Whether attnc can convert type number `type` (one of GgmlType).
bool isSupportedGgmlType(uint32_t type);

/// A block of `blockElements` consecutive elements of a row is stored in
/// `blockBytes` bytes (1 and the element size for F32, F16, BF16).
struct GgmlBlockLayout {
  uint32_t blockElements;
  uint32_t blockBytes;
};
GgmlBlockLayout ggmlBlockLayout(GgmlType type);

/// Converts `blocks` whole blocks of `type` at `src` (blocks * blockBytes
/// bytes, any alignment) to blocks * blockElements floats at `out`.
void dequantizeBlocks(GgmlType type, const uint8_t *src, uint64_t blocks, float *out);

/// IEEE half and bfloat16 bits to float (exact: every value is representable).
float halfToFloat(uint16_t bits);
float bfloat16ToFloat(uint16_t bits);

} // namespace attnc

#endif // ATTNC_FRONTEND_DEQUANTIZE_H
