//===- TokenizerTest.cpp - llama2.c tokenizer: load, encode, decode --------===//
//
// Checks the runtime's tokenizer against independent references: llama2.c's
// published test ids, Debian's SentencePiece on the same Llama 2 vocabulary
// (Inputs/sentencepiece_ids.txt, made by the script next to it), and the text
// llama2.c printed for a greedy stories260K run (decoding its token ids must
// give the same bytes). Loading is checked on truncated and oversized images.
//
//===----------------------------------------------------------------------===//
#include "runtime/include/attnrt/tokenizer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <sys/stat.h>
#include <vector>

using namespace attnrt;

namespace {

const std::string kModels = ATTNC_SHARED_MODELS;

bool exists(const std::string &path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

std::vector<unsigned char> read_bytes(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

#define SKIP_WITHOUT_MODELS()                                                          \
  if (!exists(kModels + "/tokenizer.bin"))                                             \
  GTEST_SKIP() << kModels << " not found (…/shared/models): reference data missing"

/// The text llama2.c would print for `ids` (generation starting at ids[0]).
std::string decode_all(const Tokenizer &t, const std::vector<int32_t> &ids) {
  std::string text;
  for (size_t i = 1; i < ids.size(); ++i) {
    std::string_view piece = decode(t, ids[i - 1], ids[i]);
    if (piece_is_printable(piece))
      text.append(piece);
  }
  return text;
}

std::vector<int32_t> encode_ok(const Tokenizer &t, std::string_view text, bool bos = true,
                               bool eos = false) {
  std::vector<int32_t> ids;
  Status st = encode(t, text, bos, eos, &ids);
  EXPECT_TRUE(st.ok()) << st.message();
  return ids;
}

class Llama2Tokenizer : public ::testing::Test {
protected:
  void SetUp() override {
    SKIP_WITHOUT_MODELS();
    Status st = tokenizer_create_from_file(&tok, (kModels + "/tokenizer.bin").c_str(), 32000);
    ASSERT_TRUE(st.ok()) << st.message();
  }
  void TearDown() override { tokenizer_destroy(&tok); }
  Tokenizer tok;
};

} // namespace

// ----------------------------------------------------------------------------
// encoding

// llama2.c's test_all.py: BOS on, no EOS.
TEST_F(Llama2Tokenizer, MeaningOfLife) {
  EXPECT_EQ(encode_ok(tok, "I believe the meaning of life is"),
            (std::vector<int32_t>{1, 306, 4658, 278, 6593, 310, 2834, 338}));
}

TEST_F(Llama2Tokenizer, EmptyTextIsBosAlone) {
  EXPECT_EQ(encode_ok(tok, ""), (std::vector<int32_t>{1}));
  EXPECT_EQ(encode_ok(tok, "", true, true), (std::vector<int32_t>{1, 2}));
  EXPECT_EQ(encode_ok(tok, "", false, false), (std::vector<int32_t>{}));
}

TEST_F(Llama2Tokenizer, BosAndEosAreOptional) {
  EXPECT_EQ(encode_ok(tok, "Hello world", false, false), (std::vector<int32_t>{15043, 3186}));
  EXPECT_EQ(encode_ok(tok, "Hello world", true, true),
            (std::vector<int32_t>{1, 15043, 3186, 2}));
}

// Inputs/sentencepiece_ids.txt: ids from Debian's SentencePiece.
TEST_F(Llama2Tokenizer, MatchesSentencePiece) {
  std::ifstream in(std::string(ATTNC_UNIT_INPUTS) + "/sentencepiece_ids.txt");
  ASSERT_TRUE(in) << "missing Inputs/sentencepiece_ids.txt";
  std::string line;
  int cases = 0;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#')
      continue;
    size_t tab = line.find('\t');
    ASSERT_NE(tab, std::string::npos) << line;
    std::vector<int32_t> expected;
    std::istringstream ids(line.substr(0, tab));
    for (int32_t id; ids >> id;)
      expected.push_back(id);
    std::string text;
    for (size_t i = tab + 1; i < line.size(); ++i) {
      char c = line[i];
      if (c == '\\' && i + 1 < line.size()) {
        char e = line[++i];
        c = e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : e;
      }
      text += c;
    }
    EXPECT_EQ(encode_ok(tok, text), expected) << "text: \"" << line.substr(tab + 1) << "\"";
    ++cases;
  }
  EXPECT_GE(cases, 30);
}

// Code points missing from the vocabulary fall back to byte tokens (byte + 3);
// the ids are llama.cpp's expected ones for the same vocabulary.
TEST_F(Llama2Tokenizer, ByteFallback) {
  EXPECT_EQ(encode_ok(tok, " this is \xF0\x9F\xA6\x99.cpp", false),
            (std::vector<int32_t>{29871, 445, 338, 29871, 243, 162, 169, 156, 29889, 8223}));
}

// The one measured difference from SentencePiece: it maps a stray byte to
// U+FFFD (id 30140), llama2.c to the byte's fallback token (0xFF -> 258).
TEST_F(Llama2Tokenizer, InvalidUtf8UsesByteFallback) {
  EXPECT_EQ(encode_ok(tok, "a\xFF" "b"), (std::vector<int32_t>{1, 263, 258, 29890}));
  EXPECT_EQ(encode_ok(tok, "caf\xC3"), (std::vector<int32_t>{1, 274, 2142, 198}));
}

// A C string ends at NUL, and so does the text run.c encodes.
TEST_F(Llama2Tokenizer, TextEndsAtNul) {
  EXPECT_EQ(encode_ok(tok, std::string_view("Hello\0world", 11)), encode_ok(tok, "Hello"));
}

// ----------------------------------------------------------------------------
// decoding

TEST_F(Llama2Tokenizer, DecodeRoundTrips) {
  for (const char *text : {"I believe the meaning of life is", " Hello, World!", "  Hello",
                           "line one\nline two", "tab\tseparated", "caf\xC3\xA9 na\xC3\xAFve",
                           "Lily's mom said, \"Lily, let's go to the park.\""})
    EXPECT_EQ(decode_all(tok, encode_ok(tok, text)), text);
}

TEST_F(Llama2Tokenizer, DecodeRules) {
  // After BOS the leading space goes; elsewhere it stays.
  EXPECT_EQ(decode(tok, kTokenBos, 15043), "Hello");
  EXPECT_EQ(decode(tok, 3186, 15043), " Hello");
  // <0x0A> is a raw newline, printed; <0x00> and lone UTF-8 bytes are not.
  EXPECT_EQ(tokenizer_piece(tok, 13), "<0x0A>");
  EXPECT_EQ(decode(tok, 3186, 13), "\n");
  EXPECT_TRUE(piece_is_printable(decode(tok, 3186, 13)));
  EXPECT_FALSE(piece_is_printable(decode(tok, 3186, 3)));
  EXPECT_FALSE(piece_is_printable(decode(tok, 3186, 0xF0 + kByteTokenBase)));
  EXPECT_EQ(decode(tok, 3186, 32000), "");
  // So an emoji spelt with byte tokens prints nothing, as in llama2.c.
  EXPECT_EQ(decode_all(tok, encode_ok(tok, "a\xF0\x9F\xA6\x99")), "a");
}

TEST(TokenizerPieces, PrintableRule) {
  EXPECT_FALSE(piece_is_printable(""));
  EXPECT_TRUE(piece_is_printable("a"));
  EXPECT_TRUE(piece_is_printable(" "));
  EXPECT_TRUE(piece_is_printable("\t"));
  EXPECT_FALSE(piece_is_printable("\x07"));
  EXPECT_FALSE(piece_is_printable("\x7F"));
  EXPECT_FALSE(piece_is_printable("\xC3"));
  EXPECT_TRUE(piece_is_printable("\xC3\xA9"));
}

// Decoding llama2.c's greedy stories260K ids gives exactly what it printed.
TEST(Tok512, DecodesLlama2cGreedyRun) {
  if (!exists(kModels + "/expected/stories260K_greedy_ids_n200.txt"))
    GTEST_SKIP() << kModels << " not found (…/shared/models)";
  Tokenizer tok;
  Status st = tokenizer_create_from_file(&tok, (kModels + "/tok512.bin").c_str(), 512);
  ASSERT_TRUE(st.ok()) << st.message();
  std::ifstream ids_in(kModels + "/expected/stories260K_greedy_ids_n200.txt");
  std::vector<int32_t> ids;
  for (int32_t id; ids_in >> id;)
    ids.push_back(id);
  ASSERT_EQ(ids.size(), 201u);
  std::vector<unsigned char> text = read_bytes(kModels + "/expected/stories260K_run_t0_n200.stdout");
  EXPECT_EQ(decode_all(tok, ids) + "\n", std::string(text.begin(), text.end()));
  EXPECT_EQ(encode_ok(tok, "Once upon a time"), (std::vector<int32_t>{1, 403, 407, 261, 378}));
  tokenizer_destroy(&tok);
}

// ----------------------------------------------------------------------------
// loading

namespace {

/// Offsets in a tokenizer.bin image: where token i's record starts.
std::vector<size_t> record_offsets(const std::vector<unsigned char> &data, int count) {
  std::vector<size_t> at;
  size_t offset = 4;
  for (int i = 0; i < count; ++i) {
    at.push_back(offset);
    int32_t len;
    std::memcpy(&len, &data[offset + 4], 4);
    offset += 8 + size_t(len);
  }
  at.push_back(offset);
  return at;
}

std::string load_error(const std::vector<unsigned char> &data, size_t size, int32_t vocab) {
  Tokenizer t;
  Status st = tokenizer_create(&t, data.data(), size, vocab);
  EXPECT_FALSE(st.ok()) << "a " << size << "-byte image loaded";
  EXPECT_EQ(t.vocab_size, 0);
  return st.message();
}

} // namespace

TEST(TokenizerLoad, TruncatedImagesNameOffsetAndToken) {
  SKIP_WITHOUT_MODELS();
  std::vector<unsigned char> data = read_bytes(kModels + "/tokenizer.bin");
  std::vector<size_t> at = record_offsets(data, 4);
  EXPECT_EQ(load_error(data, 2, 32000),
            "tokenizer is 2 bytes: truncated at byte offset 0, before its 4-byte "
            "max_token_length header");
  EXPECT_EQ(load_error(data, at[1] + 2, 32000),
            "tokenizer truncated at byte offset " + std::to_string(at[1]) +
                ": token 1 needs its 4-byte score there, but the data ends at byte " +
                std::to_string(at[1] + 2) + " (the model's vocab_size is 32000)");
  EXPECT_EQ(load_error(data, at[2] + 5, 32000),
            "tokenizer truncated at byte offset " + std::to_string(at[2] + 4) +
                ": token 2 needs its 4-byte length there, but the data ends at byte " +
                std::to_string(at[2] + 5) + " (the model's vocab_size is 32000)");
  // Token 3 is "<0x00>": 6 bytes of text after its 8-byte score and length.
  EXPECT_EQ(load_error(data, at[3] + 10, 32000),
            "tokenizer truncated at byte offset " + std::to_string(at[3] + 8) +
                ": token 3 needs 6 bytes of text there, but the data ends at byte " +
                std::to_string(at[3] + 10));
  // Every cut in the first records, and a spread of cuts further on, fails
  // cleanly with an offset in the message.
  for (size_t size = 0; size < at[4]; ++size)
    EXPECT_NE(load_error(data, size, 32000).find("byte offset"), std::string::npos) << size;
  for (size_t size = at[4]; size < data.size(); size += 7919)
    EXPECT_NE(load_error(data, size, 32000).find("byte offset"), std::string::npos) << size;
}

TEST(TokenizerLoad, VocabSizeMustMatch) {
  SKIP_WITHOUT_MODELS();
  std::vector<unsigned char> data = read_bytes(kModels + "/tokenizer.bin");
  EXPECT_EQ(load_error(data, data.size(), 32001).find("tokenizer truncated at byte offset " +
                                                      std::to_string(data.size()) +
                                                      ": token 32000 needs its 4-byte score"),
            0u);
  std::string more = load_error(data, data.size(), 31999);
  EXPECT_NE(more.find("more tokens than the model's vocab_size 31999"), std::string::npos)
      << more;
  EXPECT_NE(load_error(data, data.size(), 0).find("vocab_size is 0"), std::string::npos);
}

TEST(TokenizerLoad, CorruptLengths) {
  // max_token_length 3, one token of length 5.
  std::vector<unsigned char> data = {3, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 'a', 'b', 'c', 'd', 'e'};
  EXPECT_EQ(load_error(data, data.size(), 1),
            "tokenizer: token 0 at byte offset 8 has length 5, expected 0..3 (max_token_length)");
  data[8] = 0xFF, data[9] = 0xFF, data[10] = 0xFF, data[11] = 0xFF; // -1
  EXPECT_NE(load_error(data, data.size(), 1).find("has length -1"), std::string::npos);
  data[0] = 0;
  EXPECT_NE(load_error(data, data.size(), 1).find("max_token_length at byte offset 0 is 0"),
            std::string::npos);
}

TEST(TokenizerLoad, MissingFileNamesPath) {
  Tokenizer t;
  Status st = tokenizer_create_from_file(&t, "/nonexistent/tok.bin", 512);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.message(), "cannot open tokenizer /nonexistent/tok.bin: No such file or directory");
}

TEST(TokenizerLoad, MissingSpacePieceFallsBackToUnknown) {
  // Three tokens, none of them " " and no byte tokens: the space prefix's
  // bytes become the unknown token, id 0 in tokenizer.bin.
  std::vector<unsigned char> data = {1, 0, 0, 0};
  for (char c : {'a', 'b', 'c'}) {
    unsigned char rec[] = {0, 0, 0, 0, 1, 0, 0, 0, static_cast<unsigned char>(c)};
    data.insert(data.end(), rec, rec + sizeof rec);
  }
  Tokenizer t;
  ASSERT_TRUE(tokenizer_create(&t, data.data(), data.size(), 3).ok());
  std::vector<int32_t> ids;
  ASSERT_TRUE(encode(t, "a", true, false, &ids).ok());
  EXPECT_EQ(ids, (std::vector<int32_t>{1, 0, 0, 0, 0})); // BOS, U+2581 as 3 x unk, "a"
  EXPECT_EQ(tokenizer_lookup(t, "b"), 1);
  EXPECT_EQ(tokenizer_lookup(t, "z"), -1);
}

namespace {

/// A tokenizer.bin image: max_token_length, then (score, piece) records.
std::vector<unsigned char> image(int32_t max_len,
                                 const std::vector<std::pair<float, std::string>> &tokens) {
  std::vector<unsigned char> out(4);
  std::memcpy(out.data(), &max_len, 4);
  for (const auto &[score, piece] : tokens) {
    unsigned char rec[8];
    int32_t len = int32_t(piece.size());
    std::memcpy(rec, &score, 4);
    std::memcpy(rec + 4, &len, 4);
    out.insert(out.end(), rec, rec + 8);
    out.insert(out.end(), piece.begin(), piece.end());
  }
  return out;
}

} // namespace

// A NaN score would make every merge comparison false; an infinite one would
// win every merge. Both are refused with the token and its offset.
TEST(TokenizerLoad, NonFiniteScoresAreRefused) {
  const std::vector<std::pair<float, std::string>> ok = {{0.0f, "a"}, {-1.5f, "bc"}, {2.0f, "d"}};
  std::vector<unsigned char> data = image(2, ok);
  Tokenizer t;
  ASSERT_TRUE(tokenizer_create(&t, data.data(), data.size(), 3).ok());
  EXPECT_EQ(t.longest, 2u);
  tokenizer_destroy(&t);
  // Token 1 starts at 4 + (8 + 1) = 13.
  struct Bad {
    float score;
    const char *name;
  } bad[] = {{NAN, "nan"}, {INFINITY, "inf"}, {-INFINITY, "-inf"}};
  for (const Bad &b : bad) {
    auto tokens = ok;
    tokens[1].first = b.score;
    std::vector<unsigned char> img = image(2, tokens);
    EXPECT_EQ(load_error(img, img.size(), 3),
              std::string("tokenizer: token 1 at byte offset 13 has a non-finite score (") +
                  b.name + "), expected a finite merge priority");
  }
}

// Sizes claimed by the file or the caller never become allocations on their
// own: a max_token_length of 2^31-1 and a vocab_size of 2^31-1 against a few
// bytes load (or fail) without reserving gigabytes, and encoding works.
TEST(TokenizerLoad, ClaimedSizesAreNotAllocated) {
  std::vector<std::pair<float, std::string>> tokens = {{0, "<unk>"}, {0, "<s>"}, {0, "</s>"}};
  for (int b = 0; b < 256; ++b) {
    char piece[8];
    std::snprintf(piece, sizeof piece, "<0x%02X>", b);
    tokens.push_back({0.0f, piece});
  }
  tokens.push_back({0.0f, " "}); // 259
  tokens.push_back({0.0f, "a"}); // 260
  tokens.push_back({1.0f, " a"}); // 261
  std::vector<unsigned char> data = image(INT32_MAX, tokens);
  Tokenizer t;
  ASSERT_TRUE(tokenizer_create(&t, data.data(), data.size(), int32_t(tokens.size())).ok());
  EXPECT_EQ(t.max_token_length, uint32_t(INT32_MAX));
  EXPECT_EQ(t.longest, 6u);
  EXPECT_EQ(encode_ok(t, "a"), (std::vector<int32_t>{1, 261}));
  tokenizer_destroy(&t);
  EXPECT_EQ(load_error(data, data.size(), INT32_MAX)
                .find("tokenizer truncated at byte offset " + std::to_string(data.size()) +
                      ": token 262 needs its 4-byte score"),
            0u);
}

// Every prefix and every single-byte corruption of a small image either
// loads or fails with an offset; run under ASan/the fuzzer this also shows
// that nothing is read outside the image (each is copied to its own buffer).
TEST(TokenizerLoad, EveryCutAndCorruptionFailsCleanly) {
  std::vector<unsigned char> data = image(3, {{0.5f, "ab"}, {0.0f, ""}, {-1.0f, "xyz"}});
  for (size_t size = 0; size < data.size(); ++size) {
    std::vector<unsigned char> cut(data.begin(), data.begin() + std::ptrdiff_t(size));
    EXPECT_NE(load_error(cut, cut.size(), 3).find("byte offset"), std::string::npos) << size;
  }
  for (size_t i = 0; i < data.size(); ++i) {
    for (unsigned char v : {0x00, 0x7F, 0x80, 0xFF}) {
      std::vector<unsigned char> bad = data;
      bad[i] = v;
      Tokenizer t;
      Status st = tokenizer_create(&t, bad.data(), bad.size(), 3);
      if (!st.ok())
        EXPECT_NE(st.message().find("byte offset"), std::string::npos) << st.message();
      tokenizer_destroy(&t);
    }
  }
}

// ----------------------------------------------------------------------------
// the merge loop against run.c's

namespace {

/// run.c's merge loop as written there: rescan every pair, take the best
/// score above -1e10 (leftmost on ties), merge, repeat. Quadratic; the
/// reference for encode()'s heap.
std::vector<int32_t> merge_like_run_c(const Tokenizer &t, std::vector<int32_t> tokens) {
  std::string buffer;
  while (true) {
    float best_score = -1e10f;
    int32_t best_id = -1;
    size_t best_idx = 0;
    for (size_t i = 0; i + 1 < tokens.size(); ++i) {
      buffer.assign(tokenizer_piece(t, tokens[i]));
      buffer.append(tokenizer_piece(t, tokens[i + 1]));
      int32_t id = tokenizer_lookup(t, buffer);
      if (id != -1 && t.score[size_t(id)] > best_score) {
        best_score = t.score[size_t(id)];
        best_id = id;
        best_idx = i;
      }
    }
    if (best_id == -1)
      return tokens;
    tokens[best_idx] = best_id;
    tokens.erase(tokens.begin() + std::ptrdiff_t(best_idx) + 1);
  }
}

/// The tokens before any merge: BOS, the space prefix, then each
/// character's id (the loaded pieces spell a space as U+2581).
std::vector<int32_t> unmerged(const Tokenizer &t, const std::string &raw) {
  std::string text;
  for (char c : raw)
    text += c == ' ' ? std::string("\xE2\x96\x81") : std::string(1, c);
  std::vector<int32_t> ids = {kTokenBos, tokenizer_lookup(t, "\xE2\x96\x81")};
  for (size_t i = 0; i < text.size();) {
    size_t len = 1;
    while (i + len < text.size() && (static_cast<unsigned char>(text[i + len]) & 0xC0) == 0x80 &&
           len < 4)
      ++len;
    int32_t id = tokenizer_lookup(t, text.substr(i, len));
    if (id >= 0) {
      ids.push_back(id);
    } else {
      for (size_t b = 0; b < len; ++b)
        ids.push_back(static_cast<unsigned char>(text[i + b]) + kByteTokenBase);
    }
    i += len;
  }
  return ids;
}

} // namespace

// Random texts over letters, spaces, punctuation and multi-byte characters
// (some in the vocabulary, some byte-fallback), with runs that create many
// equal-score ties: encode()'s heap must choose run.c's merges exactly.
TEST(TokenizerMerge, HeapMatchesRunCsLoop) {
  const char *const vocabularies[][2] = {{"tok512.bin", "512"}, {"tokenizer.bin", "32000"}};
  const std::vector<std::string> alphabet = {"a", "b", "e", "t", "h", "o", "n", " ", " ", ".",
                                             ",", "\n", "é", "中", "😀", "th", "the ", "aaaa"};
  for (const auto &vocab : vocabularies) {
    std::string path = kModels + "/" + vocab[0];
    if (!exists(path))
      GTEST_SKIP() << path << " not found";
    Tokenizer t;
    ASSERT_TRUE(tokenizer_create_from_file(&t, path.c_str(), std::stoi(vocab[1])).ok());
    uint64_t state = 12345;
    for (int round = 0; round < 300; ++round) {
      std::string text;
      state = state * 6364136223846793005ull + 1442695040888963407ull;
      size_t length = 1 + (state >> 33) % 120;
      for (size_t i = 0; i < length; ++i) {
        state = state * 6364136223846793005ull + 1442695040888963407ull;
        text += alphabet[(state >> 33) % alphabet.size()];
      }
      EXPECT_EQ(encode_ok(t, text), merge_like_run_c(t, unmerged(t, text)))
          << vocab[0] << " text: \"" << text << "\"";
    }
    tokenizer_destroy(&t);
  }
}

// A prompt of a megabyte encodes in well under the test's time-out (run.c's
// loop would take hours: ~10^6 merges, each rescanning ~10^6 pairs).
TEST(TokenizerMerge, LongTextIsNotQuadratic) {
  if (!exists(kModels + "/tok512.bin"))
    GTEST_SKIP() << "tok512.bin not found";
  Tokenizer t;
  ASSERT_TRUE(tokenizer_create_from_file(&t, (kModels + "/tok512.bin").c_str(), 512).ok());
  std::string text;
  while (text.size() < (1u << 20))
    text += "Once upon a time, there was a little girl named Lily. ";
  std::vector<int32_t> ids = encode_ok(t, text);
  EXPECT_GT(ids.size(), text.size() / 7);
  EXPECT_LT(ids.size(), text.size() / 2);
  tokenizer_destroy(&t);
}
