//===- TokenizerFormatTest.cpp - Embedded format, UTF-8 stream, GPT-2 split -===//
//
// The runtime side of the tokenizers without the compiler: the embedded
// format is written (tokenizer_serialize) and read back, every truncation
// and each kind of corruption is refused with its byte offset; the UTF-8
// stream holds split characters and replaces invalid bytes as Python's
// bytes.decode('utf-8', 'replace') does (the expected strings are Python's
// output); GPT-2's pre-tokenizer splits as the regex
// 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
// matches (cases worked out from the regex by hand; the 46 strings of
// llama.cpp's GPT-2 test file are in TokenizerImportTest).
//
//===----------------------------------------------------------------------===//
#include "runtime/include/attnrt/tokenizer.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

using namespace attnrt;

namespace {

/// A small spm vocabulary: specials, the 256 byte tokens, a few pieces.
TokenizerData spmData() {
  TokenizerData d;
  d.kind = TokenizerKind::Spm;
  d.pieces = {"<unk>", "<s>", "</s>"};
  d.types = {TokenType::Unknown, TokenType::Control, TokenType::Control};
  for (int b = 0; b < 256; ++b) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "<0x%02X>", b);
    d.pieces.push_back(buf);
    d.types.push_back(TokenType::Byte);
  }
  for (const char *p : {"\xE2\x96\x81", "a", "b", "\xE2\x96\x81" "a", "ab"}) {
    d.pieces.push_back(p);
    d.types.push_back(TokenType::Normal);
  }
  d.scores.assign(d.pieces.size(), 0.0f);
  d.scores[262] = -1.0f; // "▁a"
  d.scores[263] = 5.0f;  // "ab": outscores "▁a"
  d.bos = 1;
  d.eos = 2;
  d.unk = 0;
  d.add_bos = true;
  d.add_space_prefix = true;
  return d;
}

Status load(Tokenizer *t, const std::string &image, int32_t vocab = 1000) {
  return tokenizer_create_embedded(t, reinterpret_cast<const unsigned char *>(image.data()),
                                   image.size(), vocab);
}

std::string loadError(const std::string &image, int32_t vocab = 1000) {
  Tokenizer t;
  Status st = load(&t, image, vocab);
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(t.vocab_size, 0);
  return st.message();
}

void putU32(std::string &s, size_t at, uint32_t v) { std::memcpy(&s[at], &v, 4); }

std::string streamed(const std::vector<std::string> &pieces) {
  TextStream s;
  std::string out;
  for (const std::string &p : pieces)
    text_stream_put(&s, p, &out);
  text_stream_finish(&s, &out);
  return out;
}

std::vector<std::string> split(const std::string &text) {
  std::vector<size_t> lengths;
  gpt2_split(text, &lengths);
  std::vector<std::string> words;
  size_t at = 0;
  for (size_t n : lengths) {
    words.push_back(text.substr(at, n));
    at += n;
  }
  EXPECT_EQ(at, text.size());
  return words;
}

} // namespace

// ----------------------------------------------------------------------------
// the embedded format

TEST(EmbeddedFormat, RoundTripsAndEncodes) {
  TokenizerData d = spmData();
  Tokenizer t;
  ASSERT_TRUE(load(&t, tokenizer_serialize(d)).ok());
  EXPECT_EQ(t.kind, TokenizerKind::Spm);
  EXPECT_EQ(t.vocab_size, 264);
  EXPECT_EQ(t.bos, 1);
  EXPECT_EQ(t.eos, 2);
  EXPECT_EQ(t.unk, 0);
  EXPECT_TRUE(t.add_bos);
  EXPECT_TRUE(t.add_space_prefix);
  EXPECT_EQ(tokenizer_piece(t, 262), "\xE2\x96\x81" "a");
  EXPECT_EQ(t.score[263], 5.0f);
  EXPECT_EQ(t.type[100], TokenType::Byte);
  // "ab" -> "▁ab": "ab" (5) merges before "▁a" (-1); "▁" "ab" is no piece.
  std::vector<int32_t> ids;
  ASSERT_TRUE(encode(t, "ab", true, true, &ids).ok());
  EXPECT_EQ(ids, (std::vector<int32_t>{1, 259, 263, 2}));
  // "c" has no piece: its byte token; "é" two byte tokens.
  ASSERT_TRUE(encode(t, "c\xC3\xA9", false, false, &ids).ok());
  EXPECT_EQ(ids, (std::vector<int32_t>{259, 3 + 'c', 3 + 0xC3, 3 + 0xA9}));
  // Decoding: U+2581 as a space, dropped after BOS; byte tokens as bytes;
  // control tokens as nothing.
  EXPECT_EQ(decode(t, 1, 262), "a");
  EXPECT_EQ(decode(t, 5, 262), " a");
  EXPECT_EQ(decode(t, 5, 3 + 'c'), "c");
  EXPECT_EQ(decode(t, 5, 2), "");
  EXPECT_EQ(decode(t, 5, 264), "");
  tokenizer_destroy(&t);
}

TEST(EmbeddedFormat, NoBosNoUnkNoBytes) {
  TokenizerData d;
  d.kind = TokenizerKind::Spm;
  d.pieces = {"\xE2\x96\x81", "a"};
  d.add_space_prefix = true;
  Tokenizer t;
  ASSERT_TRUE(load(&t, tokenizer_serialize(d)).ok());
  std::vector<int32_t> ids;
  ASSERT_TRUE(encode(t, "a", /*bos=*/true, /*eos=*/true, &ids).ok());
  EXPECT_EQ(ids, (std::vector<int32_t>{0, 1})); // no BOS or EOS to add
  Status st = encode(t, "b", false, false, &ids);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.message(),
            "the tokenizer has no token for byte 0x62 (no byte token and no unknown token)");
  tokenizer_destroy(&t);
}

TEST(EmbeddedFormat, Gpt2MergesByRank) {
  TokenizerData d;
  d.kind = TokenizerKind::Gpt2;
  // bytes_to_unicode: printable ASCII stands for itself, the space is U+0120.
  for (int b = 0; b < 256; ++b) {
    unsigned cp = b;
    bool keep = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || b >= 174;
    if (!keep) {
      unsigned n = 0;
      for (int c = 0; c < b; ++c)
        n += !((c >= 33 && c <= 126) || (c >= 161 && c <= 172) || c >= 174);
      cp = 256 + n;
    }
    std::string s;
    if (cp < 0x80) {
      s = std::string(1, char(cp));
    } else {
      s += char(0xC0 | (cp >> 6));
      s += char(0x80 | (cp & 0x3F));
    }
    d.pieces.push_back(s);
  }
  d.pieces.push_back("ab");            // 256
  d.pieces.push_back("bc");            // 257
  d.pieces.push_back("\xC4\xA0" "a");  // 258: " a"
  // Byte b's character is token b; the space's, U+0120, is token 32.
  d.merges = {{'b', 'c', 257}, {'a', 'b', 256}, {32, 'a', 258}};
  Tokenizer t;
  ASSERT_TRUE(load(&t, tokenizer_serialize(d)).ok());
  std::vector<int32_t> ids;
  // "abc": b c has rank 0, a b rank 1: -> a, bc.
  ASSERT_TRUE(encode(t, "abc", false, false, &ids).ok());
  EXPECT_EQ(ids, (std::vector<int32_t>{'a', 257}));
  // " ab": the word " ab"; "\u0120 a" (rank 2) and "a b" (rank 1): a b first.
  ASSERT_TRUE(encode(t, "x ab", false, false, &ids).ok());
  EXPECT_EQ(ids, (std::vector<int32_t>{'x', 32, 256}));
  EXPECT_EQ(decode(t, -1, 258), " a");
  EXPECT_EQ(decode(t, -1, 32), " ");
  tokenizer_destroy(&t);
}

TEST(EmbeddedFormat, EveryTruncationIsRefusedWithAnOffset) {
  TokenizerData d = spmData();
  const std::string image = tokenizer_serialize(d);
  for (size_t size = 8; size < image.size(); size += (size < 600 ? 1 : 97)) {
    std::string msg = loadError(image.substr(0, size));
    EXPECT_NE(msg.find("byte"), std::string::npos) << size << ": " << msg;
  }
  EXPECT_NE(loadError(image + "x").find("1 more bytes at byte offset"), std::string::npos);
}

TEST(EmbeddedFormat, CorruptionsAreRefusedByField) {
  const std::string image = tokenizer_serialize(spmData());
  auto with = [&](size_t at, uint32_t v) {
    std::string s = image;
    putU32(s, at, v);
    return s;
  };
  EXPECT_EQ(loadError(with(8, 2)),
            "tokenizer: format version 2 at byte offset 8, this runtime reads version 1");
  EXPECT_EQ(loadError(with(12, 7)),
            "tokenizer: kind 7 at byte offset 12, expected 0 (spm) or 1 (gpt2)");
  EXPECT_EQ(loadError(image, 100),
            "tokenizer: 264 tokens at byte offset 16, expected 1..100 (the model's vocab_size)");
  EXPECT_EQ(loadError(with(24, 264)), "tokenizer: bos id 264 at byte offset 24 is out of range: "
                                      "expected -1 (none) or 0..263");
  EXPECT_EQ(loadError(with(32, uint32_t(-2))),
            "tokenizer: unk id -2 at byte offset 32 is out of range: expected -1 (none) or 0..263");
  EXPECT_EQ(loadError(with(36, 4)), "tokenizer: flags 0x4 at byte offset 36 set unknown bits "
                                    "(known: 1 add_bos, 2 add_space_prefix)");
  EXPECT_EQ(loadError(with(20, 1)),
            "tokenizer: 1 merges at byte offset 20 for an spm tokenizer, which merges by score");
  // Token 0's record starts at 40: score, type, length.
  std::string typed = image;
  typed[44] = 9;
  EXPECT_EQ(loadError(typed), "tokenizer: token 0 has type 9 at byte offset 44, expected 1..6");
  std::string nan = with(40, 0x7FC00000);
  EXPECT_EQ(loadError(nan), "tokenizer: token 0 at byte offset 40 has a non-finite score (nan)");
  EXPECT_EQ(loadError(with(45, 0xFFFFFFF0)).find("tokenizer truncated at byte offset 49: token 0 "
                                                 "needs 4294967280 bytes of piece"),
            0u);
  // A byte token whose piece is not <0xNN>.
  TokenizerData d = spmData();
  d.pieces[3] = "<0xZZ>";
  EXPECT_NE(loadError(tokenizer_serialize(d)).find("token 3 at byte offset"), std::string::npos);
}

TEST(EmbeddedFormat, MergesAreChecked) {
  TokenizerData d;
  d.kind = TokenizerKind::Gpt2;
  d.pieces = {"a", "b", "ab", "ba"};
  d.merges = {{0, 1, 2}};
  Tokenizer t;
  ASSERT_TRUE(load(&t, tokenizer_serialize(d)).ok());
  tokenizer_destroy(&t);
  d.merges = {{0, 1, 3}};
  EXPECT_NE(loadError(tokenizer_serialize(d))
                .find("merge 0 at byte offset 82 joins tokens 0 and 1 into 3, whose piece is not "
                      "theirs joined"),
            std::string::npos);
  d.merges = {{0, 9, 2}};
  EXPECT_NE(loadError(tokenizer_serialize(d)).find("names token 9, beyond the 4 tokens"),
            std::string::npos);
  d.merges = {{0, 1, 2}};
  std::string big = tokenizer_serialize(d);
  putU32(big, 20, 0x40000000); // 2^30 merges in a 88-byte image
  EXPECT_NE(loadError(big).find("tokenizer truncated: 1073741824 merges of 12 bytes"),
            std::string::npos);
}

// ----------------------------------------------------------------------------
// the UTF-8 stream

TEST(TextStream, HoldsSplitCharactersUntilComplete) {
  TextStream s;
  std::string out;
  text_stream_put(&s, "a\xE6", &out);
  EXPECT_EQ(out, "a");
  text_stream_put(&s, "\x97", &out);
  EXPECT_EQ(out, "a");
  text_stream_put(&s, "\xA5" "b", &out);
  EXPECT_EQ(out, "a\xE6\x97\xA5" "b");
  EXPECT_EQ(streamed({"\xF0", "\x9F", "\xA6", "\x99"}), "\xF0\x9F\xA6\x99");
}

// Expected: Python's bytes.decode('utf-8', 'replace') of the same bytes.
TEST(TextStream, InvalidBytesBecomeReplacementCharacters) {
  const std::string r = "\xEF\xBF\xBD";
  EXPECT_EQ(streamed({"\xED\xA0\x80"}), r + r + r); // a surrogate
  EXPECT_EQ(streamed({"\xE2\x82", "A"}), r + "A");   // cut short by the next token
  EXPECT_EQ(streamed({"\xF0\x9F\x98"}), r);          // cut short by the end
  EXPECT_EQ(streamed({"\xC0\xAF"}), r + r);          // overlong
  EXPECT_EQ(streamed({"\xF4\x90\x80\x80"}), r + r + r + r); // beyond U+10FFFF
  EXPECT_EQ(streamed({"a\xFF", "b"}), "a" + r + "b");
}

TEST(TextStream, DropsAsciiControlCodesButNotWhitespace) {
  EXPECT_EQ(streamed({"a\x07\x1B", "\t\n\r b\x7F"}), "a\t\n\r b");
}

// ----------------------------------------------------------------------------
// GPT-2's pre-tokenizer

TEST(Gpt2Split, MatchesTheRegex) {
  using V = std::vector<std::string>;
  EXPECT_EQ(split("Hello world"), (V{"Hello", " world"}));
  EXPECT_EQ(split("it's we're I'll"), (V{"it", "'s", " we", "'re", " I", "'ll"}));
  EXPECT_EQ(split("123abc 4.5"), (V{"123", "abc", " 4", ".", "5"}));
  EXPECT_EQ(split("x !! y"), (V{"x", " !!", " y"}));
  // \s+(?!\S) leaves the last space of a run to the word after it.
  EXPECT_EQ(split("a  \n\n b"), (V{"a", "  \n\n", " b"}));
  EXPECT_EQ(split("a   "), (V{"a", "   "}));
  EXPECT_EQ(split("  x"), (V{" ", " x"}));
  // Letters and numbers beyond ASCII (Unicode 14 tables): é, 日本, Arabic-Indic ٣.
  EXPECT_EQ(split("caf\xC3\xA9 \xE6\x97\xA5\xE6\x9C\xAC \xD9\xA3!"),
            (V{"caf\xC3\xA9", " \xE6\x97\xA5\xE6\x9C\xAC", " \xD9\xA3", "!"}));
  // U+3000 (ideographic space) is White_Space; a byte that starts no
  // character is "other" and keeps its byte.
  EXPECT_EQ(split("a\xE3\x80\x80" "b\xFF\xFE"), (V{"a", "\xE3\x80\x80", "b", "\xFF\xFE"}));
  EXPECT_STREQ(tokenizer_unicode_version(), "14.0.0");
}
