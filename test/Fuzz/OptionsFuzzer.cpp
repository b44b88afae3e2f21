//===- OptionsFuzzer.cpp - libFuzzer target: the executable's flags --------===//
//
// Splits the input at newlines into an argv (after a fixed argv[0]) and hands
// it to attnrt::parse_options, the command-line parser of every generated
// executable. A NUL byte ends its argument, as it would in a real argv. The
// parser must accept or return an error Status; an accepted command line must
// be in the ranges options.h documents, since the runtime relies on them.
//
//===----------------------------------------------------------------------===//
#include "runtime/include/attnrt/options.h"

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::vector<std::string> args = {"model"};
  std::string current;
  for (size_t i = 0; i < size; ++i) {
    if (data[i] == '\n') {
      args.push_back(current);
      current.clear();
    } else {
      current.push_back(char(data[i]));
    }
  }
  if (size > 0)
    args.push_back(current);
  std::vector<const char *> argv;
  for (const std::string &a : args)
    argv.push_back(a.c_str()); // stops at the first NUL, like a real argument
  argv.push_back(nullptr);

  attnrt::Options opts;
  attnrt::Status status = attnrt::parse_options(int(args.size()), argv.data(), &opts);
  if (!status.ok()) {
    if (status.message().empty())
      std::abort(); // an error without a message would print a bare "error: "
    return 0;
  }
  auto require = [](bool ok, const char *what) {
    if (!ok) {
      std::fprintf(stderr, "OptionsFuzzer: accepted a command line with %s\n", what);
      std::abort();
    }
  };
  require(std::isfinite(opts.temperature) && opts.temperature >= 0, "a bad --temp");
  require(opts.top_p >= 0 && opts.top_p <= 1, "a bad --top-p");
  require(opts.top_k >= 0, "a negative --top-k");
  require(opts.threads >= 0 && opts.threads <= 1024, "a bad --threads"); // 0: every usable CPU
  require(opts.n_predict >= -1, "a bad --n-predict");
  require(!(opts.has_prompt && opts.has_prompt_ids), "both -p and --prompt-ids");
  for (int32_t id : opts.prompt_ids)
    require(id >= 0, "a negative prompt id");
  require(!opts.has_prompt_ids || !opts.prompt_ids.empty(), "an empty --prompt-ids");
  return 0;
}
