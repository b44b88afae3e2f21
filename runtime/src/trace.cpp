//===- trace.cpp - --trace-out and --attention-out -------------------------===//
#include "runtime/include/attnrt/trace.h"

#include "runtime/src/format.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <sys/stat.h>

namespace attnrt {

Status open_output(const char *flag, const std::string &path, FILE **file) {
  *file = nullptr;
  if (path.empty())
    return Status::error(strformat("%s needs a file name", flag));
  struct stat st;
  if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode))
    return Status::error(strformat("%s %s: not a regular file; it is left as it is", flag,
                                   path.c_str()));
  *file = std::fopen(path.c_str(), "wb");
  if (!*file)
    return Status::error(
        strformat("cannot open %s file %s: %s", flag, path.c_str(), std::strerror(errno)));
  return Status::success();
}

namespace {

Status close_output(const char *flag, const std::string &path, FILE *file, bool wrote) {
  int err = std::ferror(file) ? errno : 0;
  if (std::fclose(file) != 0 && !err)
    err = errno ? errno : EIO;
  if (!wrote || err)
    return Status::error(strformat("writing %s file %s failed: %s", flag, path.c_str(),
                                   std::strerror(err ? err : EIO)));
  return Status::success();
}

/// `text` as a JSON string: quotes, backslashes and control characters
/// escaped, every byte that is not part of valid UTF-8 as U+FFFD.
void json_string(std::string *out, std::string_view text) {
  *out += '"';
  for (size_t i = 0; i < text.size();) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      if (c == '"' || c == '\\') {
        *out += '\\';
        *out += char(c);
      } else if (c < 0x20 || c == 0x7f) {
        *out += strformat("\\u%04x", c);
      } else {
        *out += char(c);
      }
      ++i;
      continue;
    }
    // A well-formed sequence (RFC 3629): lead byte, length, continuation bytes.
    size_t n = c >= 0xc2 && c <= 0xdf   ? 2
               : c >= 0xe0 && c <= 0xef ? 3
               : c >= 0xf0 && c <= 0xf4 ? 4
                                        : 0;
    bool ok = n > 0 && i + n <= text.size();
    for (size_t k = 1; ok && k < n; ++k)
      ok = (static_cast<unsigned char>(text[i + k]) & 0xc0) == 0x80;
    if (ok && n >= 3) {
      unsigned char c1 = static_cast<unsigned char>(text[i + 1]);
      ok = !(c == 0xe0 && c1 < 0xa0) && !(c == 0xed && c1 > 0x9f) && !(c == 0xf0 && c1 < 0x90) &&
           !(c == 0xf4 && c1 > 0x8f);
    }
    if (!ok) {
      *out += "\\ufffd";
      ++i;
      continue;
    }
    out->append(text.substr(i, n));
    i += n;
  }
  *out += '"';
}

const char *mask_name(int64_t mask) {
  switch (mask) {
  case ATTN_MASK_NONE:
    return "none";
  case ATTN_MASK_SLIDING_WINDOW:
    return "sliding_window";
  default:
    return "causal";
  }
}

} // namespace

Status write_trace(const std::string &path, const float *trace, int64_t trace_floats,
                   const float *logits, int64_t rows, int64_t vocab) {
  FILE *file = nullptr;
  Status st = open_output("--trace-out", path, &file);
  if (!st.ok())
    return st;
  bool wrote = std::fwrite(trace, sizeof(float), size_t(trace_floats), file) ==
                   size_t(trace_floats) &&
               std::fwrite(logits, sizeof(float), size_t(rows * vocab), file) ==
                   size_t(rows * vocab);
  return close_output("--trace-out", path, file, wrote);
}

Status check_attention_request(const AttentionRequest &request, const AttnModelInfo &info) {
  for (int32_t l : request.layers)
    if (l < 0 || l >= info.layers)
      return Status::error(strformat("--attention-layers: layer %d does not exist: the model "
                                     "has %lld layers (0 .. %lld)",
                                     l, static_cast<long long>(info.layers),
                                     static_cast<long long>(info.layers - 1)));
  for (int32_t h : request.heads)
    if (h < 0 || h >= info.heads)
      return Status::error(strformat("--attention-heads: head %d does not exist: the model "
                                     "has %lld heads (0 .. %lld)",
                                     h, static_cast<long long>(info.heads),
                                     static_cast<long long>(info.heads - 1)));
  return Status::success();
}

Status write_attention(const AttentionRequest &request, const AttnModelInfo &info,
                       const Tokenizer *tokenizer, const int32_t *ids, int64_t T,
                       const float *trace) {
  Status st = check_attention_request(request, info);
  if (!st.ok())
    return st;
  std::vector<int32_t> layers = request.layers, heads = request.heads;
  if (layers.empty())
    for (int32_t l = 0; l < info.layers; ++l)
      layers.push_back(l);
  if (heads.empty())
    for (int32_t h = 0; h < info.heads; ++h)
      heads.push_back(h);
  std::string json = "{\"format\": \"attnc-attention\", \"version\": 1, \"model\": ";
  json_string(&json, request.model);
  json += strformat(", \"mask\": \"%s\", \"window\": %lld, \"layers\": %lld, \"heads\": %lld,\n",
                    mask_name(info.mask), static_cast<long long>(info.window),
                    static_cast<long long>(info.layers), static_cast<long long>(info.heads));
  json += " \"tokens\": [";
  for (int64_t t = 0; t < T; ++t) {
    if (t)
      json += ", ";
    if (tokenizer) {
      // The text the token prints; a control token (BOS) prints nothing and
      // shows its piece ("<s>") instead.
      std::string_view text = decode(*tokenizer, t ? ids[t - 1] : -1, ids[t]);
      if (text.empty()) {
        text = tokenizer_piece(*tokenizer, ids[t]); // llama2.c's is "\n<s>\n"
        auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
        while (!text.empty() && space(text.front()))
          text.remove_prefix(1);
        while (!text.empty() && space(text.back()))
          text.remove_suffix(1);
      }
      json_string(&json, text);
    }
    else
      json_string(&json, std::to_string(ids[t]));
  }
  json += "],\n \"token_ids\": [";
  for (int64_t t = 0; t < T; ++t)
    json += (t ? ", " : "") + std::to_string(ids[t]);
  json += "],\n \"maps\": [";
  bool first = true;
  for (int32_t l : layers) {
    const float *probs = trace + attn_trace_layer_offset(info, T, T, l);
    for (int32_t h : heads) {
      json += first ? "\n" : ",\n";
      first = false;
      json += strformat("  {\"layer\": %d, \"head\": %d, \"weights\": [", l, h);
      for (int64_t q = 0; q < T; ++q) {
        json += q ? ",\n    [" : "\n    [";
        const float *row = probs + (int64_t(h) * T + q) * T;
        for (int64_t k = 0; k < T; ++k)
          json += strformat(k ? ", %.9g" : "%.9g", double(row[k]));
        json += "]";
      }
      json += "]}";
    }
  }
  json += "\n ]}\n";

  FILE *file = nullptr;
  st = open_output("--attention-out", request.path, &file);
  if (!st.ok())
    return st;
  bool wrote = std::fwrite(json.data(), 1, json.size(), file) == json.size();
  return close_output("--attention-out", request.path, file, wrote);
}

} // namespace attnrt
