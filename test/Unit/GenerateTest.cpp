//===- GenerateTest.cpp - The generation loop and CLI on a fake model ------===//
//
// Drives generate() and run_cli() with the fake model of FakeModel.h
// (context 12, prefill chunks of 3, vocabulary 16 where token t is followed
// by t + 1) and checks the calls it received, the text and ids produced, the
// --logits-out file, the stop conditions, the one-line errors, and that
// generating more tokens does not allocate more; then what hostile input
// and failing outputs do: write errors, non-finite logits, sizes that cannot
// be allocated, and prompt files (-f).
//
//===----------------------------------------------------------------------===//
#include "test/Unit/FakeModel.h"

#include "runtime/include/attnrt/cli.h"
#include "runtime/include/attnrt/options.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <vector>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

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
  // Without --logits-out every call asks for its last position's logits only.
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(s.calls[i].logitRows, 1) << "call " << i;
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
  // With --logits-out every call asks for the logits of all its positions.
  for (int i = 0; i < fake::state().num_calls; ++i)
    EXPECT_EQ(fake::state().calls[i].logitRows, fake::state().calls[i].count) << "call " << i;
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
  expect_error({"-t", "1025"}, "-t must be in [0, 1024], got 1025");
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
  EXPECT_EQ(abi.stderr_text, "error: the model was compiled for runtime ABI version " +
                                 std::to_string(ATTN_ABI_VERSION + 1) +
                                 ", this runtime implements version " +
                                 std::to_string(ATTN_ABI_VERSION) + ": recompile it\n");
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

// ----------------------------------------------------------------------------
// write errors on the text (issue 5, class 2)

namespace {

/// A stream whose writes fail with ENOSPC once flushed, like a full disk.
FILE *full_device() {
  FILE *f = std::fopen("/dev/full", "w");
  EXPECT_NE(f, nullptr) << "/dev/full is missing";
  return f;
}

/// run_cli() writing its text to /dev/full.
struct FullCli {
  explicit FullCli(std::vector<const char *> args) {
    FILE *out = full_device(), *err = std::tmpfile();
    args.insert(args.begin(), "fake-model");
    Model model = fake::model();
    code = run_cli(int(args.size()), args.data(), model, out, err);
    stderr_text = contents(err);
    std::fclose(out);
    std::fclose(err);
  }
  int code;
  std::string stderr_text;
};

} // namespace

// The first token that cannot be written stops generation: one prefill call
// ran, no decode call computed a token for nobody.
TEST_F(Generate, WriteErrorStopsAtTheFirstToken) {
  for (bool with_tokenizer : {true, false}) {
    fake::reset(with_tokenizer);
    FILE *out = full_device();
    Model model = fake::model();
    Tokenizer tok;
    if (with_tokenizer)
      ASSERT_TRUE(tokenizer_create(&tok, fake::state().tokenizer.data(),
                                   fake::state().tokenizer.size(), int32_t(fake::kVocab))
                      .ok());
    Sampler sampler;
    RunState state;
    ASSERT_TRUE(sampler_create(&sampler, int32_t(fake::kVocab), 0.0f, 0, 1.0f, 1).ok());
    ASSERT_TRUE(run_state_create(&state, *model.info).ok());
    std::vector<int32_t> prompt = {1, 3};
    GenerateRequest req;
    req.prompt = prompt.data();
    req.prompt_len = 2;
    req.n_predict = 8;
    req.text_out = out;
    GenerateResult result;
    Status st = generate(model, with_tokenizer ? &tok : nullptr, &sampler, &state, req, &result);
    EXPECT_EQ(st.message(), "writing the generated text failed: No space left on device");
    EXPECT_EQ(fake::state().num_calls, 1) << "tokens were computed after the write failed";
    EXPECT_EQ(result.decode_calls, 0);
    std::fclose(out);
    run_state_destroy(&state);
    sampler_destroy(&sampler);
    tokenizer_destroy(&tok);
  }
}

TEST_F(Generate, CliReportsWriteErrors) {
  FullCli text({"-n", "5", "--temp", "0"});
  EXPECT_EQ(text.code, 1);
  EXPECT_NE(text.stderr_text.find("\nerror: writing the generated text failed: No space left on "
                                  "device\n"),
            std::string::npos)
      << text.stderr_text;
  EXPECT_EQ(text.stderr_text.find("prefill:"), std::string::npos) << text.stderr_text;
  // -n 0 writes only the final newline, which must fail just the same.
  fake::reset();
  FullCli newline({"-n", "0"});
  EXPECT_EQ(newline.code, 1);
  EXPECT_NE(newline.stderr_text.find("error: writing the generated text failed"),
            std::string::npos);
  FullCli help({"--help"});
  EXPECT_EQ(help.code, 1);
  EXPECT_EQ(help.stderr_text, "error: writing the help text failed: No space left on device\n");
}

// ----------------------------------------------------------------------------
// non-finite logits (class 8)

TEST_F(Generate, NonFiniteLogitsStopGeneration) {
  struct Case {
    int64_t pos;
    int32_t id;
    float value;
    float temperature;
    const char *message;
    const char *text; // printed before the stop
  } cases[] = {
      // Position 5 is a decode position (prompt 1, 3 at 0..1): 4, 5, 6, 7
      // ("abcd") were sampled from positions 1..4 and printed.
      {5, 7, NAN, 0.0f, "the model produced a non-finite logit (nan) at position 5, token id 7",
       "abcd"},
      {5, 0, INFINITY, 1.0f,
       "the model produced a non-finite logit (inf) at position 5, token id 0", "abcd"},
      // The last prompt position: nothing is printed.
      {1, 15, -INFINITY, 0.0f,
       "the model produced a non-finite logit (-inf) at position 1, token id 15", ""},
  };
  for (const Case &c : cases) {
    fake::reset();
    fake::state().poison_pos = c.pos;
    fake::state().poison_id = c.id;
    fake::state().poison_value = c.value;
    std::string temp = std::to_string(c.temperature);
    Cli cli({"--prompt-ids", "1,3", "-n", "10", "--temp", temp.c_str(), "--top-k", "1"});
    EXPECT_EQ(cli.code, 1);
    EXPECT_EQ(cli.stdout_text, c.text);
    EXPECT_NE(cli.stderr_text.find(std::string("error: ") + c.message + "\n"), std::string::npos)
        << cli.stderr_text;
  }
  // A prompt position that is not sampled from does not matter.
  fake::reset();
  fake::state().poison_pos = 0;
  fake::state().poison_id = 7;
  fake::state().poison_value = NAN;
  Cli fine({"--prompt-ids", "1,3", "-n", "2", "--temp", "0"});
  EXPECT_EQ(fine.code, 0) << fine.stderr_text;
  EXPECT_EQ(fine.stdout_text, "ab\n");
}

// ----------------------------------------------------------------------------
// sizes (class 4)

TEST_F(Generate, RunStateSizesAreChecked) {
  AttnModelInfo info = fake::state().info;
  info.layers = int64_t(1) << 20;
  info.kv_heads = int64_t(1) << 10;
  info.context_length = int64_t(1) << 20;
  info.head_dim = int64_t(1) << 10;
  RunState s;
  EXPECT_EQ(run_state_create(&s, info).message(),
            "the KV cache needs 8.59e+09 GiB (keys and values: 2 x 1048576 layers x 1024 KV "
            "heads x 1048576 positions x 1024 floats x 4 bytes): cannot allocate it");
  EXPECT_EQ(s.key_cache, nullptr);
  info.layers = INT64_MAX / 2; // the product overflows int64
  EXPECT_EQ(run_state_create(&s, info).message(),
            "the KV cache needs 3.78e+22 GiB (keys and values: 2 x 4611686018427387903 layers x "
            "1024 KV heads x 1048576 positions x 1024 floats x 4 bytes): cannot allocate it");
  info = fake::state().info;
  info.prefill_chunk = int64_t(1) << 40;
  info.vocab_size = int64_t(1) << 20;
  EXPECT_EQ(run_state_create(&s, info).message(),
            "the logits buffer needs 4.29e+09 GiB (1099511627776 positions per prefill call x "
            "1048576 tokens x 4 bytes): cannot allocate it");
  EXPECT_EQ(s.logits, nullptr);
  EXPECT_TRUE(run_state_create(&s, fake::state().info).ok());
  run_state_destroy(&s);
}

TEST_F(Generate, ModelLimitsAreTheAbiConstants) {
  fake::state().info.vocab_size = int64_t(ATTN_MAX_VOCAB_SIZE) + 1;
  EXPECT_EQ(check_model(fake::model()).message(),
            "the model info says vocab_size = 2147483648, this runtime executes at most "
            "2147483647");
  fake::reset();
  fake::state().info.context_length = int64_t(ATTN_MAX_CONTEXT_LENGTH) + 1;
  EXPECT_EQ(check_model(fake::model()).message(),
            "the model info says context_length = 2147483647, this runtime executes at most "
            "2147483646");
  fake::state().info.context_length = ATTN_MAX_CONTEXT_LENGTH;
  EXPECT_TRUE(check_model(fake::model()).ok());
}

// ----------------------------------------------------------------------------
// -f: the prompt from a file or standard input (class 10)

namespace {

/// A fresh directory for files the test makes, removed with everything in it.
struct TempDir {
  TempDir() {
    char tmpl[] = "/tmp/attnrt-generate-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~TempDir() { std::system(("rm -rf '" + path + "'").c_str()); }
  std::string file(const std::string &name, const std::string &text) const {
    std::string p = path + "/" + name;
    FILE *f = std::fopen(p.c_str(), "wb");
    std::fwrite(text.data(), 1, text.size(), f);
    std::fclose(f);
    return p;
  }
  std::string path;
};

/// run_cli() with standard input (fd 0) reading `stdin_path`.
Cli with_stdin(const std::string &stdin_path, std::vector<const char *> args) {
  int saved = ::dup(0);
  int fd = ::open(stdin_path.c_str(), O_RDONLY);
  ::dup2(fd, 0);
  ::close(fd);
  Cli cli(std::move(args));
  ::dup2(saved, 0);
  ::close(saved);
  return cli;
}

} // namespace

TEST_F(Generate, PromptFromFile) {
  TempDir dir;
  // The same as -p ab (CliTextPrompt): one trailing newline is dropped.
  std::string ab = dir.file("ab.txt", "ab\n");
  Cli file({"-f", ab.c_str(), "-n", "3", "--temp", "0"});
  EXPECT_EQ(file.code, 0) << file.stderr_text;
  EXPECT_EQ(file.stdout_text, "cde\n");
  Cli in = with_stdin(ab, {"-f", "-", "-n", "3", "--temp", "0"});
  EXPECT_EQ(in.code, 0) << in.stderr_text;
  EXPECT_EQ(in.stdout_text, "cde\n");
  // An empty file is an empty prompt: BOS alone, as without -p.
  std::string empty = dir.file("empty.txt", "");
  Cli none({"--file", empty.c_str(), "-n", "4", "--temp", "0"});
  EXPECT_EQ(none.code, 0) << none.stderr_text;
  EXPECT_EQ(none.stdout_text, "abc\n");
}

TEST_F(Generate, PromptFileErrors) {
  TempDir dir;
  auto expect_error = [](const Cli &cli, const std::string &message) {
    EXPECT_EQ(cli.code, 1);
    EXPECT_EQ(cli.stdout_text, "");
    EXPECT_EQ(cli.stderr_text, "error: " + message + "\n");
  };
  std::string fifo = dir.path + "/fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  expect_error(Cli({"-f", fifo.c_str()}),
               "prompt file " + fifo + " is not a regular file (give - to read standard input)");
  expect_error(Cli({"-f", dir.path.c_str()}),
               "prompt file " + dir.path +
                   " is not a regular file (give - to read standard input)");
  expect_error(Cli({"-f", "/dev/zero"}),
               "prompt file /dev/zero is not a regular file (give - to read standard input)");
  expect_error(Cli({"-f", "/nonexistent/p.txt"}),
               "cannot open prompt file /nonexistent/p.txt: No such file or directory");
  // A sparse file beyond the bound is refused by its size, unread.
  std::string huge = dir.path + "/huge.txt";
  ASSERT_EQ(::truncate(dir.file("huge.txt", "").c_str(), kMaxPromptFileBytes + 1), 0);
  expect_error(Cli({"-f", huge.c_str()}),
               "prompt file " + huge + " has 67108865 bytes, more than the 64 MiB -f reads");
  // On standard input the bound is found by reading.
  expect_error(with_stdin(huge, {"-f", "-"}),
               "the prompt read from standard input is longer than 64 MiB, the most -f reads");
  std::string nul = dir.file("nul.txt", std::string("ab\0cd", 5));
  expect_error(Cli({"-f", nul.c_str()}), "the prompt read from prompt file " + nul +
                                             " has a NUL byte at byte offset 2: a prompt is text");
  // Too long for the context: refused before encoding when even the longest
  // pieces could not make it fit (the fake's longest text is "<unk>", 5 bytes:
  // BOS and EOS are control tokens and stand for no text), else after
  // encoding with the exact count.
  std::string many = dir.file("many.txt", std::string(100, 'a'));
  expect_error(Cli({"-f", many.c_str()}),
               "prompt has at least 22 tokens but the model's context holds 12");
  std::string some = dir.file("some.txt", "abcabcabcabc");
  expect_error(Cli({"-f", some.c_str()}), "prompt has 14 tokens but the model's context holds 12");
  fake::reset(/*with_tokenizer=*/false);
  expect_error(Cli({"-f", some.c_str()}),
               "this model was compiled without a tokenizer: give the prompt as --prompt-ids");
}

// ----------------------------------------------------------------------------
// the weights' pages

namespace {

/// The kernel's transparent huge page setting: "always", "madvise",
/// "never", or "" where it has none.
std::string thp_mode() {
  FILE *f = std::fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
  if (!f)
    return "";
  char line[128] = {0};
  const bool read = std::fgets(line, sizeof line, f) != nullptr;
  std::fclose(f);
  for (const char *mode : {"always", "madvise", "never"})
    if (read && std::strstr(line, (std::string("[") + mode + "]").c_str()))
      return mode;
  return "";
}

/// Whether the mapping holding `p` is advised into huge pages (its VmFlags
/// in /proc/self/smaps have `hg`, MADV_HUGEPAGE): 1 or 0, or -1 if the
/// mapping is not found. (Whether the kernel then maps a file's pages 2 MiB
/// at a time depends on how its page cache holds them, which a test cannot
/// choose.)
int advised_huge(const void *p) {
  FILE *f = std::fopen("/proc/self/smaps", "r");
  if (!f)
    return -1;
  const unsigned long long a = reinterpret_cast<uintptr_t>(p);
  char line[512];
  bool inside = false;
  int advised = -1;
  while (advised < 0 && std::fgets(line, sizeof line, f)) {
    unsigned long long lo = 0, hi = 0;
    char dash = 0;
    if (std::sscanf(line, "%llx%c%llx ", &lo, &dash, &hi) == 3 && dash == '-')
      inside = lo <= a && a < hi;
    else if (inside && std::strncmp(line, "VmFlags:", 8) == 0)
      advised = std::strstr(line, " hg") != nullptr;
  }
  std::fclose(f);
  return advised;
}

/// A read-only private mapping of a 6 MiB file at a 2 MiB boundary, as the
/// compiler places large weights in an executable, with a model record
/// pointing at it.
struct FileWeights {
  static constexpr size_t kBytes = size_t(6) << 20;
  FileWeights() {
    FILE *f = std::tmpfile();
    std::vector<unsigned char> bytes(kBytes);
    for (size_t i = 0; i < kBytes; ++i)
      bytes[i] = static_cast<unsigned char>((i * 2654435761u) >> 13);
    EXPECT_EQ(std::fwrite(bytes.data(), 1, kBytes, f), kBytes);
    std::fflush(f);
    const size_t huge = ATTN_HUGE_PAGE_BYTES;
    reserved = mmap(nullptr, kBytes + huge, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    EXPECT_NE(reserved, MAP_FAILED);
    void *at = reinterpret_cast<void *>(
        (reinterpret_cast<uintptr_t>(reserved) + huge - 1) & ~uintptr_t(huge - 1));
    data = static_cast<unsigned char *>(
        mmap(at, kBytes, PROT_READ, MAP_PRIVATE | MAP_FIXED, fileno(f), 0));
    EXPECT_EQ(data, at);
    std::fclose(f);
    expected_first = bytes[0];
    expected_last = bytes[kBytes - 1];
    info.weights_bytes = int64_t(kBytes);
    model.info = &info;
    model.weights = data;
  }
  ~FileWeights() { munmap(reserved, kBytes + ATTN_HUGE_PAGE_BYTES); }
  void *reserved = nullptr;
  unsigned char *data = nullptr;
  unsigned char expected_first = 0, expected_last = 0;
  AttnModelInfo info{};
  Model model;
};

} // namespace

TEST(WeightPages, LargeWeightsAreAdvisedIntoHugePages) {
  FileWeights w;
  const std::string mode = thp_mode();
  if (mode != "madvise" && mode != "always")
    GTEST_SKIP() << "transparent huge pages are off on this machine";
  weights_populate(w.model, /*huge_page_min_bytes=*/0);
  EXPECT_EQ(advised_huge(w.data + (size_t(3) << 20)), 1);
  EXPECT_EQ(w.data[0], w.expected_first);
  EXPECT_EQ(w.data[FileWeights::kBytes - 1], w.expected_last);
}

TEST(WeightPages, SmallWeightsKeepTheirPages) {
  FileWeights w;
  weights_populate(w.model); // 6 MiB: below ATTN_HUGE_PAGE_WEIGHTS_MIN_BYTES
  EXPECT_EQ(advised_huge(w.data + (size_t(3) << 20)), 0);
  EXPECT_EQ(w.data[0], w.expected_first);
}
