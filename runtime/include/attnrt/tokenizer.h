//===- tokenizer.h - llama2.c's BPE tokenizer -------------------*- C++ -*-===//
//
// The tokenizer of llama2.c's run.c, reading its `tokenizer.bin` format:
//   int32 max_token_length
//   vocab_size times: float32 score, int32 length, `length` bytes of piece
// (little-endian; the file does not store vocab_size, so it is checked
// against the model's). encode() and decode() reproduce run.c's encode(),
// decode() and safe_printf() byte for byte, so text generated through this
// runtime matches llama2.c's. Loading checks every size and reports the byte
// offset and token index where a truncated or corrupt file goes wrong.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNRT_TOKENIZER_H
#define ATTNRT_TOKENIZER_H

#include "runtime/include/attnrt/status.h"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string_view>
#include <vector>

namespace attnrt {

/// Token ids with a fixed meaning in Llama vocabularies.
constexpr int32_t kTokenBos = 1;
constexpr int32_t kTokenEos = 2;
/// Byte-fallback pieces `<0x00>`..`<0xFF>` have ids byte + kByteTokenBase.
constexpr int32_t kByteTokenBase = 3;

/// A loaded vocabulary. Built by tokenizer_create*, released by
/// tokenizer_destroy; read-only afterwards, so one may serve many threads.
struct Tokenizer {
  int32_t vocab_size = 0;
  uint32_t max_token_length = 0; // as stored in the file; no piece is longer
  uint32_t longest = 0;          // bytes of the longest piece actually present
  std::vector<char> text;        // (sum of piece lengths + vocab_size) pieces back to back, each NUL-terminated
  std::vector<size_t> offset;    // (vocab_size) where piece i starts in `text`
  std::vector<uint32_t> length;  // (vocab_size) bytes of piece i
  std::vector<float> score;      // (vocab_size) merge priority: higher merges first
  std::vector<int32_t> sorted;   // (vocab_size) ids ordered by piece bytes, for binary search
  char bytes[256];               // (256) bytes[b] == b: storage for decoded raw-byte pieces
};

/// Parses a tokenizer.bin image of `size` bytes that must hold exactly
/// `vocab_size` tokens. On failure `t` is left empty and the message names
/// the byte offset and token index where parsing stopped. Refused: a
/// max_token_length <= 0, a piece length < 0, beyond max_token_length or
/// beyond the data, a non-finite score, and bytes after the last token.
/// Reads nothing outside [data, data + size) whatever the bytes are.
Status tokenizer_create(Tokenizer *t, const unsigned char *data, size_t size,
                        int32_t vocab_size);

/// Reads the file at `path` and parses it as tokenizer_create does.
Status tokenizer_create_from_file(Tokenizer *t, const char *path, int32_t vocab_size);

/// Releases what tokenizer_create allocated; `t` is empty afterwards.
void tokenizer_destroy(Tokenizer *t);

/// The bytes of token `id` as stored (llama2.c's `vocab[id]`); empty when
/// `id` is out of range.
std::string_view tokenizer_piece(const Tokenizer &t, int32_t id);

/// The id whose piece is exactly `piece`, or -1 (llama2.c's str_lookup).
int32_t tokenizer_lookup(const Tokenizer &t, std::string_view piece);

/// Encodes UTF-8 `text` like llama2.c's encode(): optional BOS, a dummy
/// prefix " " when text is non-empty, one token per code point found in the
/// vocabulary or one byte-fallback token per byte otherwise, then greedy
/// merges of the adjacent pair whose merged piece scores highest (leftmost
/// on ties), then optional EOS. Fails only when the vocabulary lacks what
/// llama2.c assumes (a " " piece, byte tokens at 3..258).
Status encode(const Tokenizer &t, std::string_view text, bool bos, bool eos,
              std::vector<int32_t> *tokens);

/// The text of `token` when it follows `prev`, as llama2.c's decode():
/// after BOS a leading space is dropped, and a `<0xXX>` piece becomes the
/// single raw byte XX. Points into `t`; empty when `token` is out of range.
std::string_view decode(const Tokenizer &t, int32_t prev, int32_t token);

/// llama2.c's safe_printf() rule: false for an empty piece and for a single
/// byte that is neither printable nor whitespace (control codes, lone bytes
/// of a multi-byte UTF-8 sequence), which are not printed.
bool piece_is_printable(std::string_view piece);

/// Writes `piece` to `out` when piece_is_printable(piece); allocates nothing.
/// False when the write failed (errno says why).
bool write_piece(FILE *out, std::string_view piece);

} // namespace attnrt

#endif // ATTNRT_TOKENIZER_H
