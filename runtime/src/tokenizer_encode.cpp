//===- tokenizer_encode.cpp - Text to token ids ----------------------------===//
//
// The two BPE encoders. Both start from one symbol per character and merge
// adjacent pairs greedily, the best pair first and the leftmost one on ties:
// spm ranks a pair by the score of the piece the two texts form (llama.cpp's
// llm_tokenizer_spm, SentencePiece's BPE), gpt2 by the rank of the merge
// rule naming the two tokens (llama.cpp's llm_tokenizer_bpe, GPT-2's
// encoder.py). The symbols form a linked list and the candidate pairs a
// heap, so a long prompt costs O(n log n) rather than the O(n^2) of
// rescanning every pair per merge; a heap entry is checked when popped: it
// still applies when both symbols are alive, adjacent, and together as long
// as when it was made (a symbol only grows by absorbing its right neighbour).
//
//===----------------------------------------------------------------------===//
#include "runtime/include/attnrt/tokenizer.h"

#include "runtime/src/format.h"
#include "runtime/src/tokenizer_internal.h"

#include <algorithm>
#include <cstdint>

namespace attnrt {

namespace {

/// 20 bytes per character of the text, 24 per candidate pair: encode()
/// bounds the text so that uint32 offsets and int32 indices hold.
struct Symbol {
  uint32_t start; // the symbol's bytes are text[start, start + len)
  uint32_t len;   // 0: merged into its left neighbour
  int32_t id;     // its token, -1 while unknown (spm: an unknown character)
  int32_t prev, next; // neighbours in the list; -1: none
};

struct Pair {
  double priority; // higher merges first
  int32_t left;    // index of the left symbol
  uint32_t size;   // bytes of the two symbols together when the pair was made
  int32_t merged;  // the token they become
};

/// The longest text encode() takes: its spm form (3 bytes per space, and the
/// space prefix) must index with uint32 and count symbols in int32.
constexpr size_t kMaxEncodeBytes = (size_t(INT32_MAX) - 3) / 3;

/// Merges `syms` (one word) greedily. `rate(left, right, &priority, &merged)`
/// says whether two adjacent symbols merge, how urgently, and into what.
template <typename Rate> void merge_symbols(std::vector<Symbol> &syms, Rate rate) {
  const size_t n = syms.size();
  if (n < 2)
    return;
  auto lower = [](const Pair &a, const Pair &b) {
    return a.priority != b.priority ? a.priority < b.priority : a.left > b.left;
  };
  std::vector<Pair> heap;
  heap.reserve(n);
  auto candidate = [&](int32_t left) {
    const int32_t right = left < 0 ? -1 : syms[size_t(left)].next;
    if (right < 0)
      return false;
    double priority;
    int32_t merged;
    if (!rate(syms[size_t(left)], syms[size_t(right)], &priority, &merged))
      return false;
    heap.push_back({priority, left, syms[size_t(left)].len + syms[size_t(right)].len, merged});
    return true;
  };
  for (size_t i = 0; i + 1 < n; ++i)
    candidate(int32_t(i));
  std::make_heap(heap.begin(), heap.end(), lower);
  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end(), lower);
    const Pair p = heap.back();
    heap.pop_back();
    Symbol &l = syms[size_t(p.left)];
    if (l.len == 0 || l.next < 0)
      continue;
    Symbol &r = syms[size_t(l.next)];
    if (r.len == 0 || l.len + r.len != p.size)
      continue; // stale: one of the two merged since
    l.len += r.len;
    l.id = p.merged;
    r.len = 0;
    l.next = r.next;
    if (l.next >= 0)
      syms[size_t(l.next)].prev = p.left;
    if (candidate(l.prev))
      std::push_heap(heap.begin(), heap.end(), lower);
    if (candidate(p.left))
      std::push_heap(heap.begin(), heap.end(), lower);
  }
}

/// The token of byte `b` that no piece covers: its byte token, else unk.
Status byte_fallback(const Tokenizer &t, unsigned char b, std::vector<int32_t> *out) {
  int32_t id = t.byte_token[b] >= 0 ? t.byte_token[b] : t.unk;
  if (id < 0)
    return Status::error(strformat("the tokenizer has no token for byte 0x%02X (no byte "
                                   "token and no unknown token)",
                                   b));
  out->push_back(id);
  return Status::success();
}

// ----------------------------------------------------------------------------
// spm

Status encode_spm(const Tokenizer &t, std::string_view raw, std::vector<int32_t> *out) {
  // SentencePiece's add_dummy_prefix and whitespace escaping.
  std::string text;
  text.reserve(3 * (raw.size() + 1));
  if (t.add_space_prefix)
    text += "\xE2\x96\x81";
  for (char c : raw) {
    if (c == ' ')
      text += "\xE2\x96\x81";
    else
      text += c;
  }

  // One symbol per UTF-8 character: a lead byte and the continuation bytes
  // after it (at most 4 bytes), a stray continuation byte alone (llama2.c's
  // split, which equals llama.cpp's on valid UTF-8).
  std::vector<Symbol> syms;
  syms.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    size_t len = 1;
    while (len < 4 && i + len < text.size() &&
           (static_cast<unsigned char>(text[i + len]) & 0xC0) == 0x80 &&
           (static_cast<unsigned char>(text[i]) & 0xC0) != 0x80)
      ++len;
    int32_t n = int32_t(syms.size());
    syms.push_back({uint32_t(i), uint32_t(len), -1, n - 1, i + len < text.size() ? n + 1 : -1});
    i += len;
  }
  merge_symbols(syms, [&](const Symbol &l, const Symbol &r, double *priority, int32_t *merged) {
    const int32_t id = tokenizer_lookup(t, std::string_view(text).substr(l.start, l.len + r.len));
    if (id < 0)
      return false;
    *priority = double(t.score[size_t(id)]);
    *merged = id;
    return true;
  });
  for (int32_t i = syms.empty() ? -1 : 0; i >= 0; i = syms[size_t(i)].next) {
    const Symbol &s = syms[size_t(i)];
    int32_t id = s.id >= 0 ? s.id : tokenizer_lookup(t, std::string_view(text).substr(s.start, s.len));
    if (id >= 0) {
      out->push_back(id);
      continue;
    }
    for (size_t b = 0; b < s.len; ++b) {
      Status st = byte_fallback(t, static_cast<unsigned char>(text[s.start + b]), out);
      if (!st.ok())
        return st;
    }
  }
  return Status::success();
}

// ----------------------------------------------------------------------------
// gpt2

Status encode_gpt2(const Tokenizer &t, std::string_view text, std::vector<int32_t> *out) {
  std::vector<size_t> words;
  gpt2_split(text, &words);
  std::vector<Symbol> syms;
  size_t start = 0;
  for (size_t word_len : words) {
    // Byte-level: every byte is one symbol, the token of its bytes_to_unicode
    // character.
    syms.clear();
    for (size_t b = 0; b < word_len; ++b) {
      const unsigned char byte = static_cast<unsigned char>(text[start + b]);
      const int32_t id = t.byte_token[byte];
      if (id < 0)
        return Status::error(strformat("the tokenizer has no token for byte 0x%02X (its "
                                       "bytes_to_unicode character U+%04X is not a piece)",
                                       byte, gpt2_byte_to_codepoint(byte)));
      int32_t n = int32_t(syms.size());
      syms.push_back({uint32_t(start + b), 1, id, n - 1, b + 1 < word_len ? n + 1 : -1});
    }
    merge_symbols(syms, [&](const Symbol &l, const Symbol &r, double *priority,
                            int32_t *merged) {
      auto it = t.merges.find(uint64_t(uint32_t(l.id)) << 32 | uint32_t(r.id));
      if (it == t.merges.end())
        return false;
      *priority = -double(it->second.rank);
      *merged = it->second.merged;
      return true;
    });
    for (int32_t i = syms.empty() ? -1 : 0; i >= 0; i = syms[size_t(i)].next)
      out->push_back(syms[size_t(i)].id);
    start += word_len;
  }
  return Status::success();
}

} // namespace

Status encode(const Tokenizer &t, std::string_view text, bool bos, bool eos,
              std::vector<int32_t> *tokens) {
  // A C string (run.c, and every prompt the command line can carry) ends at NUL.
  text = text.substr(0, text.find('\0'));
  std::vector<int32_t> &out = *tokens;
  out.clear();
  if (text.size() > kMaxEncodeBytes)
    return Status::error(strformat("the text to encode has %zu bytes, more than the %zu the "
                                   "encoder takes",
                                   text.size(), kMaxEncodeBytes));
  out.reserve(text.size() + 3); // +3: space prefix, BOS, EOS
  if (bos && t.bos >= 0)
    out.push_back(t.bos);
  if (!text.empty()) {
    Status st = t.kind == TokenizerKind::Gpt2 ? encode_gpt2(t, text, &out)
                                              : encode_spm(t, text, &out);
    if (!st.ok()) {
      out.clear();
      return st;
    }
  }
  if (eos && t.eos >= 0)
    out.push_back(t.eos);
  return Status::success();
}

} // namespace attnrt
