//===- TokenizerImportTest.cpp - Tokenizer sources against references ----===//
//
// importTokenizer's conversions run through the runtime's encoder and
// decoder, checked against references that do not come from this code:
// llama.cpp's tokenizer test files (tests/test-tokenizer-0.cpp: `.inp`
// strings separated by "\n__ggml_vocab_test__\n", `.out` expected ids per
// string, encoded without BOS) for its Llama SentencePiece and GPT-2 GGUF
// vocabularies, the same ids through a tokenizer.json written from the GPT-2
// vocabulary by Python, llama2.c's published ids for tokenizer.bin, and
// python3-sentencepiece for a Llama tokenizer.json made from tokenizer.model.
// Broken inputs of every source are refused with messages naming the field.
//
//===----------------------------------------------------------------------===//
#include "compiler/Frontend/TokenizerImport.h"

#include "runtime/include/attnrt/tokenizer.h"

#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <regex>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/stat.h>
#include <vector>

using namespace attnc;

namespace {

const std::string kModels = ATTNC_SHARED_MODELS;
const std::string kVocabDir = kModels + "/llamacpp-vocab/";

bool exists(const std::string &path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

std::string slurp(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// Converts `source` (a file), capturing the diagnostics.
struct Converted {
  TokenizerInfo info;
  bool ok = false;
  std::string errors;
  attnrt::Tokenizer tok;

  Converted(TokenizerFormat format, std::unique_ptr<llvm::MemoryBuffer> buffer,
            int64_t vocabSize, const std::string &name = "tok") {
    llvm::SourceMgr sm;
    sm.setDiagHandler(
        [](const llvm::SMDiagnostic &d, void *ctx) {
          llvm::raw_string_ostream os(*static_cast<std::string *>(ctx));
          d.print(nullptr, os, false);
        },
        &errors);
    ok = convertTokenizer(format, std::move(buffer), name, vocabSize, sm, llvm::SMLoc(), info);
    if (ok) {
      llvm::StringRef b = info.bytes->getBuffer();
      attnrt::Status st = attnrt::tokenizer_create_embedded(
          &tok, reinterpret_cast<const unsigned char *>(b.data()), b.size(),
          int32_t(vocabSize));
      EXPECT_TRUE(st.ok()) << st.message();
    }
  }
  ~Converted() { attnrt::tokenizer_destroy(&tok); }
};

std::unique_ptr<Converted> fromFile(TokenizerFormat format, const std::string &path,
                                    int64_t vocabSize) {
  auto buffer = llvm::MemoryBuffer::getFile(path);
  if (!buffer)
    return nullptr;
  return std::make_unique<Converted>(format, std::move(*buffer), vocabSize, path);
}

std::unique_ptr<Converted> fromText(TokenizerFormat format, const std::string &text,
                                    int64_t vocabSize) {
  return std::make_unique<Converted>(
      format, llvm::MemoryBuffer::getMemBufferCopy(text, "mem"), vocabSize, "tok");
}

std::vector<int32_t> encodeOk(const attnrt::Tokenizer &t, const std::string &text, bool bos) {
  std::vector<int32_t> ids;
  attnrt::Status st = attnrt::encode(t, text, bos, false, &ids);
  EXPECT_TRUE(st.ok()) << st.message();
  return ids;
}

/// The text of `ids` through the runtime's decoder and UTF-8 stream, without
/// the stream's control-code filter (so only for texts without such codes).
std::string decodeAll(const attnrt::Tokenizer &t, const std::vector<int32_t> &ids) {
  attnrt::TextStream stream;
  std::string out;
  int32_t prev = -1;
  for (int32_t id : ids) {
    attnrt::text_stream_put(&stream, attnrt::decode(t, prev, id), &out);
    prev = id;
  }
  attnrt::text_stream_finish(&stream, &out);
  return out;
}

/// llama.cpp's read_tests(): the `.inp` strings and `.out` ids, in order.
std::vector<std::pair<std::string, std::vector<int32_t>>> readCases(const std::string &base) {
  std::string raw = slurp(base + ".inp");
  const std::string sep = "\n__ggml_vocab_test__\n";
  std::vector<std::string> inputs;
  for (size_t pos = 0; pos < raw.size();) {
    size_t next = raw.find(sep, pos);
    if (next == std::string::npos) {
      inputs.push_back(raw.substr(pos));
      break;
    }
    inputs.push_back(raw.substr(pos, next - pos));
    pos = next + sep.size();
  }
  std::ifstream out(base + ".out");
  std::vector<std::pair<std::string, std::vector<int32_t>>> cases;
  std::string line;
  for (size_t i = 0; std::getline(out, line); ++i) {
    std::vector<int32_t> ids;
    std::istringstream ss(line);
    int32_t id;
    while (ss >> id)
      ids.push_back(id);
    if (i < inputs.size())
      cases.push_back({inputs[i], ids});
  }
  EXPECT_EQ(cases.size(), inputs.size()) << base;
  return cases;
}

/// Every case of llama.cpp's test file `base` encodes to its ids, and the
/// ids decode back to the text (after the space prefix, for spm).
void checkLlamaCppCases(const Converted &c, const std::string &base, bool spacePrefix) {
  auto cases = readCases(base);
  ASSERT_GE(cases.size(), 40u) << base;
  int failures = 0;
  for (const auto &[text, expected] : cases) {
    std::vector<int32_t> ids = encodeOk(c.tok, text, /*bos=*/false);
    EXPECT_EQ(ids, expected) << "text: \"" << text << "\"";
    failures += ids != expected;
    std::string back = decodeAll(c.tok, expected);
    std::string want = spacePrefix && !text.empty() ? " " + text : text;
    bool hasControl = false;
    for (char ch : text)
      hasControl |= (static_cast<unsigned char>(ch) < 0x20 && !std::strchr("\t\n\v\f\r", ch));
    if (!hasControl)
      EXPECT_EQ(back, want) << "decoding the ids of \"" << text << "\"";
  }
  EXPECT_EQ(failures, 0);
}

} // namespace

// ----------------------------------------------------------------------------
// llama.cpp's vocabulary tests

TEST(LlamaCppVocab, LlamaSpmGguf) {
  const std::string path = kVocabDir + "ggml-vocab-llama-spm.gguf";
  if (!exists(path))
    GTEST_SKIP() << path << " not found (../shared/models): reference data missing";
  auto c = fromFile(TokenizerFormat::Gguf, path, 32000);
  ASSERT_TRUE(c && c->ok) << (c ? c->errors : "unreadable");
  EXPECT_FALSE(c->info.byteLevel);
  EXPECT_EQ(c->info.tokens, 32000);
  EXPECT_EQ(c->info.special.bos, 1);
  EXPECT_EQ(c->info.special.eos, 2);
  EXPECT_TRUE(c->info.special.addBos);
  EXPECT_EQ(c->info.unk, 0);
  checkLlamaCppCases(*c, path, /*spacePrefix=*/true);
}

TEST(LlamaCppVocab, Gpt2Gguf) {
  const std::string path = kVocabDir + "ggml-vocab-gpt-2.gguf";
  if (!exists(path))
    GTEST_SKIP() << path << " not found (../shared/models): reference data missing";
  auto c = fromFile(TokenizerFormat::Gguf, path, 50257);
  ASSERT_TRUE(c && c->ok) << (c ? c->errors : "unreadable");
  EXPECT_TRUE(c->info.byteLevel);
  EXPECT_EQ(c->info.tokens, 50257);
  EXPECT_EQ(c->info.merges, 50000);
  EXPECT_EQ(c->info.special.bos, 50256);
  EXPECT_EQ(c->info.special.eos, 50256);
  EXPECT_FALSE(c->info.special.addBos);
  checkLlamaCppCases(*c, path, /*spacePrefix=*/false);
}

// The GPT-2 vocabulary as a Hugging Face tokenizer.json (written by Python
// from the GGUF) must encode llama.cpp's strings to the same ids.
TEST(LlamaCppVocab, Gpt2TokenizerJson) {
  const std::string gguf = kVocabDir + "ggml-vocab-gpt-2.gguf";
  if (!exists(gguf) || !exists(std::string(ATTNC_GGUF_PY) + "/gguf"))
    GTEST_SKIP() << "needs " << gguf << " and gguf-py at " << ATTNC_GGUF_PY;
  const std::string json = ::testing::TempDir() + "gpt2-tokenizer.json";
  const std::string cmd = std::string("PYTHONPATH=") + ATTNC_GGUF_PY + " " + ATTNC_PYTHON + " " +
                          ATTNC_UNIT_SOURCE + "/make_tokenizer_json.py gpt2 " + gguf + " " + json;
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  auto c = fromFile(TokenizerFormat::HuggingFace, json, 50257);
  ASSERT_TRUE(c && c->ok) << (c ? c->errors : "unreadable");
  EXPECT_TRUE(c->info.byteLevel);
  EXPECT_EQ(c->info.merges, 50000);
  EXPECT_EQ(c->info.special.eos, 50256);
  checkLlamaCppCases(*c, gguf, /*spacePrefix=*/false);
}

// ----------------------------------------------------------------------------
// llama2.c's tokenizer.bin

TEST(Llama2cTokenizer, MeaningOfLife) {
  const std::string path = kModels + "/tokenizer.bin";
  if (!exists(path))
    GTEST_SKIP() << path << " not found";
  auto c = fromFile(TokenizerFormat::Llama2c, path, 32000);
  ASSERT_TRUE(c && c->ok) << (c ? c->errors : "unreadable");
  EXPECT_EQ(encodeOk(c->tok, "I believe the meaning of life is", true),
            (std::vector<int32_t>{1, 306, 4658, 278, 6593, 310, 2834, 338}));
  EXPECT_EQ(c->info.longestPiece, 48); // the longest piece, with U+2581 for its spaces
  // Exactly vocab_size entries: one more or one fewer is refused.
  EXPECT_FALSE(fromFile(TokenizerFormat::Llama2c, path, 32001)->ok);
  auto more = fromFile(TokenizerFormat::Llama2c, path, 31999);
  EXPECT_FALSE(more->ok);
  EXPECT_NE(more->errors.find("more tokens than the model's vocab_size 31999"), std::string::npos)
      << more->errors;
}

TEST(Llama2cTokenizer, PrintTokenization) {
  const std::string path = kModels + "/tokenizer.bin";
  if (!exists(path))
    GTEST_SKIP() << path << " not found";
  auto c = fromFile(TokenizerFormat::Llama2c, path, 32000);
  ASSERT_TRUE(c && c->ok);
  std::string ids, pieces;
  llvm::raw_string_ostream a(ids), b(pieces);
  EXPECT_EQ(printTokenization(c->info, "I believe", false, true, a), 0);
  EXPECT_EQ(ids, "[1, 306, 4658]\n");
  EXPECT_EQ(printTokenization(c->info, "I \xF0\x9F\xA6\x99", true, true, b), 0);
  // BOS shows its piece (llama2.c's "\n<s>\n"); the llama (U+1F999) has no
  // piece and falls back to its four bytes, each shown as stored.
  EXPECT_EQ(pieces, "     1 -> '\n<s>\n'\n   306 -> ' I'\n 29871 -> ' '\n   243 -> '<0xF0>'\n"
                    "   162 -> '<0x9F>'\n   169 -> '<0xA6>'\n   156 -> '<0x99>'\n");
}

// ----------------------------------------------------------------------------
// a Llama tokenizer.json against SentencePiece

TEST(SentencePieceJson, MatchesSentencePiece) {
  const std::string model = kModels + "/tokenizer.model";
  if (!exists(model))
    GTEST_SKIP() << model << " not found";
  const std::string dir = ::testing::TempDir();
  const std::string json = dir + "llama-tokenizer.json", expected = dir + "llama-expected.txt";
  // The texts and SentencePiece's ids for them, one "ids\ttext" line each.
  const std::string script =
      "import sentencepiece as sp, sys\n"
      "m = sp.SentencePieceProcessor(model_file=sys.argv[1])\n"
      "texts = ['Hello world', ' Hello world', 'I believe the meaning of life is',\n"
      "         'caf\\u00e9 na\\u00efve \\u4e2d\\u6587 \\U0001F999', '  two  spaces',\n"
      "         'Once upon a time, there was a little girl named Lily.', '3.14159 + 2 = 5.14159',\n"
      "         'tab\\tand\\nnewline', 'UPPER lower MiXeD', '\\u00fcber \\u00df \\u0441\\u043b\\u043e\\u0432\\u043e']\n"
      "with open(sys.argv[2], 'w', encoding='utf-8') as f:\n"
      "    for t in texts:\n"
      "        f.write(','.join(map(str, m.encode(t))) + '\\t' + t.replace('\\n', '\\\\n').replace('\\t', '\\\\t') + '\\n')\n";
  const std::string scriptPath = dir + "spm_expected.py";
  std::ofstream(scriptPath) << script;
  std::string cmd = std::string(ATTNC_PYTHON) + " " + scriptPath + " " + model + " " + expected +
                    " && " + ATTNC_PYTHON + " " + ATTNC_UNIT_SOURCE +
                    "/make_tokenizer_json.py spm " + model + " " + json;
  if (std::system(cmd.c_str()) != 0)
    GTEST_SKIP() << "python3-sentencepiece unavailable (" << cmd << ")";
  auto c = fromFile(TokenizerFormat::HuggingFace, json, 32000);
  ASSERT_TRUE(c && c->ok) << (c ? c->errors : "unreadable");
  EXPECT_FALSE(c->info.byteLevel);
  EXPECT_TRUE(c->info.addSpacePrefix);
  EXPECT_EQ(c->info.special.bos, 1);
  EXPECT_TRUE(c->info.special.addBos);
  EXPECT_EQ(c->info.unk, 0);
  std::ifstream in(expected);
  std::string line;
  int cases = 0;
  while (std::getline(in, line)) {
    size_t tab = line.find('\t');
    ASSERT_NE(tab, std::string::npos);
    std::vector<int32_t> want;
    std::stringstream ids(line.substr(0, tab));
    std::string item;
    while (std::getline(ids, item, ','))
      want.push_back(std::stoi(item));
    std::string text;
    for (size_t i = tab + 1; i < line.size(); ++i) {
      if (line[i] == '\\' && i + 1 < line.size() && (line[i + 1] == 'n' || line[i + 1] == 't')) {
        text += line[i + 1] == 'n' ? '\n' : '\t';
        ++i;
      } else {
        text += line[i];
      }
    }
    EXPECT_EQ(encodeOk(c->tok, text, false), want) << "text: \"" << text << "\"";
    ++cases;
  }
  EXPECT_EQ(cases, 10);
}

// ----------------------------------------------------------------------------
// broken tokenizer.json

namespace {

/// A tiny GPT-2 style tokenizer.json: the 256 byte characters, then `extra`
/// vocab entries and merges, spliced in as JSON text.
std::string tinyJson(const std::string &extraVocab, const std::string &merges,
                     const std::string &added = "[]") {
  std::string vocab;
  int id = 0;
  for (unsigned b = 0; b < 256; ++b) {
    // bytes_to_unicode, spelled out independently of the runtime's table.
    unsigned cp = b;
    bool keep = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || b >= 174;
    if (!keep) {
      unsigned n = 0;
      for (unsigned c = 0; c < b; ++c)
        n += !((c >= 33 && c <= 126) || (c >= 161 && c <= 172) || c >= 174);
      cp = 256 + n;
    }
    char buf[16];
    std::snprintf(buf, sizeof buf, "\"\\u%04x\": %d, ", cp, id++);
    vocab += buf;
  }
  vocab += extraVocab;
  if (vocab.size() >= 2 && vocab.substr(vocab.size() - 2) == ", ")
    vocab.resize(vocab.size() - 2);
  return "{\"added_tokens\": " + added +
         ", \"normalizer\": null, \"pre_tokenizer\": {\"type\": \"ByteLevel\", "
         "\"add_prefix_space\": false, \"use_regex\": true}, \"model\": {\"type\": \"BPE\", "
         "\"vocab\": {" + vocab + "}, \"merges\": [" + merges + "]}}";
}

std::string jsonError(const std::string &text, int64_t vocab = 300) {
  auto c = fromText(TokenizerFormat::HuggingFace, text, vocab);
  EXPECT_FALSE(c->ok) << text.substr(0, 200);
  return c->errors;
}

} // namespace

TEST(TokenizerJson, TinyGpt2Encodes) {
  auto c = fromText(TokenizerFormat::HuggingFace,
                    tinyJson("\"he\": 256, \"ll\": 257, \"hell\": 258, \"\\u0120h\": 259",
                             "\"h e\", \"l l\", \"he ll\", \"\\u0120 h\""),
                    300);
  ASSERT_TRUE(c->ok) << c->errors;
  // "hello hello": words "hello", " hello"; byte b's character is token b.
  // h e (rank 0) -> he, l l (1) -> ll, he ll (2) -> hell; in the second word
  // "he" outranks "\u0120h" (3), which then never forms.
  EXPECT_EQ(encodeOk(c->tok, "hello hello", false),
            (std::vector<int32_t>{258, 'o', ' ', 258, 'o'}));
  EXPECT_EQ(decodeAll(c->tok, encodeOk(c->tok, "hello hello", false)), "hello hello");
}

TEST(TokenizerJson, BrokenFilesAreRefusedByField) {
  EXPECT_NE(jsonError("{not json").find("invalid JSON"), std::string::npos);
  EXPECT_NE(jsonError("[1, 2]").find("expected a JSON object"), std::string::npos);
  EXPECT_NE(jsonError("{\"model\": {\"type\": \"Unigram\"}}").find("model.type is 'Unigram'"),
            std::string::npos);
  EXPECT_NE(jsonError("{\"model\": {\"type\": 7}}").find("'model.type'"), std::string::npos);
  std::string err = jsonError(tinyJson("", "\"h zz\""));
  EXPECT_NE(err.find("model.merges[0] names 'zz', which is not a token"), std::string::npos) << err;
  err = jsonError(tinyJson("", "\"h e\""));
  EXPECT_NE(err.find("model.merges[0] joins 'h' and 'e' into a piece that is not a token"),
            std::string::npos)
      << err;
  err = jsonError(tinyJson("\"x\": \"7\"", ""));
  EXPECT_NE(err.find("model.vocab['x'] must be an integer id"), std::string::npos) << err;
  err = jsonError(tinyJson("\"xy\": 999", ""));
  EXPECT_NE(err.find("has id 999, expected 0..256"), std::string::npos) << err;
  err = jsonError(tinyJson("", "", "[{\"id\": 3, \"content\": \"<x>\", \"special\": true}]"));
  EXPECT_NE(err.find("added_tokens[0] has id 3, which is already"), std::string::npos) << err;
  err = jsonError(tinyJson("", ""), 100);
  EXPECT_NE(err.find("more than the model's vocab_size 100"), std::string::npos) << err;
  err = jsonError(tinyJson("", "[\"h\"]"));
  EXPECT_NE(err.find("model.merges[0] must be"), std::string::npos) << err;
}

// ----------------------------------------------------------------------------
// broken GGUF vocabularies

namespace {

/// A GGUF v3 writer for metadata-only files.
struct GgufWriter {
  std::string out;
  uint64_t kvs = 0;
  void u32(uint32_t v) { out.append(reinterpret_cast<const char *>(&v), 4); }
  void u64(uint64_t v) { out.append(reinterpret_cast<const char *>(&v), 8); }
  void str(const std::string &s) {
    u64(s.size());
    out += s;
  }
  void key(const std::string &k, uint32_t type) {
    str(k);
    u32(type);
    ++kvs;
  }
  void string(const std::string &k, const std::string &v) {
    key(k, 8);
    str(v);
  }
  void uint32(const std::string &k, uint32_t v) {
    key(k, 4);
    u32(v);
  }
  void strings(const std::string &k, const std::vector<std::string> &v, uint64_t count = 0) {
    key(k, 9);
    u32(8);
    u64(count ? count : v.size());
    for (const std::string &s : v)
      str(s);
  }
  void ints(const std::string &k, const std::vector<int32_t> &v) {
    key(k, 9);
    u32(5);
    u64(v.size());
    for (int32_t x : v)
      u32(uint32_t(x));
  }
  std::string file() const {
    GgufWriter h;
    h.out = "GGUF";
    h.u32(3);
    h.u64(0);
    h.u64(kvs);
    return h.out + out;
  }
};

std::vector<std::string> llamaPieces() {
  std::vector<std::string> p = {"<unk>", "<s>", "</s>"};
  for (int b = 0; b < 256; ++b) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "<0x%02X>", b);
    p.push_back(buf);
  }
  for (const char *s : {"\xE2\x96\x81", "a", "b", "\xE2\x96\x81" "a", "ab"})
    p.push_back(s);
  return p;
}

std::string ggufError(const std::string &file, int64_t vocab = 300) {
  auto c = fromText(TokenizerFormat::Gguf, file, vocab);
  EXPECT_FALSE(c->ok);
  return c->errors;
}

} // namespace

TEST(GgufVocab, TinyLlamaEncodes) {
  GgufWriter w;
  w.string("tokenizer.ggml.model", "llama");
  std::vector<std::string> p = llamaPieces();
  w.strings("tokenizer.ggml.tokens", p);
  auto c = fromText(TokenizerFormat::Gguf, w.file(), 300);
  ASSERT_TRUE(c->ok) << c->errors;
  // No scores: every merge ties, so the leftmost pair merges first:
  // "▁" "a" -> "▁a", then "▁a" "b" is not a piece; "b" stays. "é" has no
  // piece: its two bytes fall back to <0xC3> <0xA9>.
  EXPECT_EQ(encodeOk(c->tok, "ab\xC3\xA9", true),
            (std::vector<int32_t>{1, 262, 261, 3 + 0xC3, 3 + 0xA9}));
  EXPECT_EQ(decodeAll(c->tok, encodeOk(c->tok, "ab\xC3\xA9", true)), "ab\xC3\xA9");
}

TEST(GgufVocab, BrokenVocabulariesAreRefusedByKey) {
  std::vector<std::string> p = llamaPieces();
  {
    GgufWriter w;
    w.string("tokenizer.ggml.model", "bert");
    w.strings("tokenizer.ggml.tokens", p);
    EXPECT_NE(ggufError(w.file()).find("tokenizer.ggml.model is 'bert'"), std::string::npos);
  }
  {
    GgufWriter w;
    w.string("tokenizer.ggml.model", "llama");
    w.strings("tokenizer.ggml.tokens", p);
    w.ints("tokenizer.ggml.token_type", std::vector<int32_t>(p.size() - 1, 1));
    std::string err = ggufError(w.file());
    EXPECT_NE(err.find("tokenizer.ggml.token_type has 263 entries but tokenizer.ggml.tokens has 264"),
              std::string::npos)
        << err;
  }
  {
    GgufWriter w;
    w.string("tokenizer.ggml.model", "llama");
    w.strings("tokenizer.ggml.tokens", p);
    w.uint32("tokenizer.ggml.bos_token_id", 5000);
    std::string err = ggufError(w.file());
    EXPECT_NE(err.find("tokenizer.ggml.bos_token_id is 5000, beyond the 264 tokens"),
              std::string::npos)
        << err;
  }
  {
    GgufWriter w;
    w.string("tokenizer.ggml.model", "llama");
    w.strings("tokenizer.ggml.tokens", {"a", "b"}, uint64_t(1) << 40);
    std::string err = ggufError(w.file());
    EXPECT_NE(err.find("tokenizer.ggml.tokens"), std::string::npos) << err;
  }
  {
    GgufWriter w;
    w.string("tokenizer.ggml.model", "gpt2");
    w.strings("tokenizer.ggml.tokens", {"a", "b", "ab"});
    w.strings("tokenizer.ggml.merges", {"a c"});
    std::string err = ggufError(w.file());
    EXPECT_NE(err.find("tokenizer.ggml.merges[0] names 'c', which is not a token"),
              std::string::npos)
        << err;
  }
  {
    GgufWriter w;
    w.string("tokenizer.ggml.model", "llama");
    w.strings("tokenizer.ggml.tokens", p);
    EXPECT_NE(ggufError(w.file(), 100).find("more than the model's vocab_size 100"),
              std::string::npos);
  }
  {
    GgufWriter w;
    w.string("tokenizer.ggml.model", "gpt2");
    w.string("tokenizer.ggml.pre", "llama-bpe");
    w.strings("tokenizer.ggml.tokens", {"a"});
    w.strings("tokenizer.ggml.merges", {});
    EXPECT_NE(ggufError(w.file()).find("tokenizer.ggml.pre is 'llama-bpe'"), std::string::npos);
  }
}

// ----------------------------------------------------------------------------
// the fuzzers' seeds

// The seeds of attnc-fuzz-tokenizer-json and attnc-fuzz-gguf-vocab
// (test/Fuzz/seeds_tok.py) convert, and those of attnc-fuzz-tokenizer load,
// so fuzzing starts past the readers' checks; each then encodes a text.
TEST(FuzzSeeds, ConvertAndEncode) {
  const std::string dir = ::testing::TempDir() + "tok-seeds";
  const std::string script = std::string(ATTNC_UNIT_SOURCE) + "/../Fuzz/seeds_tok.py";
  for (const char *target : {"tokenizer", "tokenizer-json", "gguf-vocab"}) {
    std::string cmd = std::string(ATTNC_PYTHON) + " " + script + " " + target + " " + dir + "/" +
                      target;
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  }
  struct Seed {
    const char *file;
    TokenizerFormat format;
    const char *text;
    std::vector<int32_t> ids;
  } seeds[] = {
      // spm "ab" is "▁ab": "▁a" (266) outscores "ab" (271) in both the GGUF
      // scores and the tokenizer.json merge ranks; "▁ab" is no piece.
      // gpt2: h e, l l, he ll -> "hell" (258), then "o" (byte 'o' is token 'o').
      {"tokenizer-json/spm.json", TokenizerFormat::HuggingFace, "ab", {1, 266, 261}},
      {"tokenizer-json/gpt2.json", TokenizerFormat::HuggingFace, "hello", {258, 'o'}},
      {"tokenizer-json/gpt2-pairs.json", TokenizerFormat::HuggingFace, "hello", {258, 'o'}},
      {"gguf-vocab/llama.gguf", TokenizerFormat::Gguf, "ab", {1, 266, 261}},
      {"gguf-vocab/gpt2.gguf", TokenizerFormat::Gguf, "hello", {258, 'o'}},
  };
  for (const Seed &s : seeds) {
    auto c = fromFile(s.format, dir + "/" + s.file, 1000);
    ASSERT_TRUE(c && c->ok) << s.file << ": " << (c ? c->errors : "unreadable");
    EXPECT_EQ(encodeOk(c->tok, s.text, c->tok.add_bos), s.ids) << s.file;
  }
  for (const char *file : {"spm.tok", "spm-nobos.tok", "gpt2.tok"}) {
    std::string data = slurp(dir + "/tokenizer/" + file);
    attnrt::Tokenizer t;
    attnrt::Status st = attnrt::tokenizer_create_embedded(
        &t, reinterpret_cast<const unsigned char *>(data.data()), data.size(), 1000);
    EXPECT_TRUE(st.ok()) << file << ": " << st.message();
    attnrt::tokenizer_destroy(&t);
  }
}

// ----------------------------------------------------------------------------
// the hostile corpus's inputs

// test/Hostile/cases/tokenizers.py's inputs, converted here until `attnc
// check` reads tokenizers through importTokenizer: each is refused with one
// error whose first line matches the case's regex.
TEST(HostileInputs, RefusedWithTheirMessages) {
  const std::string dir = ::testing::TempDir() + "tok-hostile";
  const std::string cmd = std::string(ATTNC_PYTHON) + " " + ATTNC_UNIT_SOURCE +
                          "/../Hostile/cases/tokenizers.py --write " + dir;
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  llvm::Expected<llvm::json::Value> index = llvm::json::parse(slurp(dir + "/index.json"));
  ASSERT_TRUE(bool(index)) << llvm::toString(index.takeError());
  const llvm::json::Array *cases = index->getAsArray();
  ASSERT_TRUE(cases);
  EXPECT_GE(cases->size(), 8u);
  for (const llvm::json::Value &v : *cases) {
    const llvm::json::Object &c = *v.getAsObject();
    const std::string name = c.getString("name")->str(), format = c.getString("format")->str();
    const TokenizerFormat f = format == "hf"     ? TokenizerFormat::HuggingFace
                              : format == "gguf" ? TokenizerFormat::Gguf
                                                 : TokenizerFormat::Llama2c;
    auto conv = fromFile(f, c.getString("file")->str(), *c.getInteger("vocab"));
    ASSERT_TRUE(conv) << name;
    EXPECT_FALSE(conv->ok) << name;
    std::string first = conv->errors.substr(0, conv->errors.find('\n'));
    EXPECT_EQ(std::count(conv->errors.begin(), conv->errors.end(), '\n'), 1) << name << ": "
                                                                             << conv->errors;
    std::regex re("^error: .*" + c.getString("regex")->str());
    EXPECT_TRUE(std::regex_search(first, re)) << name << ": " << first;
  }
}
