//===- GenerateTest.cpp - The generation loop and CLI on a fake model ------===//
//
// Drives generate() and run_cli() with the fake model of FakeModel.h
// (context 12, prefill chunks of 3, vocabulary 16 where token t is followed
// by t + 1) and checks the calls it received, the text and ids produced, the
// --logits-out file, the stop conditions, the one-line errors, and that
// generating more tokens does not allocate more.
//
//===----------------------------------------------------------------------===//
#include "test/Unit/FakeModel.h"

#include "runtime/include/attnrt/cli.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <string>
#include <vector>

using namespace attnrt;

// Counts every operator new in this test binary (NoHeapAllocationPerToken).
static std::atomic<long> g_allocations{0};
void *operator new(size_t size) {
  ++g_allocations;
  if (void *p = std::malloc(size ? size : 1))
    return p;
  throw std::bad_alloc();
}
void operator delete(void *p) noexcept { std::free(p); }
void operator delete(void *p, size_t) noexcept { std::free(p); }

namespace {

std::string contents(FILE *f) {
  std::fflush(f);
  std::rewind(f);
  std::string out;
  for (int c; (c = std::fgetc(f)) != EOF;)
    out += char(c);
  return out;
}

/// generate() on the fake with a fresh state and a greedy sampler.
struct Generation {
  explicit Generation(std::vector<int32_t> prompt, int64_t n, float temperature = 0.0f,
               int32_t top_k = 0, float top_p = 1.0f, FILE *logits = nullptr)
      : text(std::tmpfile()) {
    Model model = fake::model();
    EXPECT_TRUE(tokenizer_create(&tok, fake::state().tokenizer.data(),
                                 fake::state().tokenizer.size(), int32_t(fake::kVocab))
                    .ok());
    EXPECT_TRUE(sampler_create(&sampler, int32_t(fake::kVocab), temperature, top_k, top_p, 42).ok());
    EXPECT_TRUE(run_state_create(&state, *model.info).ok());
    GenerateRequest req;
    req.prompt = prompt.data();
    req.prompt_len = int64_t(prompt.size());
    req.n_predict = n;
    req.text_out = text;
    req.logits_out = logits;
    tokens.reserve(size_t(fake::kContext) + 1);
    status = generate(model, &tok, &sampler, &state, req, &result);
    for (int64_t i = 0; status.ok() && i < result.prompt_tokens + result.generated_tokens; ++i)
      tokens.push_back(state.tokens[i]);
  }
  ~Generation() {
    std::fclose(text);
    run_state_destroy(&state);
    sampler_destroy(&sampler);
    tokenizer_destroy(&tok);
  }
  FILE *text;
  Tokenizer tok;
  Sampler sampler;
  RunState state;
  Status status;
  GenerateResult result;
  std::vector<int32_t> tokens; // prompt, then generated
};

/// run_cli() on the fake: exit code, stdout, stderr.
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

class Generate : public ::testing::Test {
protected:
  void SetUp() override { fake::reset(); }
  void TearDown() override { EXPECT_STREQ(fake::state().failure, ""); }
};

} // namespace

// ----------------------------------------------------------------------------
// calls into the model

TEST_F(Generate, ChunkedPrefillThenOneTokenDecodes) {
  Generation run({1, 3, 4, 5, 6, 7, 8, 9}, 3);
  ASSERT_TRUE(run.status.ok()) << run.status.message();
  const fake::State &s = fake::state();
  ASSERT_EQ(s.num_calls, 5);
  struct Expected {
    bool prefill;
    int64_t pos;
    std::vector<int32_t> tokens;
  } expected[] = {{true, 0, {1, 3, 4}}, {true, 3, {5, 6, 7}}, {true, 6, {8, 9}},
                  {false, 8, {10}},     {false, 9, {11}}};
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(s.calls[i].prefill, expected[i].prefill) << "call " << i;
    EXPECT_EQ(s.calls[i].pos, expected[i].pos) << "call " << i;
    EXPECT_EQ(std::vector<int32_t>(s.calls[i].tokens, s.calls[i].tokens + s.calls[i].count),
              expected[i].tokens)
        << "call " << i;
  }
  // The first new token comes from the last prompt position (9 -> 10).
  EXPECT_EQ(run.tokens, (std::vector<int32_t>{1, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}));
  EXPECT_EQ(run.result.prompt_tokens, 8);
  EXPECT_EQ(run.result.generated_tokens, 3);
  EXPECT_EQ(run.result.decode_calls, 2);
  EXPECT_EQ(run.result.stop, StopReason::Limit);
  EXPECT_EQ(contents(run.text), "ghi\n"); // ids 10, 11, 12
}

TEST_F(Generate, NPredictCounts) {
  for (int64_t n : {0, 1, 2, 7}) {
    fake::reset();
    Generation run({1}, n);
    ASSERT_TRUE(run.status.ok()) << run.status.message();
    EXPECT_EQ(run.result.generated_tokens, n);
    EXPECT_EQ(run.result.decode_calls, n > 0 ? n - 1 : 0);
    EXPECT_EQ(fake::state().num_calls, 1 + (n > 0 ? n - 1 : 0));
  }
  Generation none({1, 3}, 0);
  EXPECT_EQ(contents(none.text), "\n");
}

TEST_F(Generate, StopsAtEosWithoutPrintingIt) {
  fake::state().stop_after = 6; // 1 -> 3 -> 4 -> 5 -> 6 -> EOS
  Generation run({1}, 50);
  ASSERT_TRUE(run.status.ok());
  EXPECT_EQ(run.tokens, (std::vector<int32_t>{1, 3, 4, 5, 6}));
  EXPECT_EQ(run.result.stop, StopReason::EndOfText);
  // After BOS, " " loses its leading space and prints nothing.
  EXPECT_EQ(contents(run.text), "abc\n");
}

TEST_F(Generate, StopsAtBos) {
  fake::state().stop_after = 4;
  fake::state().stop_token = 1;
  Generation run({1, 3}, 50);
  ASSERT_TRUE(run.status.ok());
  EXPECT_EQ(run.tokens, (std::vector<int32_t>{1, 3, 4}));
  EXPECT_EQ(run.result.stop, StopReason::EndOfText);
}

TEST_F(Generate, StopsWhenTheContextIsFull) {
  Generation run({1, 3, 4, 5}, -1);
  ASSERT_TRUE(run.status.ok());
  // Positions 0..11 are computed; the token sampled at position 11 is the last.
  EXPECT_EQ(run.result.generated_tokens, fake::kContext - 4 + 1);
  EXPECT_EQ(run.result.stop, StopReason::ContextFull);
  EXPECT_EQ(fake::state().calls[fake::state().num_calls - 1].pos, fake::kContext - 1);
  Generation exact({1, 3, 4, 5}, fake::kContext - 4 + 1);
  EXPECT_EQ(exact.result.stop, StopReason::Limit);
}

TEST_F(Generate, LogitsOutHasEveryPositionInOrder) {
  FILE *logits = std::tmpfile();
  Generation run({1, 3, 4, 5, 6}, 4, 0.0f, 0, 1.0f, logits);
  ASSERT_TRUE(run.status.ok());
  std::string bytes = contents(logits);
  std::fclose(logits);
  const int64_t rows = 5 + 3; // prompt positions, then decode positions
  ASSERT_EQ(bytes.size(), size_t(rows * fake::kVocab * 4));
  const float *f = reinterpret_cast<const float *>(bytes.data());
  for (int64_t r = 0; r < rows; ++r) {
    const float *row = f + r * fake::kVocab;
    int32_t token = run.tokens[size_t(r)];
    EXPECT_EQ(row[fake::successor(token)], fake::kTarget) << "row " << r;
    EXPECT_EQ(row[0], -float(r + 1) / 1000.0f) << "row " << r;
  }
}

TEST_F(Generate, PromptChecks) {
  std::vector<int32_t> long_prompt(size_t(fake::kContext) + 1, 3);
  Generation too_long(long_prompt, 1);
  EXPECT_EQ(too_long.status.message(), "prompt has 13 tokens but the model's context holds 12");
  Generation out_of_range({1, 16}, 1);
  EXPECT_EQ(out_of_range.status.message(),
            "prompt token 16 at index 1 is out of range: the vocabulary has 16 tokens");
  Generation empty({}, 1);
  EXPECT_FALSE(empty.status.ok());
  EXPECT_EQ(fake::state().num_calls, 0);
}

// Sampling at temperature > 0 takes the same path every token; with the
// fake's peaked logits it still follows t -> t + 1.
TEST_F(Generate, NoHeapAllocationPerToken) {
  for (auto [top_k, top_p] : {std::pair<int32_t, float>{0, 1.0f}, {0, 0.9f}, {5, 0.9f}}) {
    long before = g_allocations;
    { Generation run({1}, 2, 1.0f, top_k, top_p); }
    long short_run = g_allocations - before;
    before = g_allocations;
    {
      Generation run({1}, 11, 1.0f, top_k, top_p);
      EXPECT_EQ(run.result.generated_tokens, 11);
    }
    EXPECT_EQ(g_allocations - before, short_run) << "top_k " << top_k << " top_p " << top_p;
  }
}

// ----------------------------------------------------------------------------
// the program (run_cli)

TEST_F(Generate, CliTextPrompt) {
  Cli cli({"-p", "ab", "-n", "3", "--temp", "0", "--seed", "42"});
  EXPECT_EQ(cli.code, 0) << cli.stderr_text;
  EXPECT_EQ(cli.stdout_text, "cde\n"); // [BOS, " ", a, b] -> c, d, e; prompt not echoed
  EXPECT_NE(cli.stderr_text.find("seed: 42\n"), std::string::npos);
  EXPECT_NE(cli.stderr_text.find("prefill: 4 tokens in "), std::string::npos) << cli.stderr_text;
  EXPECT_NE(cli.stderr_text.find("decode: 2 tokens in "), std::string::npos) << cli.stderr_text;
}

TEST_F(Generate, CliNoPromptStartsFromBos) {
  Cli cli({"-n", "4", "--temp", "0"});
  EXPECT_EQ(cli.code, 0);
  EXPECT_EQ(cli.stdout_text, "abc\n"); // 3 (" " after BOS prints nothing), 4, 5, 6
  EXPECT_EQ(fake::state().calls[0].count, 1);
  EXPECT_EQ(fake::state().calls[0].tokens[0], kTokenBos);
}

TEST_F(Generate, CliErrors) {
  auto expect_error = [](std::vector<const char *> args, const std::string &message) {
    Cli cli(std::move(args));
    EXPECT_EQ(cli.code, 1);
    EXPECT_EQ(cli.stdout_text, "");
    EXPECT_EQ(cli.stderr_text, "error: " + message + "\n");
  };
  expect_error({"--bogus"}, "unknown option '--bogus' (see --help)");
  expect_error({"-t", "0"}, "-t must be in [1, 1024], got 0");
  expect_error({"--prompt-ids", "1,2,3,4,5,6,7,8,9,10,11,12,13"},
               "prompt has 13 tokens but the model's context holds 12");
  expect_error({"-p", "abcabcabcabc"}, "prompt has 14 tokens but the model's context holds 12");
  expect_error({"--prompt-ids", "1,16"},
               "--prompt-ids: id 16 (item 1) is out of range: the vocabulary has 16 tokens "
               "(ids 0..15)");
  EXPECT_EQ(fake::state().num_calls, 0);
  Cli unwritable({"--logits-out", "/nonexistent-dir/logits.f32", "-n", "1"});
  EXPECT_EQ(unwritable.code, 1);
  EXPECT_NE(unwritable.stderr_text.find("error: cannot open --logits-out file "
                                        "/nonexistent-dir/logits.f32: No such file"),
            std::string::npos)
      << unwritable.stderr_text;
}

TEST_F(Generate, CliChecksTheModel) {
  fake::state().info.abi_version = ATTN_ABI_VERSION + 1;
  Cli abi({"-n", "1"});
  EXPECT_EQ(abi.code, 1);
  EXPECT_EQ(abi.stderr_text, "error: the model was compiled for runtime ABI version 2, this "
                             "runtime implements version 1: recompile it\n");
  fake::reset();
  fake::state().tokenizer = fake::tokenizer_image(15); // one token short
  fake::state().info.tokenizer_bytes = int64_t(fake::state().tokenizer.size());
  Cli vocab({"-n", "1"});
  EXPECT_EQ(vocab.code, 1);
  EXPECT_EQ(vocab.stderr_text.rfind("error: embedded tokenizer truncated at byte offset ", 0), 0u)
      << vocab.stderr_text;
  EXPECT_NE(vocab.stderr_text.find("token 15 needs its 4-byte score"), std::string::npos);
}

TEST_F(Generate, CliWithoutTokenizerPrintsIds) {
  fake::reset(/*with_tokenizer=*/false);
  Cli ids({"--prompt-ids", "1,3", "-n", "3", "--temp", "0"});
  EXPECT_EQ(ids.code, 0) << ids.stderr_text;
  EXPECT_EQ(ids.stdout_text, "4 5 6\n");
  Cli text({"-p", "ab"});
  EXPECT_EQ(text.code, 1);
  EXPECT_EQ(text.stderr_text, "error: this model was compiled without a tokenizer: give the "
                              "prompt as --prompt-ids\n");
}

TEST_F(Generate, CliHelpAndContextFullNote) {
  Cli help({"--help"});
  EXPECT_EQ(help.code, 0);
  EXPECT_EQ(help.stdout_text.rfind("usage: fake-model [options]\n", 0), 0u);
  Cli full({"-n", "-1", "--temp", "0"});
  EXPECT_EQ(full.code, 0);
  EXPECT_NE(full.stderr_text.find("note: stopped after 12 tokens: the context (12 positions) "
                                  "is full\n"),
            std::string::npos)
      << full.stderr_text;
}
