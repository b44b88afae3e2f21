//===- tokenizer.h - Tokenizers of compiled models --------------*- C++ -*-===//
//
// The vocabulary a compiled model embeds, and the two algorithms that encode
// text with it: SentencePiece-style BPE by piece scores (Llama, Mistral,
// llama2.c) and GPT-2's byte-level BPE by merge ranks. The compiler converts
// every tokenizer source (llama2.c's tokenizer.bin, a GGUF vocabulary, a
// Hugging Face tokenizer.json) into one embedded format, below; the runtime
// parses it with every count, length and id checked against the bytes that
// remain, so that no image can make it read out of bounds or allocate more
// than the image's size justifies.
//
// The embedded format, version 1, all integers little-endian:
//   char[8]  magic "ATTNTOK\0"
//   u32      version (1)
//   u32      kind: 0 spm (score merges), 1 gpt2 (byte-level BPE, ranked merges)
//   u32      n_tokens, at most the model's vocab_size (ids >= n_tokens are
//            never produced and decode to nothing)
//   u32      n_merges (0 for spm)
//   i32      bos, eos, unk: token ids, -1 for none
//   u32      flags: bit 0 add_bos (a prompt starts with BOS), bit 1
//            add_space_prefix (spm: " " before the text); other bits 0
//   n_tokens times:
//     f32    score (spm: higher merges first; finite)
//     u8     type, GGUF's numbering: 1 normal, 2 unknown, 3 control,
//            4 user-defined, 5 unused, 6 byte (piece `<0xNN>`)
//     u32    length, then `length` bytes of piece (spm pieces use U+2581 for
//            a space, gpt2 pieces the bytes_to_unicode characters)
//   n_merges times, in rank order (rank 0 merges first):
//     u32    left, right, merged: token ids, piece(merged) == piece(left) +
//            piece(right)
// and nothing after. llama2.c's tokenizer.bin (int32 max_token_length, then
// per token f32 score, i32 length, bytes; spaces stored as ' ') is read by
// tokenizer_create and converted into the same in-memory Tokenizer.
//
// Decoding writes through a TextStream, which keeps the output valid UTF-8
// when a character's bytes arrive in several tokens (byte-fallback tokens,
// GPT-2 byte pieces).
//
//===----------------------------------------------------------------------===//
#ifndef ATTNRT_TOKENIZER_H
#define ATTNRT_TOKENIZER_H

#include "runtime/include/attnrt/status.h"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace attnrt {

/// Token ids llama2.c's tokenizer.bin gives a fixed meaning.
constexpr int32_t kTokenBos = 1;
constexpr int32_t kTokenEos = 2;
/// In tokenizer.bin, byte-fallback pieces `<0x00>`..`<0xFF>` have ids byte + kByteTokenBase.
constexpr int32_t kByteTokenBase = 3;

/// The embedded format's magic and version (see the file comment).
constexpr char kTokenizerMagic[8] = {'A', 'T', 'T', 'N', 'T', 'O', 'K', '\0'};
constexpr uint32_t kTokenizerVersion = 1;

enum class TokenizerKind : uint32_t { Spm = 0, Gpt2 = 1 };

/// GGUF's token types (llama.cpp's llama_token_type).
enum class TokenType : uint8_t {
  Normal = 1,
  Unknown = 2,
  Control = 3,
  UserDefined = 4,
  Unused = 5,
  Byte = 6,
};

/// A merge rule of a gpt2-kind vocabulary: left + right -> merged, with its rank.
struct TokenMerge {
  int32_t rank;
  int32_t merged;
};

/// A loaded vocabulary. Built by tokenizer_create*, released by
/// tokenizer_destroy; read-only afterwards, so one may serve many threads.
struct Tokenizer {
  TokenizerKind kind = TokenizerKind::Spm;
  int32_t vocab_size = 0;        // tokens in the tokenizer (ids 0 .. vocab_size - 1)
  int32_t bos = -1, eos = -1, unk = -1; // -1: none
  bool add_bos = false;          // a prompt starts with BOS
  bool add_space_prefix = false; // spm: a " " is put before the text
  uint32_t max_token_length = 0; // tokenizer.bin's header; `longest` for the embedded format
  uint32_t longest = 0;          // bytes of the longest piece actually present
  uint32_t longest_text = 0;     // the most bytes of input text one token stands for
  std::vector<char> text;        // (sum of piece lengths + vocab_size) pieces back to back, each NUL-terminated
  std::vector<size_t> offset;    // (vocab_size) where piece i starts in `text`
  std::vector<uint32_t> length;  // (vocab_size) bytes of piece i
  std::vector<float> score;      // (vocab_size) spm merge priority: higher merges first
  std::vector<TokenType> type;   // (vocab_size)
  std::vector<int32_t> sorted;   // (vocab_size) ids ordered by piece bytes, for binary search
  std::vector<char> shown;       // what each token decodes to, back to back
  std::vector<size_t> shown_offset;   // (vocab_size + 1) token i's text is [shown_offset[i], shown_offset[i+1])
  int32_t byte_token[256] = {};  // spm: id of `<0xNN>`; gpt2: id of byte NN's character; -1: none
  std::unordered_map<uint64_t, TokenMerge> merges; // gpt2: (left << 32 | right) -> rank, merged
  char bytes[256] = {};          // (256) bytes[b] == b (kept for callers of the old decode)
};

/// The plain content of a tokenizer, from which the compiler writes the
/// embedded format (tokenizer_serialize).
struct TokenizerData {
  TokenizerKind kind = TokenizerKind::Spm;
  std::vector<std::string> pieces;
  std::vector<float> scores; // (pieces) or empty: all 0
  std::vector<TokenType> types; // (pieces) or empty: all Normal
  struct Merge {
    int32_t left, right, merged;
  };
  std::vector<Merge> merges; // in rank order
  int32_t bos = -1, eos = -1, unk = -1;
  bool add_bos = false;
  bool add_space_prefix = false;
};

/// The embedded format of `data`. Writes what it is given; loading the
/// result with tokenizer_create_embedded is what checks it.
std::string tokenizer_serialize(const TokenizerData &data);

/// Parses an embedded-format image of `size` bytes holding at most
/// `vocab_size` tokens (the model's). An image that does not start with the
/// magic is read as llama2.c's tokenizer.bin with exactly `vocab_size`
/// tokens (tokenizer_create), which is what attnc embedded before runtime
/// ABI 2. On failure `t` is left empty and the message names the byte offset
/// (and token or merge index) where parsing stopped. Reads nothing outside
/// [data, data + size) whatever the bytes are.
Status tokenizer_create_embedded(Tokenizer *t, const unsigned char *data, size_t size,
                                 int32_t vocab_size);

/// Parses llama2.c's tokenizer.bin image of `size` bytes that must hold
/// exactly `vocab_size` tokens, into an spm tokenizer: spaces become U+2581,
/// id 0 is unknown, 1 BOS, 2 EOS (control), `<0xNN>` pieces bytes, add_bos
/// and add_space_prefix set. Refused: a max_token_length <= 0, a piece
/// length < 0, beyond max_token_length or beyond the data, a non-finite
/// score, and bytes after the last token.
Status tokenizer_create(Tokenizer *t, const unsigned char *data, size_t size,
                        int32_t vocab_size);

/// Reads the file at `path` and parses it as tokenizer_create does.
Status tokenizer_create_from_file(Tokenizer *t, const char *path, int32_t vocab_size);

/// Releases what tokenizer_create allocated; `t` is empty afterwards.
void tokenizer_destroy(Tokenizer *t);

/// The bytes of token `id` as stored; empty when `id` is out of range.
std::string_view tokenizer_piece(const Tokenizer &t, int32_t id);

/// The lowest id whose piece is exactly `piece`, or -1.
int32_t tokenizer_lookup(const Tokenizer &t, std::string_view piece);

/// Encodes UTF-8 `text` (up to its first NUL, as a C string): BOS first when
/// `bos` and the tokenizer has one, EOS last when `eos` and it has one.
///   spm: llama.cpp's llm_tokenizer_spm: " " before non-empty text when
///     add_space_prefix, spaces as U+2581, one symbol per UTF-8 character
///     (a stray byte alone), repeated merging of the adjacent pair whose
///     concatenation is the highest-scoring piece (leftmost on ties), then
///     each symbol's id, or its bytes' `<0xNN>` tokens, or unk.
///   gpt2: GPT-2's pre-tokenizer regex (letters, numbers and White_Space
///     from Unicode 14.0 tables, runtime/tools/gen_unicode_ranges.py; a byte
///     that starts no UTF-8 character counts as "other" and keeps its
///     value, where llama.cpp would encode U+FFFD), each word's bytes mapped through
///     bytes_to_unicode, repeated merging of the lowest-ranked adjacent pair
///     (leftmost on ties), each symbol's id.
/// Fails only when a byte has no token at all (no byte token and no unk).
Status encode(const Tokenizer &t, std::string_view text, bool bos, bool eos,
              std::vector<int32_t> *tokens);

/// The text of `token` when it follows `prev`: spm: U+2581 as a space, a
/// byte token as its byte, a leading space dropped after BOS when
/// add_space_prefix (llama2.c's rule); gpt2: the bytes its characters stand
/// for. Control tokens decode to nothing. Points into `t`; empty when
/// `token` is out of range. The bytes may be part of a UTF-8 character:
/// print them through a TextStream.
std::string_view decode(const Tokenizer &t, int32_t prev, int32_t token);

/// llama2.c's safe_printf() rule: false for an empty piece and for a single
/// byte that is neither printable nor whitespace.
bool piece_is_printable(std::string_view piece);

/// Writes `piece` to `out` when piece_is_printable(piece); allocates nothing.
bool write_piece(FILE *out, std::string_view piece);

/// Decoded bytes on their way to the output: a UTF-8 character whose bytes
/// arrive in several pieces is held until it is complete, so the output is
/// always valid UTF-8. A byte that cannot start or continue a character
/// (and a character cut short by the next byte or by the end) becomes U+FFFD,
/// one per maximal invalid subpart as Unicode recommends. ASCII control
/// codes other than \t \n \v \f \r are dropped, as llama2.c's safe_printf
/// drops them.
struct TextStream {
  unsigned char pending[4] = {}; // the bytes of an incomplete character
  int pending_len = 0;
  int need = 0; // the character's full length
  unsigned char lo = 0x80, hi = 0xBF; // the range of the next continuation byte
};

/// Appends the valid UTF-8 of `bytes` (after what `s` holds) to `out`.
void text_stream_put(TextStream *s, std::string_view bytes, std::string *out);
/// The end of the text: an incomplete character becomes U+FFFD.
void text_stream_finish(TextStream *s, std::string *out);

/// The Unicode version of the letter/number/space tables the gpt2 kind uses.
const char *tokenizer_unicode_version();

/// GPT-2's pre-tokenizer: the byte lengths of the words of `text` (exposed
/// for tests).
void gpt2_split(std::string_view text, std::vector<size_t> *lengths);

} // namespace attnrt

#endif // ATTNRT_TOKENIZER_H
