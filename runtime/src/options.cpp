//===- options.cpp - Command line of a compiled model ----------------------===//
//
// A small hand-written parser: the runtime links nothing beyond the C++
// standard library, so no CLI11 here. Every flag takes exactly one value
// except -h, --ignore-eos, --verbose-prompt and --warmup; numbers must be
// consumed whole (no "12abc") and in range.
//
//===----------------------------------------------------------------------===//
#include "runtime/include/attnrt/options.h"

#include "runtime/src/format.h"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string_view>

namespace attnrt {

namespace {

// ----------------------------------------------------------------------------
// value parsers

/// A whole decimal integer in [lo, hi].
Status parse_int(std::string_view flag, const std::string &text, int64_t lo, int64_t hi,
                 int64_t *out) {
  const char *begin = text.c_str();
  char *end = nullptr;
  errno = 0;
  long long v = std::strtoll(begin, &end, 10);
  if (text.empty() || *end != '\0' || std::isspace(static_cast<unsigned char>(text[0])))
    return Status::error(strformat("%.*s expects an integer, got '%s'", int(flag.size()),
                                   flag.data(), begin));
  if (errno == ERANGE || v < lo || v > hi)
    return Status::error(strformat("%.*s must be in [%lld, %lld], got %s", int(flag.size()),
                                   flag.data(), static_cast<long long>(lo),
                                   static_cast<long long>(hi), begin));
  *out = v;
  return Status::success();
}

/// A whole finite decimal number in [lo, hi].
Status parse_float(std::string_view flag, const std::string &text, float lo, float hi,
                   float *out) {
  const char *begin = text.c_str();
  char *end = nullptr;
  float v = std::strtof(begin, &end);
  if (text.empty() || *end != '\0' || std::isspace(static_cast<unsigned char>(text[0])) ||
      !std::isfinite(v))
    return Status::error(strformat("%.*s expects a number, got '%s'", int(flag.size()),
                                   flag.data(), begin));
  if (v < lo || v > hi)
    return Status::error(strformat("%.*s must be in [%g, %g], got %s", int(flag.size()),
                                   flag.data(), double(lo), double(hi), begin));
  *out = v;
  return Status::success();
}

/// Comma-separated integers in [0, INT32_MAX], e.g. "1,403,407", for `flag`;
/// a bad item is an error saying it was `expected`.
Status parse_int_list(std::string_view flag, const std::string &text, const char *expected,
                      std::vector<int32_t> *out) {
  out->clear();
  size_t start = 0;
  while (true) {
    size_t comma = text.find(',', start);
    std::string item = text.substr(start, comma == std::string::npos ? std::string::npos
                                                                     : comma - start);
    int64_t v = 0;
    if (!parse_int(flag, item, 0, INT32_MAX, &v).ok())
      return Status::error(strformat("%.*s: item %zu is '%s', expected %s", int(flag.size()),
                                     flag.data(), out->size(), item.c_str(), expected));
    out->push_back(int32_t(v));
    if (comma == std::string::npos)
      return Status::success();
    start = comma + 1;
  }
}

/// Comma-separated non-negative token ids, e.g. "1,403,407".
Status parse_ids(const std::string &text, std::vector<int32_t> *ids) {
  return parse_int_list("--prompt-ids", text, "a token id (an integer >= 0)", ids);
}

/// "all" (an empty list) or comma-separated indices >= 0, e.g. "0,3".
Status parse_indices(std::string_view flag, const std::string &text,
                     std::vector<int32_t> *out) {
  out->clear();
  if (text == "all")
    return Status::success();
  return parse_int_list(flag, text,
                        "'all' or indices (integers >= 0) separated by commas", out);
}

} // namespace

// ----------------------------------------------------------------------------
// parsing

Status parse_options(int argc, const char *const *argv, Options *opts) {
  *opts = Options();
  if (argc > 1 && !argv)
    return Status::error("no argument vector");
  for (int i = 1; i < argc; ++i) {
    if (!argv[i])
      return Status::error(strformat("argument %d is a null pointer", i));
    std::string_view arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      opts->help = true;
      continue;
    }
    if (arg == "--ignore-eos") {
      opts->ignore_eos = true;
      continue;
    }
    if (arg == "--verbose-prompt") {
      opts->verbose_prompt = true;
      continue;
    }
    if (arg == "--warmup") {
      opts->warmup = true;
      continue;
    }
    if (arg.size() < 2 || arg[0] != '-')
      return Status::error(strformat("unexpected argument '%s' (see --help)", argv[i]));

    // The value: after '=' in a long option, else the next argument.
    std::string_view flag = arg;
    std::string value;
    size_t eq = arg.find('=');
    if (arg.substr(0, 2) == "--" && eq != std::string_view::npos) {
      flag = arg.substr(0, eq);
      value = std::string(arg.substr(eq + 1));
    } else if (i + 1 < argc && argv[i + 1]) {
      value = argv[++i];
    } else {
      bool known = flag == "-p" || flag == "--prompt" || flag == "-f" || flag == "--file" ||
                   flag == "-n" || flag == "--n-predict" || flag == "--temp" ||
                   flag == "--top-k" || flag == "--top-p" || flag == "--seed" ||
                   flag == "-t" || flag == "--threads" || flag == "--prompt-ids" ||
                   flag == "--logits-out" || flag == "--trace-out" ||
                   flag == "--attention-out" || flag == "--attention-layers" ||
                   flag == "--attention-heads";
      if (known)
        return Status::error(strformat("%s needs a value", argv[i]));
      return Status::error(strformat("unknown option '%s' (see --help)", argv[i]));
    }

    int64_t n = 0;
    Status st;
    if (flag == "-p" || flag == "--prompt") {
      opts->prompt = value;
      opts->has_prompt = true;
    } else if (flag == "-f" || flag == "--file") {
      if (value.empty())
        st = Status::error(strformat("%.*s needs a file name, or - for standard input",
                                     int(flag.size()), flag.data()));
      opts->prompt_file = value;
      opts->has_prompt_file = true;
    } else if (flag == "--prompt-ids") {
      st = parse_ids(value, &opts->prompt_ids);
      opts->has_prompt_ids = true;
    } else if (flag == "-n" || flag == "--n-predict") {
      st = parse_int(flag, value, -1, INT64_MAX, &opts->n_predict);
    } else if (flag == "--temp") {
      st = parse_float(flag, value, 0.0f, INFINITY, &opts->temperature);
    } else if (flag == "--top-k") {
      st = parse_int(flag, value, 0, INT32_MAX, &n);
      opts->top_k = int32_t(n);
    } else if (flag == "--top-p") {
      st = parse_float(flag, value, 0.0f, 1.0f, &opts->top_p);
    } else if (flag == "--seed") {
      // -1 (llama.cpp's default) asks for a clock-based seed; 0 would freeze
      // the xorshift generator.
      st = parse_int(flag, value, -1, INT64_MAX, &n);
      if (st.ok() && n == 0)
        st = Status::error("--seed must be >= 1, or -1 for a seed from the clock");
      opts->seed = n == -1 ? 0 : uint64_t(n);
    } else if (flag == "-t" || flag == "--threads") {
      st = parse_int(flag, value, 0, 1024, &n);
      opts->threads = int32_t(n);
    } else if (flag == "--logits-out") {
      if (value.empty())
        st = Status::error("--logits-out needs a file name");
      opts->logits_out = value;
    } else if (flag == "--trace-out" || flag == "--attention-out") {
      if (value.empty())
        st = Status::error(strformat("%.*s needs a file name", int(flag.size()), flag.data()));
      (flag == "--trace-out" ? opts->trace_out : opts->attention_out) = value;
    } else if (flag == "--attention-layers") {
      st = parse_indices(flag, value, &opts->attention_layers);
    } else if (flag == "--attention-heads") {
      st = parse_indices(flag, value, &opts->attention_heads);
    } else {
      return Status::error(
          strformat("unknown option '%.*s' (see --help)", int(flag.size()), flag.data()));
    }
    if (!st.ok())
      return st;
  }
  if (int(opts->has_prompt) + int(opts->has_prompt_file) + int(opts->has_prompt_ids) > 1)
    return Status::error("give only one of -p/--prompt, -f/--file and --prompt-ids");
  return Status::success();
}

// ----------------------------------------------------------------------------
// usage

void print_usage(FILE *out, const char *program) {
  std::fprintf(out,
               "usage: %s [options]\n"
               "Generates text with the model compiled into this program.\n"
               "\n"
               "  -p, --prompt TEXT      prompt text, encoded with the model's BOS first when\n"
               "                         it has one (default: start from BOS alone); the\n"
               "                         prompt is not echoed\n"
               "  -f, --file FILE        read the prompt text from FILE, a regular file of at\n"
               "                         most %d MiB (- = standard input, also bounded); one\n"
               "                         trailing newline is dropped\n"
               "      --prompt-ids IDS   comma-separated token ids instead of text, used as\n"
               "                         given (no BOS added), e.g. 1,403,407; -p, -f and\n"
               "                         --prompt-ids exclude each other\n"
               "  -n, --n-predict N      tokens to generate after the prompt; -1 = until the\n"
               "                         context is full (default: 256)\n"
               "      --temp F           temperature; 0 = greedy argmax (default: 0.8)\n"
               "      --top-k N          keep the N most likely tokens; 0 = off (default: 40)\n"
               "      --top-p F          nucleus sampling threshold in [0, 1]; 1 = off\n"
               "                         (default: 0.95)\n"
               "      --seed N           random seed >= 1; -1 = from the clock, printed to\n"
               "                         stderr (default: -1)\n"
               "  -t, --threads N        threads of the compiled kernels; 0 = one per CPU\n"
               "                         this process may use (default: 0); the logits\n"
               "                         are the same for every N\n"
               "      --logits-out FILE  write the float32 logits of every computed position,\n"
               "                         in order, as raw little-endian rows of vocab_size\n"
               "      --attention-out FILE  record the attention weights of the prompt as\n"
               "                         JSON for `attnc attention-map` (the model must be\n"
               "                         compiled with `attnc compile --trace`; the prompt\n"
               "                         then runs in one call)\n"
               "      --attention-layers L  layers to record: all (default) or e.g. 0,3\n"
               "      --attention-heads H   heads to record: all (default) or e.g. 0,1\n"
               "      --trace-out FILE   write what attn_trace records (hidden states after\n"
               "                         each layer boundary, attention weights; abi.h) and\n"
               "                         the prompt's logits, float32 (for attnc verify)\n"
               "      --verbose-prompt   print the prompt's token ids to stderr before\n"
               "                         generating\n"
               "      --ignore-eos       do not stop at the end-of-text token: generate\n"
               "                         exactly N tokens (-n) or until the context is full\n"
               "      --warmup           run the prompt once, untimed, before the timed\n"
               "                         prefill (as llama-bench's warmup run; for\n"
               "                         benchmarks): the first run of a process pays for\n"
               "                         its fresh memory pages; the output is the same\n"
               "  -h, --help             print this help and exit\n"
               "\n"
               "Generation stops after N tokens, at the model's end-of-text token (EOS, or\n"
               "BOS, which starts another text) unless --ignore-eos, or when the context is\n"
               "full. Generated text goes to stdout as valid UTF-8 (a character split over\n"
               "several tokens is held until complete; invalid bytes print as U+FFFD);\n"
               "timings, the seed and errors go to stderr. A failed write to stdout is an\n"
               "error (exit 1); a closed pipe (| head) ends the program quietly, as it ends\n"
               "standard tools.\n",
               program, int(kMaxPromptFileBytes >> 20));
}

} // namespace attnrt
