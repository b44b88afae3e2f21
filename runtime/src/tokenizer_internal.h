//===- tokenizer_internal.h - Helpers shared by the tokenizer sources -*- C++ -*-===//
//
// UTF-8, GPT-2's byte-to-character map and the Unicode classes of its
// pre-tokenizer, used by loading (tokenizer.cpp), encoding
// (tokenizer_encode.cpp) and decoding (tokenizer_text.cpp). Runtime internal.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNRT_SRC_TOKENIZER_INTERNAL_H
#define ATTNRT_SRC_TOKENIZER_INTERNAL_H

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace attnrt {

/// `<0xXX>` with two hex digits, the byte-fallback pieces of SentencePiece
/// vocabularies.
bool parse_raw_byte(std::string_view piece, unsigned char *byte);

/// The code point GPT-2's bytes_to_unicode maps `byte` to.
uint32_t gpt2_byte_to_codepoint(unsigned byte);
/// The byte GPT-2's bytes_to_unicode maps to `cp`, or -1.
int codepoint_to_byte(uint32_t cp);

/// Writes the UTF-8 of `cp` (< 0x110000) to out[0..4); returns its length.
size_t encode_utf8(uint32_t cp, char *out);
/// The length (1..4) of the well-formed UTF-8 character `s` starts with, and
/// its code point; 0 when `s` does not start with one (empty, a stray or
/// invalid byte, a cut or overlong sequence, a surrogate).
size_t decode_utf8(std::string_view s, uint32_t *cp);

/// \p{L}, \p{N} and White_Space (runtime/src/unicode_ranges.inc).
enum : unsigned { kClassLetter = 1, kClassNumber = 2, kClassSpace = 4 };
unsigned unicode_class(uint32_t cp);

} // namespace attnrt

#endif // ATTNRT_SRC_TOKENIZER_INTERNAL_H
