//===- OptionsTest.cpp - Command line parsing of compiled models -----------===//
//
// Defaults, every flag in both spellings, and the one-line error for each
// kind of bad input (unknown flag, missing value, malformed or out-of-range
// number, conflicting prompts).
//
//===----------------------------------------------------------------------===//
#include "runtime/include/attnrt/options.h"

#include <gtest/gtest.h>

#include <initializer_list>
#include <vector>

using namespace attnrt;

namespace {

Status parse(std::initializer_list<const char *> args, Options *opts) {
  std::vector<const char *> argv = {"model"};
  argv.insert(argv.end(), args.begin(), args.end());
  return parse_options(int(argv.size()), argv.data(), opts);
}

std::string error_of(std::initializer_list<const char *> args) {
  Options opts;
  Status st = parse(args, &opts);
  EXPECT_FALSE(st.ok());
  return st.message();
}

} // namespace

TEST(Options, Defaults) {
  Options o;
  ASSERT_TRUE(parse({}, &o).ok());
  EXPECT_FALSE(o.has_prompt);
  EXPECT_FALSE(o.has_prompt_ids);
  EXPECT_EQ(o.n_predict, 256);
  EXPECT_EQ(o.temperature, 0.8f);
  EXPECT_EQ(o.top_k, 40);
  EXPECT_EQ(o.top_p, 0.95f);
  EXPECT_EQ(o.seed, 0u); // from the clock
  EXPECT_EQ(o.threads, 0); // every CPU the process may use
  EXPECT_TRUE(o.logits_out.empty());
  EXPECT_FALSE(o.help);
}

TEST(Options, EveryFlag) {
  Options o;
  Status st = parse({"-p", "Once upon", "-n", "12", "--temp", "0", "--top-k", "5", "--top-p",
                     "0.5", "--seed", "42", "-t", "2", "--logits-out", "/tmp/x.f32"},
                    &o);
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(o.prompt, "Once upon");
  EXPECT_TRUE(o.has_prompt);
  EXPECT_EQ(o.n_predict, 12);
  EXPECT_EQ(o.temperature, 0.0f);
  EXPECT_EQ(o.top_k, 5);
  EXPECT_EQ(o.top_p, 0.5f);
  EXPECT_EQ(o.seed, 42u);
  EXPECT_EQ(o.threads, 2);
  EXPECT_EQ(o.logits_out, "/tmp/x.f32");
}

TEST(Options, LongSpellingsAndEquals) {
  Options o;
  Status st = parse({"--prompt=-dash first", "--n-predict=-1", "--threads", "3", "--seed=-1",
                     "--temp=1.5"},
                    &o);
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(o.prompt, "-dash first");
  EXPECT_EQ(o.n_predict, -1);
  EXPECT_EQ(o.threads, 3);
  EXPECT_EQ(o.seed, 0u);
  EXPECT_EQ(o.temperature, 1.5f);
  ASSERT_TRUE(parse({"-p", ""}, &o).ok());
  EXPECT_TRUE(o.has_prompt);
  EXPECT_EQ(o.prompt, "");
}

TEST(Options, PromptIds) {
  Options o;
  ASSERT_TRUE(parse({"--prompt-ids", "1,403,407"}, &o).ok());
  EXPECT_TRUE(o.has_prompt_ids);
  EXPECT_EQ(o.prompt_ids, (std::vector<int32_t>{1, 403, 407}));
  ASSERT_TRUE(parse({"--prompt-ids=7"}, &o).ok());
  EXPECT_EQ(o.prompt_ids, (std::vector<int32_t>{7}));
  EXPECT_EQ(error_of({"--prompt-ids", "1,,2"}),
            "--prompt-ids: item 1 is '', expected a token id (an integer >= 0)");
  EXPECT_EQ(error_of({"--prompt-ids", "1,x"}),
            "--prompt-ids: item 1 is 'x', expected a token id (an integer >= 0)");
  EXPECT_EQ(error_of({"--prompt-ids", "-3"}),
            "--prompt-ids: item 0 is '-3', expected a token id (an integer >= 0)");
  EXPECT_EQ(error_of({"--prompt-ids", ""}),
            "--prompt-ids: item 0 is '', expected a token id (an integer >= 0)");
  EXPECT_EQ(error_of({"--prompt-ids", "1", "-p", "x"}),
            "give only one of -p/--prompt, -f/--file and --prompt-ids");
}

TEST(Options, Help) {
  Options o;
  ASSERT_TRUE(parse({"-n", "3", "--help"}, &o).ok());
  EXPECT_TRUE(o.help);
  ASSERT_TRUE(parse({"-h"}, &o).ok());
  EXPECT_TRUE(o.help);
}

TEST(Options, Errors) {
  EXPECT_EQ(error_of({"--bogus"}), "unknown option '--bogus' (see --help)");
  EXPECT_EQ(error_of({"--bogus", "1"}), "unknown option '--bogus' (see --help)");
  EXPECT_EQ(error_of({"stray"}), "unexpected argument 'stray' (see --help)");
  EXPECT_EQ(error_of({"-n"}), "-n needs a value");
  EXPECT_EQ(error_of({"--temp"}), "--temp needs a value");
  EXPECT_EQ(error_of({"-n", "12abc"}), "-n expects an integer, got '12abc'");
  EXPECT_EQ(error_of({"-n", "-2"}), "-n must be in [-1, 9223372036854775807], got -2");
  EXPECT_EQ(error_of({"-n", "99999999999999999999"}),
            "-n must be in [-1, 9223372036854775807], got 99999999999999999999");
  EXPECT_EQ(error_of({"--temp", "hot"}), "--temp expects a number, got 'hot'");
  EXPECT_EQ(error_of({"--temp", "-1"}), "--temp must be in [0, inf], got -1");
  EXPECT_EQ(error_of({"--temp", "nan"}), "--temp expects a number, got 'nan'");
  EXPECT_EQ(error_of({"--top-p", "1.5"}), "--top-p must be in [0, 1], got 1.5");
  EXPECT_EQ(error_of({"--top-k", "-1"}), "--top-k must be in [0, 2147483647], got -1");
  EXPECT_EQ(error_of({"-t", "1025"}), "-t must be in [0, 1024], got 1025");
  EXPECT_EQ(error_of({"--threads", " 2"}), "--threads expects an integer, got ' 2'");
  EXPECT_EQ(error_of({"--seed", "0"}), "--seed must be >= 1, or -1 for a seed from the clock");
  EXPECT_EQ(error_of({"--logits-out="}), "--logits-out needs a file name");
}

TEST(Options, PromptFile) {
  Options o;
  ASSERT_TRUE(parse({"-f", "prompt.txt"}, &o).ok());
  EXPECT_TRUE(o.has_prompt_file);
  EXPECT_EQ(o.prompt_file, "prompt.txt");
  EXPECT_FALSE(o.has_prompt);
  ASSERT_TRUE(parse({"--file=-"}, &o).ok());
  EXPECT_EQ(o.prompt_file, "-");
  ASSERT_TRUE(parse({"--file", "-p"}, &o).ok()); // a value, not a flag
  EXPECT_EQ(o.prompt_file, "-p");
  EXPECT_EQ(error_of({"-f"}), "-f needs a value");
  EXPECT_EQ(error_of({"-f", ""}), "-f needs a file name, or - for standard input");
  EXPECT_EQ(error_of({"--file="}), "--file needs a file name, or - for standard input");
  EXPECT_EQ(error_of({"-f", "x", "-p", "y"}),
            "give only one of -p/--prompt, -f/--file and --prompt-ids");
  EXPECT_EQ(error_of({"--prompt-ids", "1", "-f", "-"}),
            "give only one of -p/--prompt, -f/--file and --prompt-ids");
}

// What a fuzzer hands the parser: no arguments at all, a null vector, null
// entries (as argv[argc] is), values that are empty, huge or odd.
TEST(Options, HostileArgv) {
  Options o;
  EXPECT_TRUE(parse_options(0, nullptr, &o).ok());
  EXPECT_TRUE(parse_options(1, nullptr, &o).ok());
  EXPECT_EQ(parse_options(2, nullptr, &o).message(), "no argument vector");
  const char *null_entry[] = {"model", "-n", "3", nullptr};
  EXPECT_EQ(parse_options(4, null_entry, &o).message(), "argument 3 is a null pointer");
  const char *null_value[] = {"model", "--temp", nullptr};
  EXPECT_EQ(parse_options(3, null_value, &o).message(), "--temp needs a value");
  EXPECT_EQ(error_of({"-"}), "unexpected argument '-' (see --help)");
  EXPECT_EQ(error_of({""}), "unexpected argument '' (see --help)");
  EXPECT_EQ(error_of({"--"}), "unknown option '--' (see --help)");
  EXPECT_EQ(error_of({"--=3"}), "unknown option '--' (see --help)");
  EXPECT_EQ(error_of({"-p=x"}), "unknown option '-p=x' (see --help)");
  EXPECT_EQ(error_of({"--temp="}), "--temp expects a number, got ''");
  EXPECT_EQ(error_of({"--temp", "1e39"}), "--temp expects a number, got '1e39'");
  EXPECT_EQ(error_of({"--temp", "0x1p200"}), "--temp expects a number, got '0x1p200'");
  EXPECT_EQ(error_of({"--top-p", "-0.5"}), "--top-p must be in [0, 1], got -0.5");
  EXPECT_EQ(error_of({"-n", "+"}), "-n expects an integer, got '+'");
  EXPECT_EQ(error_of({"-n", "-9223372036854775809"}),
            "-n must be in [-1, 9223372036854775807], got -9223372036854775809");
  EXPECT_EQ(error_of({"--top-k", "2147483648"}),
            "--top-k must be in [0, 2147483647], got 2147483648");
  EXPECT_EQ(error_of({"--prompt-ids", ","}),
            "--prompt-ids: item 0 is '', expected a token id (an integer >= 0)");
  EXPECT_EQ(error_of({"--prompt-ids", "2147483648"}),
            "--prompt-ids: item 0 is '2147483648', expected a token id (an integer >= 0)");
  // A denormal temperature is a valid one (the sampler copes with it).
  ASSERT_TRUE(parse({"--temp", "1e-40"}, &o).ok());
  EXPECT_GT(o.temperature, 0.0f);
  // A long value goes into the message whole, a long list is parsed whole.
  std::string long_value(100000, '7');
  EXPECT_EQ(error_of({"-n", long_value.c_str()}),
            "-n must be in [-1, 9223372036854775807], got " + long_value);
  std::string ids;
  for (int i = 0; i < 20000; ++i)
    ids += i ? ",5" : "5";
  ASSERT_TRUE(parse({"--prompt-ids", ids.c_str()}, &o).ok());
  EXPECT_EQ(o.prompt_ids.size(), 20000u);
}

// --ignore-eos takes no value (llama.cpp's flag): the argument after it is
// the next flag, and "--ignore-eos=1" is not a spelling of it.
TEST(Options, IgnoreEos) {
  Options o;
  ASSERT_TRUE(parse({}, &o).ok());
  EXPECT_FALSE(o.ignore_eos);
  ASSERT_TRUE(parse({"--ignore-eos", "-n", "5"}, &o).ok());
  EXPECT_TRUE(o.ignore_eos);
  EXPECT_EQ(o.n_predict, 5);
  ASSERT_TRUE(parse({"-n", "5", "--ignore-eos"}, &o).ok());
  EXPECT_TRUE(o.ignore_eos);
  EXPECT_EQ(error_of({"--ignore-eos=1"}), "unknown option '--ignore-eos' (see --help)");
  char *text = nullptr;
  size_t size = 0;
  FILE *f = open_memstream(&text, &size);
  print_usage(f, "model");
  std::fclose(f);
  std::string usage(text, size);
  std::free(text);
  EXPECT_NE(usage.find("      --ignore-eos       do not stop at the end-of-text token: generate\n"
                       "                         exactly N tokens (-n) or until the context is full\n"),
            std::string::npos)
      << usage;
}
