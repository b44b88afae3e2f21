//===- cli.cpp - The whole program of a compiled model ---------------------===//
//
// Wires options, tokenizer, sampler, run state and the generation loop
// together. A Session owns everything created along the way so that every
// exit path releases it through one session_destroy.
//
//===----------------------------------------------------------------------===//
#include "runtime/include/attnrt/cli.h"

#include "runtime/include/attnrt/options.h"
#include "runtime/src/format.h"

#include <cerrno>
#include <cstring>
#include <ctime>
#include <vector>

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

/// The prompt as ids: --prompt-ids as given (checked against the vocabulary),
/// else the text encoded with BOS (just BOS when there is no text).
Status prompt_ids(const Options &opts, const Session &s, int64_t vocab,
                  std::vector<int32_t> *ids) {
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
  if (opts.prompt.empty()) {
    ids->assign(1, kTokenBos);
    return Status::success();
  }
  if (!s.has_tokenizer)
    return Status::error("this model was compiled without a tokenizer: give the prompt as "
                         "--prompt-ids");
  return encode(s.tokenizer, opts.prompt, /*bos=*/true, /*eos=*/false, ids);
}

/// Everything between parsing and reporting; fills `result`.
Status run(const Options &opts, const Model &model, Session *s, FILE *out, FILE *err,
           GenerateResult *result) {
  Status st = check_model(model);
  if (!st.ok())
    return st;
  const AttnModelInfo &info = *model.info;
  if (info.tokenizer_bytes > 0) {
    st = tokenizer_create(&s->tokenizer, model.tokenizer, size_t(info.tokenizer_bytes),
                          int32_t(info.vocab_size));
    if (!st.ok())
      return Status::error("embedded " + st.message());
    s->has_tokenizer = true;
  }

  std::vector<int32_t> prompt;
  if (!(st = prompt_ids(opts, *s, info.vocab_size, &prompt)).ok())
    return st;
  if (int64_t(prompt.size()) > info.context_length)
    return Status::error(strformat("prompt has %zu tokens but the model's context holds %lld",
                                   prompt.size(), static_cast<long long>(info.context_length)));

  uint64_t seed = opts.seed;
  if (seed == 0) {
    seed = uint64_t(std::time(nullptr));
    if (seed == 0)
      seed = 1;
  }
  std::fprintf(err, "seed: %llu\n", static_cast<unsigned long long>(seed));
  st = sampler_create(&s->sampler, int32_t(info.vocab_size), opts.temperature, opts.top_k,
                      opts.top_p, seed);
  if (!st.ok())
    return st;
  if (!(st = run_state_create(&s->state, info)).ok())
    return st;
  if (!opts.logits_out.empty()) {
    s->logits_file = std::fopen(opts.logits_out.c_str(), "wb");
    if (!s->logits_file)
      return Status::error(strformat("cannot open --logits-out file %s: %s",
                                     opts.logits_out.c_str(), std::strerror(errno)));
  }

  GenerateRequest request;
  request.prompt = prompt.data();
  request.prompt_len = int64_t(prompt.size());
  request.n_predict = opts.n_predict;
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
    print_usage(out, argc > 0 ? argv[0] : "model");
    return 0;
  }

  Session session;
  GenerateResult result;
  st = run(opts, model, &session, out, err, &result);
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

} // namespace attnrt
