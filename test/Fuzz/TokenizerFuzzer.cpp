//===- TokenizerFuzzer.cpp - libFuzzer target: embedded tokenizers ---------===//
//
// Loads the input as a generated executable loads its embedded tokenizer
// (attnrt::tokenizer_create_embedded: the embedded format when the input
// starts with its magic, llama2.c's tokenizer.bin otherwise), then encodes
// a few texts and the input's own bytes with whichever encoder the
// vocabulary asks for (spm score merges or gpt2 byte-level BPE), and decodes
// the ids through a TextStream. Invariants checked: a failed load leaves
// nothing behind and says why; every id encode produces is in range; the
// decoded stream is valid UTF-8; GPT-2's pre-tokenizer splits a text into
// words that cover it exactly. tokenizer.bin does not store its vocabulary
// size, so the target derives one from the input: the number of whole
// records it holds, or one more when bytes are left over, so that complete
// vocabularies and every truncation path are both exercised.
//
//===----------------------------------------------------------------------===//
#include "runtime/include/attnrt/tokenizer.h"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
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

/// Well-formed UTF-8 (Unicode's Table 3-7), written independently of the runtime's.
bool validUtf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n;
    unsigned lo = 0x80, hi = 0xBF;
    if (c < 0x80)
      n = 1;
    else if (c >= 0xC2 && c <= 0xDF)
      n = 2;
    else if (c >= 0xE0 && c <= 0xEF)
      n = 3, lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
    else if (c >= 0xF0 && c <= 0xF4)
      n = 4, lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
    else
      return false;
    if (s.size() - i < n)
      return false;
    for (size_t k = 1; k < n; ++k) {
      unsigned char d = static_cast<unsigned char>(s[i + k]);
      if (d < lo || d > hi)
        return false;
      lo = 0x80, hi = 0xBF;
    }
    i += n;
  }
  return true;
}

void checkText(const attnrt::Tokenizer &t, std::string_view text) {
  std::vector<size_t> words;
  attnrt::gpt2_split(text, &words);
  size_t covered = 0;
  for (size_t w : words) {
    require(w > 0, "gpt2_split made an empty word");
    covered += w;
  }
  require(covered == text.size(), "gpt2_split's words do not cover the text");

  std::vector<int32_t> tokens;
  if (!attnrt::encode(t, text, /*bos=*/true, /*eos=*/true, &tokens).ok())
    return; // a vocabulary without byte tokens and unk: reported, not crashed
  attnrt::TextStream stream;
  std::string out;
  int32_t prev = -1;
  for (int32_t token : tokens) {
    require(token >= 0 && token < t.vocab_size, "encode produced an id out of range");
    attnrt::text_stream_put(&stream, attnrt::decode(t, prev, token), &out);
    prev = token;
  }
  attnrt::text_stream_finish(&stream, &out);
  require(validUtf8(out), "the decoded stream is not valid UTF-8");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const bool embedded = size >= sizeof attnrt::kTokenizerMagic &&
                        std::memcmp(data, attnrt::kTokenizerMagic, sizeof attnrt::kTokenizerMagic) == 0;
  int32_t vocab = 1 << 20;
  if (!embedded) {
    bool leftover = false;
    vocab = countRecords(data, size, &leftover);
    if (leftover || vocab == 0)
      ++vocab;
  }

  attnrt::Tokenizer t;
  attnrt::Status status = attnrt::tokenizer_create_embedded(&t, data, size, vocab);
  if (!status.ok()) {
    require(!status.message().empty(), "an error without a message");
    require(t.vocab_size == 0, "a failed load left a vocabulary behind");
    return 0;
  }
  require(t.vocab_size >= 1 && t.vocab_size <= vocab, "loaded a vocabulary of another size");
  for (int32_t id = 0; id < t.vocab_size; ++id) {
    std::string_view piece = attnrt::tokenizer_piece(t, id);
    require(piece.size() <= t.longest, "a piece longer than the longest");
    int32_t found = attnrt::tokenizer_lookup(t, piece);
    require(found >= 0 && found <= id && attnrt::tokenizer_piece(t, found) == piece,
            "tokenizer_lookup does not find a piece");
    require(attnrt::decode(t, -1, id).size() <= t.longest_text, "a token's text beyond longest_text");
  }
  require(attnrt::tokenizer_piece(t, -1).empty() && attnrt::tokenizer_piece(t, t.vocab_size).empty(),
          "a piece for an id out of range");
  require(t.bos < t.vocab_size && t.eos < t.vocab_size && t.unk < t.vocab_size,
          "a special id out of range");

  // ASCII, multi-byte UTF-8, bytes that are not UTF-8, the empty text, and
  // the input itself (bounded: the encoders are O(n log n), the lookups too).
  static const std::string_view texts[] = {"Once upon a time, a cat's 42 mice.  \n\n x",
                                           "\xc3\xa9t\xc3\xa9 \xe6\x97\xa5 \xf0\x9f\x98\x80",
                                           std::string_view("\xff\xfe\x00 x\x80", 6), ""};
  for (std::string_view text : texts)
    checkText(t, text);
  checkText(t, std::string_view(reinterpret_cast<const char *>(data), size < 512 ? size : 512));
  attnrt::tokenizer_destroy(&t);
  return 0;
}
