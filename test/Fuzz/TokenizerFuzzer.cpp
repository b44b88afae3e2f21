//===- TokenizerFuzzer.cpp - libFuzzer target: llama2.c tokenizers ---------===//
//
// Parses the input as a llama2.c tokenizer.bin image with
// attnrt::tokenizer_create, then encodes and decodes a few short texts with
// it, which is what a generated executable does with an embedded tokenizer.
// The file does not store its vocabulary size (the model supplies it), so the
// target derives one from the input: the number of whole records it holds,
// or one more when bytes are left over, so that both complete vocabularies
// (reaching encode/decode) and every truncation path are exercised. Encoding
// is only tried with at least 3 tokens, the runtime's floor for any model.
//
//===----------------------------------------------------------------------===//
#include "runtime/include/attnrt/tokenizer.h"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <vector>

namespace {

/// Whole (score, length, bytes) records after the 4-byte header, and whether
/// bytes are left over; a record with a negative length ends the count.
int32_t countRecords(const uint8_t *data, size_t size, bool *leftover) {
  size_t at = 4;
  int32_t n = 0;
  *leftover = false;
  if (size < 4)
    return 0;
  while (size - at >= 8 && n < (1 << 20)) {
    int32_t len;
    std::memcpy(&len, data + at + 4, 4);
    if (len < 0 || size - at - 8 < size_t(len))
      break;
    at += 8 + size_t(len);
    ++n;
  }
  *leftover = at != size;
  return n;
}

void require(bool ok, const char *what) {
  if (!ok) {
    std::fprintf(stderr, "TokenizerFuzzer: %s\n", what);
    std::abort();
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  bool leftover = false;
  int32_t vocab = countRecords(data, size, &leftover);
  if (leftover || vocab == 0)
    ++vocab;

  attnrt::Tokenizer t;
  attnrt::Status status = attnrt::tokenizer_create(&t, data, size, vocab);
  if (!status.ok()) {
    require(!status.message().empty(), "an error without a message");
    require(t.vocab_size == 0, "a failed load left a vocabulary behind");
    return 0;
  }
  require(t.vocab_size == vocab, "loaded a different vocab_size than asked for");
  for (int32_t id = 0; id < vocab; ++id) {
    std::string_view piece = attnrt::tokenizer_piece(t, id);
    require(piece.size() <= t.max_token_length, "a piece longer than max_token_length");
    int32_t found = attnrt::tokenizer_lookup(t, piece);
    require(found >= 0 && found < vocab && attnrt::tokenizer_piece(t, found) == piece,
            "tokenizer_lookup does not find a piece");
    (void)attnrt::piece_is_printable(attnrt::decode(t, attnrt::kTokenBos, id));
  }
  require(attnrt::tokenizer_piece(t, -1).empty() && attnrt::tokenizer_piece(t, vocab).empty(),
          "a piece for an id out of range");

  // A generated executable refuses a model with fewer than 3 tokens before it
  // loads the tokenizer (BOS and EOS are ids 1 and 2), so encoding with a
  // smaller vocabulary cannot happen there (runtime/src/generate.cpp).
  if (vocab <= attnrt::kTokenEos) {
    attnrt::tokenizer_destroy(&t);
    return 0;
  }
  // ASCII, multi-byte UTF-8, bytes that are not UTF-8, and the empty text.
  static const std::string_view texts[] = {"Once upon a time, a cat.",
                                           "\xc3\xa9t\xc3\xa9 \xe6\x97\xa5 \xf0\x9f\x98\x80",
                                           std::string_view("\xff\xfe\x00 x\x80", 6), ""};
  for (std::string_view text : texts) {
    std::vector<int32_t> tokens;
    if (!attnrt::encode(t, text, /*bos=*/true, /*eos=*/true, &tokens).ok())
      continue; // a vocabulary without " " or byte tokens: reported, not crashed
    int32_t prev = attnrt::kTokenBos;
    for (int32_t token : tokens) {
      require(token >= 0 && token < vocab, "encode produced an id out of range");
      (void)attnrt::piece_is_printable(attnrt::decode(t, prev, token));
      prev = token;
    }
  }
  attnrt::tokenizer_destroy(&t);
  return 0;
}
