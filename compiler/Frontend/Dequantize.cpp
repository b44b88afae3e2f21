//===- Dequantize.cpp - ggml tensor element types to float ----------------===//
//
// Block layouts (ggml-common.h), all little-endian, scales as IEEE half:
//   Q8_0  32 elements in 34 bytes:  d, then 32 int8 q;        x = q * d
//   Q4_0  32 elements in 18 bytes:  d, then 16 bytes: element i < 16 is the
//         low nibble of byte i, element 16 + i its high nibble; x = d * (q - 8)
//   Q4_K  256 elements in 144 bytes: d, dmin, 12 bytes of eight 6-bit scales
//         and mins, 128 bytes of nibbles; sub-block j (32 elements) reads
//         nibble j % 2 of bytes 32 * (j / 2) ...; x = (d * sc) * q - dmin * m
//   Q6_K  256 elements in 210 bytes: 128 bytes of low nibbles, 64 bytes of
//         2-bit high parts, 16 int8 scales, d; x = (d * scale) * (q - 32)
// The operations follow gguf-py's NumPy expressions in order. Every product
// here is in fact exact in float (a half has 11 significant bits, the integer
// factors at most 13 together), so the only rounding is Q4_K's subtraction;
// contraction into fused multiply-adds is off all the same, so that a format
// added later with inexact products cannot round differently from NumPy.
// (gguf-dequant-numpy.test catches a misplaced nibble, scale or sub-block.)
//
//===----------------------------------------------------------------------===//
#include "compiler/Frontend/Dequantize.h"

#include <cstring>

#pragma STDC FP_CONTRACT OFF

namespace attnc {

namespace {

uint16_t read16(const uint8_t *p) { return uint16_t(p[0] | (p[1] << 8)); }

float fromBits(uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

constexpr uint32_t kQK = 256; // elements of a K-quant super-block

void dequantizeQ8_0(const uint8_t *b, float *out) {
  float d = halfToFloat(read16(b));
  for (int i = 0; i < 32; ++i)
    out[i] = float(int8_t(b[2 + i])) * d;
}

void dequantizeQ4_0(const uint8_t *b, float *out) {
  float d = halfToFloat(read16(b));
  for (int i = 0; i < 16; ++i) {
    out[i] = d * float(int(b[2 + i] & 0x0F) - 8);
    out[16 + i] = d * float(int(b[2 + i] >> 4) - 8);
  }
}

void dequantizeQ4_K(const uint8_t *b, float *out) {
  float d = halfToFloat(read16(b));
  float dmin = halfToFloat(read16(b + 2));
  const uint8_t *s = b + 4;  // 12 bytes of scales and mins
  const uint8_t *qs = b + 16; // 128 bytes of nibbles
  for (int j = 0; j < 8; ++j) {
    // Scales 0-3 and mins 0-3 are the low 6 bits of bytes 0-3 and 4-7; scales
    // and mins 4-7 take their low 4 bits from bytes 8-11 and their top 2 bits
    // from the top of bytes 0-3 and 4-7.
    uint8_t sc, m;
    if (j < 4) {
      sc = s[j] & 0x3F;
      m = s[4 + j] & 0x3F;
    } else {
      sc = uint8_t((s[8 + j - 4] & 0x0F) | ((s[j - 4] >> 2) & 0x30));
      m = uint8_t((s[8 + j - 4] >> 4) | ((s[j] >> 2) & 0x30));
    }
    float dl = d * float(sc);
    float ml = dmin * float(m);
    const uint8_t *q = qs + 32 * (j / 2);
    int shift = 4 * (j % 2);
    for (int i = 0; i < 32; ++i) {
      float v = dl * float((q[i] >> shift) & 0x0F);
      out[32 * j + i] = v - ml;
    }
  }
}

void dequantizeQ6_K(const uint8_t *b, float *out) {
  const uint8_t *ql = b;       // 128 bytes
  const uint8_t *qh = b + 128; // 64 bytes
  const int8_t *scales = reinterpret_cast<const int8_t *>(b + 192); // 16
  float d = halfToFloat(read16(b + 208));
  for (uint32_t e = 0; e < kQK; ++e) {
    uint32_t half = e / 128, within = e % 128;
    uint32_t low = (ql[64 * half + within % 64] >> (4 * (within / 64))) & 0x0F;
    uint32_t high = (qh[32 * half + within % 32] >> (2 * (within / 32))) & 0x03;
    int q = int(low | (high << 4)) - 32;
    float dl = d * float(scales[e / 16]);
    out[e] = dl * float(q);
  }
}

} // namespace

float halfToFloat(uint16_t h) {
  uint32_t sign = uint32_t(h & 0x8000) << 16;
  uint32_t exponent = (h >> 10) & 0x1F;
  uint32_t mantissa = h & 0x3FF;
  if (exponent == 0x1F) // infinity or NaN, payload kept
    return fromBits(sign | 0x7F800000 | (mantissa << 13));
  if (exponent != 0)
    return fromBits(sign | ((exponent + 112) << 23) | (mantissa << 13));
  if (mantissa == 0)
    return fromBits(sign);
  // Subnormal: normalize; the value is mantissa * 2^-24.
  int e = -1;
  do {
    ++e;
    mantissa <<= 1;
  } while (!(mantissa & 0x400));
  return fromBits(sign | uint32_t(112 - e) << 23 | ((mantissa & 0x3FF) << 13));
}

float bfloat16ToFloat(uint16_t bits) { return fromBits(uint32_t(bits) << 16); }

const char *ggmlTypeName(uint32_t type) {
  static const char *const names[] = {
      "F32",     "F16",    "Q4_0",    "Q4_1",     "Q4_2",     "Q4_3",     "Q5_0",   "Q5_1",
      "Q8_0",    "Q8_1",   "Q2_K",    "Q3_K",     "Q4_K",     "Q5_K",     "Q6_K",   "Q8_K",
      "IQ2_XXS", "IQ2_XS", "IQ3_XXS", "IQ1_S",    "IQ4_NL",   "IQ3_S",    "IQ2_S",  "IQ4_XS",
      "I8",      "I16",    "I32",     "I64",      "F64",      "IQ1_M",    "BF16",   "Q4_0_4_4",
      "Q4_0_4_8", "Q4_0_8_8", "TQ1_0", "TQ2_0",   "IQ4_NL_4_4", "IQ4_NL_4_8", "IQ4_NL_8_8",
      "MXFP4",   "NVFP4",  "Q1_0",    "Q2_0"};
  return type < sizeof(names) / sizeof(names[0]) ? names[type] : nullptr;
}

bool isSupportedGgmlType(uint32_t type) {
  switch (GgmlType(type)) {
  case GgmlType::F32:
  case GgmlType::F16:
  case GgmlType::Q4_0:
  case GgmlType::Q8_0:
  case GgmlType::Q4_K:
  case GgmlType::Q6_K:
  case GgmlType::BF16:
    return true;
  }
  return false;
}

GgmlBlockLayout ggmlBlockLayout(GgmlType type) {
  switch (type) {
  case GgmlType::F32:
    return {1, 4};
  case GgmlType::F16:
  case GgmlType::BF16:
    return {1, 2};
  case GgmlType::Q4_0:
    return {32, 18};
  case GgmlType::Q8_0:
    return {32, 34};
  case GgmlType::Q4_K:
    return {kQK, 144};
  case GgmlType::Q6_K:
    return {kQK, 210};
  }
  return {1, 4};
}

void dequantizeBlocks(GgmlType type, const uint8_t *src, uint64_t blocks, float *out) {
  GgmlBlockLayout layout = ggmlBlockLayout(type);
  for (uint64_t i = 0; i < blocks; ++i) {
    const uint8_t *b = src + i * layout.blockBytes;
    float *o = out + i * layout.blockElements;
    switch (type) {
    case GgmlType::F32:
      std::memcpy(o, b, 4);
      break;
    case GgmlType::F16:
      *o = halfToFloat(read16(b));
      break;
    case GgmlType::BF16:
      *o = bfloat16ToFloat(read16(b));
      break;
    case GgmlType::Q4_0:
      dequantizeQ4_0(b, o);
      break;
    case GgmlType::Q8_0:
      dequantizeQ8_0(b, o);
      break;
    case GgmlType::Q4_K:
      dequantizeQ4_K(b, o);
      break;
    case GgmlType::Q6_K:
      dequantizeQ6_K(b, o);
      break;
    }
  }
}

} // namespace attnc
