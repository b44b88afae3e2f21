//===- cli.cpp - The whole program of a compiled model ---------------------===//
//
// Wires options, tokenizer, sampler, run state and the generation loop
// together. A Session owns everything created along the way so that every
// exit path releases it through one session_destroy. run_main adds what
// only a real process has: signals and file descriptors 0-2 (POSIX).
//
//===----------------------------------------------------------------------===//
#include "runtime/include/attnrt/cli.h"

#include "runtime/include/attnrt/options.h"
#include "runtime/include/attnrt/threads.h"
#include "runtime/include/attnrt/trace.h"
#include "runtime/src/format.h"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <ctime>
#include <initializer_list>
#include <new>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace attnrt {

namespace {

// ----------------------------------------------------------------------------
// session: what one run creates

struct Session {
  Tokenizer tokenizer;
  bool has_tokenizer = false;
  Sampler sampler;
  RunState state;
  FILE *logits_file = nullptr;
};

void session_destroy(Session *s) {
  if (s->logits_file)
    std::fclose(s->logits_file);
  s->logits_file = nullptr;
  run_state_destroy(&s->state);
  sampler_destroy(&s->sampler);
  tokenizer_destroy(&s->tokenizer);
  s->has_tokenizer = false;
}

// ----------------------------------------------------------------------------
// the prompt

/// Reads all of `fd` into *text, failing beyond kMaxPromptFileBytes. `what`
/// names the source in messages ("prompt file x.txt", "standard input").
Status read_bounded(int fd, const std::string &what, std::string *text) {
  const std::string bound = strformat("%lld MiB", static_cast<long long>(kMaxPromptFileBytes >> 20));
  text->clear();
  char chunk[1 << 16];
  while (true) {
    ssize_t got = ::read(fd, chunk, sizeof chunk);
    if (got < 0 && errno == EINTR)
      continue;
    if (got < 0)
      return Status::error(strformat("cannot read the prompt from %s: %s", what.c_str(),
                                     std::strerror(errno)));
    if (got == 0)
      return Status::success();
    if (int64_t(text->size()) + got > kMaxPromptFileBytes)
      return Status::error(strformat("the prompt read from %s is longer than %s, the most -f reads",
                                     what.c_str(), bound.c_str()));
    text->append(chunk, size_t(got));
  }
}

/// The prompt text of -f: FILE, which must be a regular file (a FIFO would
/// block, a device need not end), or standard input for "-" (which may be a
/// pipe), at most kMaxPromptFileBytes either way. One trailing newline is
/// dropped, as llama.cpp's -f does, so `echo text | model -f -` is `-p text`.
Status read_prompt_file(const std::string &path, std::string *text) {
  const bool from_stdin = path == "-";
  const std::string what = from_stdin ? "standard input" : "prompt file " + path;
  int fd = 0;
  if (!from_stdin) {
    // O_NONBLOCK: opening a FIFO without a writer must not block; it is
    // refused below anyway. It changes nothing for regular files.
    fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
      return Status::error(strformat("cannot open prompt file %s: %s", path.c_str(),
                                     std::strerror(errno)));
    struct stat st;
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
      ::close(fd);
      return Status::error(strformat("prompt file %s is not a regular file (give - to read "
                                     "standard input)",
                                     path.c_str()));
    }
    if (st.st_size > kMaxPromptFileBytes) {
      ::close(fd);
      return Status::error(strformat("prompt file %s has %lld bytes, more than the %lld MiB "
                                     "-f reads",
                                     path.c_str(), static_cast<long long>(st.st_size),
                                     static_cast<long long>(kMaxPromptFileBytes >> 20)));
    }
  }
  Status st = read_bounded(fd, what, text);
  if (!from_stdin)
    ::close(fd);
  if (!st.ok())
    return st;
  // The encoder reads C strings (run.c), so a NUL would silently cut the prompt.
  size_t nul = text->find('\0');
  if (nul != std::string::npos)
    return Status::error(strformat("the prompt read from %s has a NUL byte at byte offset "
                                   "%zu: a prompt is text",
                                   what.c_str(), nul));
  if (!text->empty() && text->back() == '\n')
    text->pop_back();
  return Status::success();
}

/// The prompt of an empty text: BOS alone when the model adds one, as
/// llama.cpp does; without, there is nothing to start from.
Status start_prompt(const AttnModelInfo &info, std::vector<int32_t> *ids) {
  if (info.add_bos == 1 && info.bos_token >= 0) {
    ids->assign(1, int32_t(info.bos_token));
    return Status::success();
  }
  return Status::error("the prompt is empty and this model starts no text with a BOS token: "
                       "give a prompt (-p, -f or --prompt-ids)");
}

/// The prompt as ids: --prompt-ids as given (checked against the vocabulary),
/// else the text (of -p or -f) encoded with BOS when the model adds one (just
/// BOS when there is no text).
Status prompt_ids(const Options &opts, const Session &s, const AttnModelInfo &info,
                  std::vector<int32_t> *ids) {
  const int64_t vocab = info.vocab_size;
  if (opts.has_prompt_ids) {
    for (size_t i = 0; i < opts.prompt_ids.size(); ++i)
      if (opts.prompt_ids[i] >= vocab)
        return Status::error(strformat("--prompt-ids: id %d (item %zu) is out of range: the "
                                       "vocabulary has %lld tokens (ids 0..%lld)",
                                       opts.prompt_ids[i], i, static_cast<long long>(vocab),
                                       static_cast<long long>(vocab - 1)));
    *ids = opts.prompt_ids;
    return Status::success();
  }
  if (!opts.has_prompt_file && opts.prompt.empty())
    return start_prompt(info, ids);
  if (!s.has_tokenizer)
    return Status::error("this model was compiled without a tokenizer: give the prompt as "
                         "--prompt-ids");
  std::string file_text;
  if (opts.has_prompt_file) {
    Status st = read_prompt_file(opts.prompt_file, &file_text);
    if (!st.ok())
      return st;
    if (file_text.empty())
      return start_prompt(info, ids);
  }
  const std::string &text = opts.has_prompt_file ? file_text : opts.prompt;
  // No token stands for more bytes of text than the longest a token
  // decodes to (a byte-fallback token for one), so the prompt has at least
  // this many: BOS, then the space prefix and the text. A prompt that could
  // never fit is refused here, before encoding spends time and memory on
  // all of it.
  const int64_t longest = std::max<int64_t>(1, s.tokenizer.longest_text);
  const int64_t bytes = int64_t(text.size()) + (s.tokenizer.add_space_prefix ? 1 : 0);
  const int64_t at_least = int64_t(info.add_bos == 1) + (bytes + longest - 1) / longest;
  if (at_least > info.context_length)
    return Status::error(strformat("prompt has at least %lld tokens but the model's context "
                                   "holds %lld",
                                   static_cast<long long>(at_least),
                                   static_cast<long long>(info.context_length)));
  Status st = encode(s.tokenizer, text, /*bos=*/info.add_bos == 1, /*eos=*/false, ids);
  if (!st.ok())
    return Status::error("cannot encode the prompt: " + st.message());
  return st;
}

/// Two of the output options naming one file would write over each other:
/// the same path, or two names of one existing file.
Status check_distinct_outputs(
    std::initializer_list<std::pair<const char *, const std::string &>> outputs) {
  for (auto a = outputs.begin(); a != outputs.end(); ++a)
    for (auto b = a + 1; b != outputs.end(); ++b) {
      if (a->second.empty() || b->second.empty())
        continue;
      struct stat sa, sb;
      bool same = a->second == b->second ||
                  (::stat(a->second.c_str(), &sa) == 0 && ::stat(b->second.c_str(), &sb) == 0 &&
                   sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino);
      if (same)
        return Status::error(strformat("%s and %s name the same file %s", a->first, b->first,
                                       b->second.c_str()));
    }
  return Status::success();
}

/// argv[0] without its directory, the model's name in --attention-out.
const char *program_name(int argc, const char *const *argv) {
  const char *name = argc > 0 && argv && argv[0] ? argv[0] : "model";
  const char *slash = std::strrchr(name, '/');
  return slash ? slash + 1 : name;
}

/// Everything between parsing and reporting; fills `result`.
Status run(const Options &opts, const Model &model, const char *program_name, Session *s,
           FILE *out, FILE *err,
           GenerateResult *result) {
  Status st = check_model(model);
  if (!st.ok())
    return st;
  const AttnModelInfo &info = *model.info;
  if (info.tokenizer_bytes > 0) {
    st = tokenizer_create_embedded(&s->tokenizer, model.tokenizer,
                                   size_t(info.tokenizer_bytes), int32_t(info.vocab_size));
    if (!st.ok())
      return Status::error("embedded " + st.message());
    // The model record's special tokens win over the tokenizer's own (abi.h);
    // check_model checked them against vocab_size, which may exceed the
    // tokenizer's token count (padded embeddings: such an id is encoded as
    // given and decodes to nothing).
    s->tokenizer.bos = int32_t(info.bos_token);
    s->tokenizer.eos = int32_t(info.eos_token);
    s->tokenizer.add_bos = info.add_bos == 1;
    s->has_tokenizer = true;
  }

  std::vector<int32_t> prompt;
  if (!(st = prompt_ids(opts, *s, info, &prompt)).ok())
    return st;
  if (opts.verbose_prompt) {
    // llama.cpp's --verbose-prompt, as a list `attnc tokenize` also prints.
    std::string line = "prompt ids: [";
    for (size_t i = 0; i < prompt.size(); ++i)
      line += (i ? ", " : "") + std::to_string(prompt[i]);
    std::fprintf(stderr, "%s]\n", line.c_str());
  }
  if (int64_t(prompt.size()) > info.context_length)
    return Status::error(strformat("prompt has %zu tokens but the model's context holds %lld",
                                   prompt.size(), static_cast<long long>(info.context_length)));

  uint64_t seed = opts.seed;
  if (seed == 0) {
    seed = uint64_t(std::time(nullptr));
    if (seed == 0)
      seed = 1;
  }
  st = sampler_create(&s->sampler, int32_t(info.vocab_size), opts.temperature, opts.top_k,
                      opts.top_p, seed);
  if (!st.ok())
    return st;
  if (!(st = run_state_create(&s->state, info)).ok())
    return st;
  threads_set(opts.threads);
  weights_populate(model);
  heap_retain();
  // The positions this run will write: the prompt and what follows it.
  const int64_t used = opts.n_predict < 0 || opts.n_predict >= info.context_length
                           ? info.context_length
                           : int64_t(prompt.size()) + opts.n_predict;
  kv_cache_populate(s->state, used);
  if (!opts.logits_out.empty()) {
    s->logits_file = std::fopen(opts.logits_out.c_str(), "wb");
    if (!s->logits_file)
      return Status::error(strformat("cannot open --logits-out file %s: %s",
                                     opts.logits_out.c_str(), std::strerror(errno)));
  }

  // After everything that can fail before generation, so that such an error
  // is the first line on stderr.
  // --trace-out / --attention-out: the prompt through attn_trace, in one call.
  const bool tracing = !opts.trace_out.empty() || !opts.attention_out.empty();
  if (!(st = check_distinct_outputs({{"--logits-out", opts.logits_out},
                                     {"--trace-out", opts.trace_out},
                                     {"--attention-out", opts.attention_out}}))
           .ok())
    return st;
  AttentionRequest attention;
  attention.path = opts.attention_out;
  attention.model = program_name;
  attention.layers = opts.attention_layers;
  attention.heads = opts.attention_heads;
  if (!opts.attention_out.empty() && !(st = check_attention_request(attention, info)).ok())
    return st;
  std::vector<float> trace, trace_logits;
  if (tracing) {
    if (!model.trace)
      return Status::error("--trace-out and --attention-out need a model compiled with "
                           "`attnc compile --trace`; this one has no attn_trace");
    const int64_t T = int64_t(prompt.size());
    const int64_t floats = attn_trace_floats(info, T, T);
    int64_t logit_floats = 0;
    // At most 4 GiB each: the attention weights alone grow as T^2.
    constexpr int64_t kMaxFloats = int64_t(1) << 30;
    if (floats < 0 || __builtin_mul_overflow(T, info.vocab_size, &logit_floats) ||
        floats > kMaxFloats || logit_floats > kMaxFloats)
      return Status::error(strformat(
          "recording a %lld-token prompt needs %s floats of trace and %lld of logits, more "
          "than the %lld (4 GiB) this program allows: use a shorter prompt",
          static_cast<long long>(T), floats < 0 ? "too many" : std::to_string(floats).c_str(),
          static_cast<long long>(logit_floats), static_cast<long long>(kMaxFloats)));
    trace.assign(size_t(floats), 0.0f);
    trace_logits.assign(size_t(logit_floats), 0.0f);
  }
  std::fprintf(err, "seed: %llu\n", static_cast<unsigned long long>(seed));
  GenerateRequest request;
  if (tracing) {
    request.trace = trace.data();
    request.trace_floats = int64_t(trace.size());
    request.trace_logits = trace_logits.data();
  }
  request.prompt = prompt.data();
  request.prompt_len = int64_t(prompt.size());
  request.n_predict = opts.n_predict;
  request.ignore_eos = opts.ignore_eos;
  request.warmup = opts.warmup;
  request.text_out = out;
  request.logits_out = s->logits_file;
  st = generate(model, s->has_tokenizer ? &s->tokenizer : nullptr, &s->sampler, &s->state,
                request, result);
  if (!st.ok() && s->logits_file && std::ferror(s->logits_file))
    return Status::error(opts.logits_out + ": " + st.message());
  if (!st.ok())
    return st;
  if (s->logits_file) {
    int closed = std::fclose(s->logits_file);
    s->logits_file = nullptr;
    if (closed != 0)
      return Status::error(strformat("writing --logits-out file %s failed: %s",
                                     opts.logits_out.c_str(), std::strerror(errno)));
  }
  if (!opts.trace_out.empty() &&
      !(st = write_trace(opts.trace_out, trace.data(), int64_t(trace.size()),
                         trace_logits.data(), int64_t(prompt.size()), info.vocab_size))
           .ok())
    return st;
  if (!opts.attention_out.empty()) {
    if (!(st = write_attention(attention, info, s->has_tokenizer ? &s->tokenizer : nullptr,
                               prompt.data(), int64_t(prompt.size()), trace.data()))
             .ok())
      return st;
  }
  return Status::success();
}

// ----------------------------------------------------------------------------
// reporting

void report_rate(FILE *err, const char *stage, int64_t tokens, double seconds) {
  double rate = seconds > 0 ? double(tokens) / seconds : 0.0;
  std::fprintf(err, "%s: %lld tokens in %.2f ms (%.2f tokens/s)\n", stage,
               static_cast<long long>(tokens), seconds * 1e3, rate);
}

} // namespace

// ----------------------------------------------------------------------------
// entry point

int run_cli(int argc, const char *const *argv, const Model &model, FILE *out, FILE *err) {
  Options opts;
  Status st = parse_options(argc, argv, &opts);
  if (!st.ok()) {
    std::fprintf(err, "error: %s\n", st.message().c_str());
    return 1;
  }
  if (opts.help) {
    errno = 0;
    print_usage(out, argc > 0 && argv && argv[0] ? argv[0] : "model");
    if (std::ferror(out) || std::fflush(out) != 0) {
      std::fprintf(err, "error: writing the help text failed: %s\n",
                   errno ? std::strerror(errno) : "the stream reports an error");
      return 1;
    }
    return 0;
  }

  Session session;
  GenerateResult result;
  // Every size from the model is checked before it is allocated; this is the
  // last line for what is not (a prompt's vectors under a tight ulimit -v).
  try {
    st = run(opts, model, program_name(argc, argv), &session, out, err, &result);
  } catch (const std::bad_alloc &) {
    st = Status::error("out of memory");
  }
  session_destroy(&session);
  if (!st.ok()) {
    std::fprintf(err, "error: %s\n", st.message().c_str());
    return 1;
  }
  report_rate(err, "prefill", result.prompt_tokens, result.prefill_seconds);
  report_rate(err, "decode", result.decode_calls, result.decode_seconds);
  if (result.stop == StopReason::ContextFull)
    std::fprintf(err, "note: stopped after %lld tokens: the context (%lld positions) is full\n",
                 static_cast<long long>(result.generated_tokens),
                 static_cast<long long>(model.info->context_length));
  return 0;
}

// ----------------------------------------------------------------------------
// the process

int run_main(int argc, char **argv, const Model &model) {
  // | head: the reader goes away and the next write raises SIGPIPE. Standard
  // tools (yes, cat) die of it silently, and so do we: its default action is
  // restored even when the parent ignored or blocked it (both are inherited
  // across exec; Python and some CI runners ignore it), so that the write
  // that finds the pipe closed ends the process at once, with no message and
  // no tokens generated for nobody. The shell sees 141 (128 + SIGPIPE), which
  // `set -o pipefail` users know from every other tool. The alternative,
  // treating EPIPE as a quiet stop with status 0, would make `model | head`
  // differ from `cat | head` and hide a dead reader from pipefail.
  std::signal(SIGPIPE, SIG_DFL);
  sigset_t pipe_only;
  sigemptyset(&pipe_only);
  sigaddset(&pipe_only, SIGPIPE);
  sigprocmask(SIG_UNBLOCK, &pipe_only, nullptr);

  // A closed stdout (>&-) can never take the text: say so before any work.
  // A closed stdin or stderr is given /dev/null opened the wrong way round
  // (reads and writes fail, as gnulib's stdopen does), so that a file we
  // open later (-f, --logits-out) never becomes fd 0 or 2 and receives
  // error messages or is mistaken for standard input.
  if (::fcntl(STDOUT_FILENO, F_GETFD) < 0 && errno == EBADF) {
    std::fprintf(stderr, "error: writing the generated text failed: %s (standard output is "
                         "closed)\n",
                 std::strerror(EBADF));
    return 1;
  }
  for (int fd : {STDIN_FILENO, STDERR_FILENO}) {
    if (::fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
      continue;
    int null = ::open("/dev/null", fd == STDIN_FILENO ? O_WRONLY : O_RDONLY);
    if (null < 0)
      return 1; // nowhere to say why; nothing was done
    if (null != fd) {
      ::dup2(null, fd);
      ::close(null);
    }
  }

  int code = run_cli(argc, argv, model, stdout, stderr);
  // Whatever stdio still holds for stdout must reach it too.
  if (std::fclose(stdout) != 0 && code == 0) {
    std::fprintf(stderr, "error: writing the generated text failed: %s\n",
                 std::strerror(errno));
    return 1;
  }
  return code;
}

} // namespace attnrt
