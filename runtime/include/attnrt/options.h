//===- options.h - Command line of a compiled model -------------*- C++ -*-===//
//
// The flags a generated executable accepts, spelled as in llama.cpp's
// `llama-cli` so that the same command lines work on both:
//   -p/--prompt TEXT, -f/--file FILE, --prompt-ids 1,403,407, -n/--n-predict N, --temp F,
//   --top-k N, --top-p F, --seed N, -t/--threads N, --logits-out FILE, -h/--help
// Long options also take `--flag=value`. Parsing checks syntax and ranges
// that do not depend on the model; ids against the vocabulary and the prompt
// against the context are checked once the model is known (cli.h).
//
//===----------------------------------------------------------------------===//
#ifndef ATTNRT_OPTIONS_H
#define ATTNRT_OPTIONS_H

#include "runtime/include/attnrt/status.h"

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace attnrt {

/// The most bytes -f reads (a file or standard input): far beyond any
/// context's worth of text, and small enough to hold in memory.
constexpr int64_t kMaxPromptFileBytes = int64_t(64) << 20;

/// Parsed command line, defaulted as llama.cpp does where both have the flag.
struct Options {
  std::string prompt;              // -p: text, encoded with the model's BOS; empty: BOS alone
  bool has_prompt = false;         // -p was given
  std::string prompt_file;         // -f: file to read the prompt text from; "-" is stdin
  bool has_prompt_file = false;    // -f was given
  std::vector<int32_t> prompt_ids; // --prompt-ids: token ids as given, no BOS added
  bool has_prompt_ids = false;     // --prompt-ids was given
  int64_t n_predict = 256;         // -n: tokens to generate; -1: until the context is full
  float temperature = 0.8f;        // --temp: 0 is greedy
  int32_t top_k = 40;              // --top-k: 0 is off
  float top_p = 0.95f;             // --top-p: 1 is off
  uint64_t seed = 0;               // --seed: 0 means "from the clock" (-1 on the command line)
  int32_t threads = 0;             // -t: threads of the kernels; 0: every usable CPU (threads.h)
  std::string logits_out;          // --logits-out: empty is none
  std::string trace_out;           // --trace-out: empty is none (trace.h)
  std::string attention_out;       // --attention-out: empty is none (trace.h)
  std::vector<int32_t> attention_layers; // --attention-layers: empty is all
  std::vector<int32_t> attention_heads;  // --attention-heads: empty is all
  bool ignore_eos = false;         // --ignore-eos: do not stop at EOS, generate exactly -n tokens
  bool warmup = false;             // --warmup: the prompt once, untimed, before the timed prefill
  bool verbose_prompt = false;     // --verbose-prompt: print the prompt's ids to stderr
  bool help = false;               // -h: print usage and exit 0
};

/// Parses argv[1..argc) into `opts` (defaults first). On a bad flag or value
/// returns an error whose message names the flag and the value. Reads no
/// file (-f is read by run_cli) and is safe on any argv: a null argv or
/// null entry is an error, not a crash.
Status parse_options(int argc, const char *const *argv, Options *opts);

/// Writes the usage text for `program` (argv[0]) to `out`.
void print_usage(FILE *out, const char *program);

} // namespace attnrt

#endif // ATTNRT_OPTIONS_H
