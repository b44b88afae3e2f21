//===- SpecialTokensTest.cpp - BOS, EOS and --ignore-eos from the model ---===//
//
// The generated executable's special tokens come from the model record
// (abi.h: bos_token, eos_token, add_bos), not from fixed ids 1 and 2:
// generation stops at the model's EOS unless --ignore-eos, a prompt starts
// with BOS only when the model adds one, and the record's ids are checked.
// Also the UTF-8 stream in generation: a character whose bytes come from
// three byte tokens prints whole, or as U+FFFD when generation stops inside
// it. Runs the program body (run_cli) on the fake model of FakeModel.h.
//
//===----------------------------------------------------------------------===//
#include "FakeModel.h"

#include "runtime/include/attnrt/cli.h"
#include "runtime/include/attnrt/tokenizer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace attnrt;

namespace {

std::string contents(FILE *f) {
  std::fflush(f);
  std::rewind(f);
  std::string out;
  for (int c; (c = std::fgetc(f)) != EOF;)
    out += char(c);
  return out;
}

struct Cli {
  explicit Cli(std::vector<const char *> args) {
    FILE *out = std::tmpfile(), *err = std::tmpfile();
    args.insert(args.begin(), "fake-model");
    Model model = fake::model();
    code = run_cli(int(args.size()), args.data(), model, out, err);
    stdout_text = contents(out);
    stderr_text = contents(err);
    std::fclose(out);
    std::fclose(err);
  }
  int code;
  std::string stdout_text, stderr_text;
};

class SpecialTokens : public ::testing::Test {
protected:
  void SetUp() override { fake::reset(); }
  void TearDown() override { EXPECT_STREQ(fake::state().failure, ""); }
};

void useImage(const std::string &image) {
  fake::state().tokenizer.assign(image.begin(), image.end());
  fake::state().info.tokenizer_bytes = int64_t(image.size());
}

} // namespace

// The fake's greedy chain after BOS is 3, 4, 5, 6, 7, ... (" ", a, b, c, d).
TEST_F(SpecialTokens, StopsAtTheModelsEos) {
  fake::state().info.eos_token = 7; // "d"
  Cli cli({"--prompt-ids", "1", "-n", "10", "--temp", "0"});
  EXPECT_EQ(cli.code, 0) << cli.stderr_text;
  EXPECT_EQ(cli.stdout_text, "abc\n"); // 3 (" " after BOS), 4, 5, 6; 7 ends it
  // Decode ran 3, 4, 5 and 6; the logits after 6 gave 7.
  EXPECT_NE(cli.stderr_text.find("decode: 4 tokens"), std::string::npos) << cli.stderr_text;
}

TEST_F(SpecialTokens, IgnoreEosGeneratesExactlyN) {
  fake::state().stop_after = 4; // 1 -> 3 -> 4 -> EOS 2 -> 3 -> 4 -> 2 ...
  fake::state().stop_token = 2;
  Cli stops({"--prompt-ids", "1", "-n", "6", "--temp", "0"});
  EXPECT_EQ(stops.code, 0) << stops.stderr_text;
  EXPECT_EQ(stops.stdout_text, "a\n");
  fake::reset();
  fake::state().stop_after = 4;
  fake::state().stop_token = 2;
  Cli all({"--prompt-ids", "1", "-n", "6", "--temp", "0", "--ignore-eos"});
  EXPECT_EQ(all.code, 0) << all.stderr_text;
  // 3, 4, 2 (EOS prints nothing), 3 (" "), 4, 2: six tokens, five decode calls.
  EXPECT_EQ(all.stdout_text, "a a\n");
  EXPECT_NE(all.stderr_text.find("decode: 5 tokens"), std::string::npos) << all.stderr_text;
}

TEST_F(SpecialTokens, NoBosIsPrependedWhenTheModelAddsNone) {
  fake::state().info.bos_token = -1;
  fake::state().info.add_bos = 0;
  Cli cli({"-p", "ab", "-n", "2", "--temp", "0"});
  EXPECT_EQ(cli.code, 0) << cli.stderr_text;
  EXPECT_EQ(fake::state().calls[0].count, 3); // " ", a, b: no BOS
  EXPECT_EQ(fake::state().calls[0].tokens[0], 3);
  EXPECT_EQ(cli.stdout_text, "cd\n");
  Cli empty({"-n", "2"});
  EXPECT_EQ(empty.code, 1);
  EXPECT_EQ(empty.stderr_text, "error: the prompt is empty and this model starts no text with a "
                               "BOS token: give a prompt (-p, -f or --prompt-ids)\n");
}

TEST_F(SpecialTokens, AnotherBosId) {
  fake::state().info.bos_token = 9; // "f"
  Cli cli({"-p", "ab", "-n", "1", "--temp", "0"});
  EXPECT_EQ(cli.code, 0) << cli.stderr_text;
  EXPECT_EQ(fake::state().calls[0].tokens[0], 9);
}

TEST_F(SpecialTokens, ModelRecordIsChecked) {
  fake::state().info.bos_token = fake::kVocab;
  Cli bos({"-n", "1"});
  EXPECT_EQ(bos.code, 1);
  EXPECT_EQ(bos.stderr_text, "error: the model info says bos_token = 16, expected -1 (none) or a "
                             "token id below vocab_size 16\n");
  fake::reset();
  fake::state().info.eos_token = -2;
  EXPECT_NE(Cli({"-n", "1"}).stderr_text.find("eos_token = -2"), std::string::npos);
  fake::reset();
  fake::state().info.bos_token = -1;
  Cli add({"-n", "1"});
  EXPECT_EQ(add.stderr_text, "error: the model info asks for a BOS token (add_bos = 1) but has "
                             "none (bos_token = -1)\n");
  fake::reset();
  fake::state().info.add_bos = 2;
  EXPECT_NE(Cli({"-n", "1"}).stderr_text.find("add_bos = 2, expected 0 or 1"), std::string::npos);
}

// Byte tokens 4, 5, 6 are the three bytes of U+65E5; the chain 3, 4, 5, 6
// prints the character whole, and cut after 5 prints U+FFFD.
TEST_F(SpecialTokens, SplitCharactersPrintWhole) {
  TokenizerData d;
  d.kind = TokenizerKind::Spm;
  d.pieces = {"<unk>", "<s>", "</s>", "\xE2\x96\x81", "<0xE6>", "<0x97>", "<0xA5>"};
  d.types = {TokenType::Unknown, TokenType::Control, TokenType::Control, TokenType::Normal,
             TokenType::Byte, TokenType::Byte, TokenType::Byte};
  for (int i = 7; i < fake::kVocab; ++i) {
    d.pieces.push_back(std::string(1, char('a' + i)));
    d.types.push_back(TokenType::Normal);
  }
  d.bos = 1;
  d.eos = 2;
  d.unk = 0;
  d.add_bos = true;
  d.add_space_prefix = true;
  const std::string image = tokenizer_serialize(d);
  useImage(image);
  Cli whole({"--prompt-ids", "1", "-n", "4", "--temp", "0"});
  EXPECT_EQ(whole.code, 0) << whole.stderr_text;
  EXPECT_EQ(whole.stdout_text, "\xE6\x97\xA5\n");
  fake::reset();
  useImage(image);
  Cli cut({"--prompt-ids", "1", "-n", "3", "--temp", "0"});
  EXPECT_EQ(cut.code, 0) << cut.stderr_text;
  EXPECT_EQ(cut.stdout_text, "\xEF\xBF\xBD\n");
  // The embedded tokenizer's text encodes with its byte tokens: "日" is 3, 4, 5, 6.
  fake::reset();
  useImage(image);
  Cli text({"-p", "\xE6\x97\xA5", "-n", "1", "--temp", "0"});
  EXPECT_EQ(text.code, 0) << text.stderr_text;
  ASSERT_EQ(fake::state().calls[0].count, 3); // prefill chunk of 3: BOS, ▁, 0xE6
  EXPECT_EQ(fake::state().calls[0].tokens[2], 4);
  EXPECT_EQ(fake::state().calls[1].tokens[0], 5);
}

// A model whose embedding has more rows than its tokenizer has tokens (a
// padded vocabulary) may name a BOS beyond the tokenizer: it is prepended as
// given, and decodes to nothing.
TEST_F(SpecialTokens, BosBeyondTheTokenizer) {
  TokenizerData d;
  d.kind = TokenizerKind::Spm;
  d.pieces = {"<unk>", "<s>", "</s>", "\xE2\x96\x81", "a", "b", "c", "d", "e", "f"};
  d.bos = 1;
  d.eos = 2;
  d.unk = 0;
  d.add_bos = true;
  d.add_space_prefix = true;
  useImage(tokenizer_serialize(d));
  fake::state().info.bos_token = 12;
  Cli cli({"-p", "ab", "-n", "1", "--temp", "0"});
  EXPECT_EQ(cli.code, 0) << cli.stderr_text;
  EXPECT_EQ(fake::state().calls[0].tokens[0], 12);
  EXPECT_EQ(fake::state().calls[0].tokens[1], 3);
}
