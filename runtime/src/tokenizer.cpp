//===- tokenizer.cpp - llama2.c's BPE tokenizer ----------------------------===//
//
// Loading, encoding and decoding as llama2.c's run.c does them, so that the
// runtime's output can be compared with llama2.c byte for byte. Where run.c
// would read out of bounds or index with -1 (a truncated file, a vocabulary
// without " " or byte tokens) this file returns an error instead. Encoding
// keeps the candidate merges in a heap, so a long prompt costs O(n log n)
// rather than run.c's O(n^2); the merges chosen are the same.
//
//===----------------------------------------------------------------------===//
#include "runtime/include/attnrt/tokenizer.h"

#include "runtime/src/format.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>

namespace attnrt {

namespace {

// ----------------------------------------------------------------------------
// byte readers

/// Little-endian int32 at data[offset]; the caller checked the bounds.
int32_t read_i32(const unsigned char *data, size_t offset) {
  uint32_t v = uint32_t(data[offset]) | uint32_t(data[offset + 1]) << 8 |
               uint32_t(data[offset + 2]) << 16 | uint32_t(data[offset + 3]) << 24;
  int32_t out;
  std::memcpy(&out, &v, sizeof out);
  return out;
}

float read_f32(const unsigned char *data, size_t offset) {
  int32_t bits = read_i32(data, offset);
  float out;
  std::memcpy(&out, &bits, sizeof out);
  return out;
}

/// `<0xXX>` with two hex digits, the byte-fallback pieces of SentencePiece
/// vocabularies. (run.c uses sscanf("<0x%02hhX>"), which also accepts one
/// digit or a missing '>'; no piece of the Llama vocabularies looks like that.)
bool parse_raw_byte(std::string_view piece, unsigned char *byte) {
  if (piece.size() != 6 || piece.substr(0, 3) != "<0x" || piece[5] != '>')
    return false;
  unsigned value = 0;
  for (char c : piece.substr(3, 2)) {
    unsigned digit;
    if (c >= '0' && c <= '9')
      digit = unsigned(c - '0');
    else if (c >= 'A' && c <= 'F')
      digit = unsigned(c - 'A' + 10);
    else if (c >= 'a' && c <= 'f')
      digit = unsigned(c - 'a' + 10);
    else
      return false;
    value = value * 16 + digit;
  }
  *byte = static_cast<unsigned char>(value);
  return true;
}

/// Parses into `t` (already reset); run by tokenizer_create.
Status parse(Tokenizer *t, const unsigned char *data, size_t size, int32_t vocab_size) {
  if (vocab_size <= 0)
    return Status::error(strformat("tokenizer: the model's vocab_size is %d", vocab_size));
  if (size < 4)
    return Status::error(strformat("tokenizer is %zu bytes: truncated at byte offset 0, "
                                   "before its 4-byte max_token_length header",
                                   size));
  int32_t max_len = read_i32(data, 0);
  if (max_len <= 0)
    return Status::error(strformat("tokenizer: max_token_length at byte offset 0 is %d, "
                                   "expected > 0 (not a llama2.c tokenizer.bin?)",
                                   max_len));
  t->max_token_length = uint32_t(max_len);
  // Each token takes at least 8 bytes, so a short file cannot make us reserve
  // for a vocab_size it cannot hold (the compiler checks tokenizers against
  // any vocabulary up to ATTN_MAX_VOCAB_SIZE).
  const size_t fit = std::min(size_t(vocab_size), (size - 4) / 8);
  t->offset.reserve(fit);
  t->length.reserve(fit);
  t->score.reserve(fit);
  t->text.reserve(size);

  size_t at = 4;
  for (int32_t i = 0; i < vocab_size; ++i) {
    if (size - at < 8) {
      const char *field = size - at < 4 ? "score" : "length";
      size_t field_at = size - at < 4 ? at : at + 4;
      return Status::error(strformat(
          "tokenizer truncated at byte offset %zu: token %d needs its 4-byte %s there, but "
          "the data ends at byte %zu (the model's vocab_size is %d)",
          field_at, i, field, size, vocab_size));
    }
    float score = read_f32(data, at);
    if (!std::isfinite(score))
      return Status::error(strformat("tokenizer: token %d at byte offset %zu has a non-finite "
                                     "score (%s), expected a finite merge priority",
                                     i, at,
                                     std::isnan(score) ? "nan" : score > 0 ? "inf" : "-inf"));
    int32_t len = read_i32(data, at + 4);
    if (len < 0 || len > max_len)
      return Status::error(strformat("tokenizer: token %d at byte offset %zu has length %d, "
                                     "expected 0..%d (max_token_length)",
                                     i, at + 4, len, max_len));
    at += 8;
    if (size - at < size_t(len))
      return Status::error(strformat(
          "tokenizer truncated at byte offset %zu: token %d needs %d bytes of text there, but "
          "the data ends at byte %zu",
          at, i, len, size));
    t->score.push_back(score);
    t->length.push_back(uint32_t(len));
    t->offset.push_back(t->text.size());
    t->text.insert(t->text.end(), data + at, data + at + len);
    t->text.push_back('\0');
    t->longest = std::max(t->longest, uint32_t(len));
    at += size_t(len);
  }
  if (at != size)
    return Status::error(strformat(
        "tokenizer has %zu more bytes at byte offset %zu after token %d: it holds more "
        "tokens than the model's vocab_size %d",
        size - at, at, vocab_size - 1, vocab_size));

  t->vocab_size = vocab_size;
  t->sorted.resize(size_t(vocab_size));
  for (int32_t i = 0; i < vocab_size; ++i)
    t->sorted[size_t(i)] = i;
  // Ties (duplicate pieces) go to the lower id, so lookups are deterministic.
  std::sort(t->sorted.begin(), t->sorted.end(), [t](int32_t a, int32_t b) {
    int c = tokenizer_piece(*t, a).compare(tokenizer_piece(*t, b));
    return c != 0 ? c < 0 : a < b;
  });
  return Status::success();
}

} // namespace

// ----------------------------------------------------------------------------
// creation and destruction

Status tokenizer_create(Tokenizer *t, const unsigned char *data, size_t size,
                        int32_t vocab_size) {
  tokenizer_destroy(t);
  for (int b = 0; b < 256; ++b)
    t->bytes[b] = static_cast<char>(b);
  Status status = parse(t, data, size, vocab_size);
  if (!status.ok())
    tokenizer_destroy(t);
  return status;
}

Status tokenizer_create_from_file(Tokenizer *t, const char *path, int32_t vocab_size) {
  FILE *file = std::fopen(path, "rb");
  if (!file)
    return Status::error(strformat("cannot open tokenizer %s: %s", path, std::strerror(errno)));
  std::vector<unsigned char> data;
  unsigned char chunk[1 << 16];
  size_t got;
  while ((got = std::fread(chunk, 1, sizeof chunk, file)) > 0)
    data.insert(data.end(), chunk, chunk + got);
  bool failed = std::ferror(file) != 0;
  std::fclose(file);
  if (failed)
    return Status::error(strformat("cannot read tokenizer %s", path));
  Status status = tokenizer_create(t, data.data(), data.size(), vocab_size);
  if (!status.ok())
    return Status::error(std::string(path) + ": " + status.message());
  return status;
}

void tokenizer_destroy(Tokenizer *t) {
  t->vocab_size = 0;
  t->max_token_length = 0;
  t->longest = 0;
  std::vector<char>().swap(t->text);
  std::vector<size_t>().swap(t->offset);
  std::vector<uint32_t>().swap(t->length);
  std::vector<float>().swap(t->score);
  std::vector<int32_t>().swap(t->sorted);
}

// ----------------------------------------------------------------------------
// lookup

std::string_view tokenizer_piece(const Tokenizer &t, int32_t id) {
  if (id < 0 || id >= t.vocab_size)
    return {};
  return {t.text.data() + t.offset[size_t(id)], t.length[size_t(id)]};
}

int32_t tokenizer_lookup(const Tokenizer &t, std::string_view piece) {
  auto it = std::lower_bound(t.sorted.begin(), t.sorted.end(), piece,
                             [&t](int32_t id, std::string_view key) {
                               return tokenizer_piece(t, id) < key;
                             });
  if (it == t.sorted.end() || tokenizer_piece(t, *it) != piece)
    return -1;
  return *it;
}

// ----------------------------------------------------------------------------
// encoding

Status encode(const Tokenizer &t, std::string_view text, bool bos, bool eos,
              std::vector<int32_t> *tokens) {
  // run.c reads a C string: the text ends at the first NUL.
  text = text.substr(0, text.find('\0'));
  std::vector<int32_t> &out = *tokens;
  out.clear();
  out.reserve(text.size() + 3); // +3: dummy prefix, BOS, EOS
  if (bos)
    out.push_back(kTokenBos);

  // SentencePiece's add_dummy_prefix, which run.c applies to non-empty text.
  if (!text.empty()) {
    int32_t space = tokenizer_lookup(t, " ");
    if (space < 0)
      return Status::error("tokenizer has no \" \" piece for the dummy prefix that encoding "
                           "adds before the text");
    out.push_back(space);
  }

  // One token per UTF-8 code point in the vocabulary, else one per byte.
  char point[4];      // the code point being gathered (at most 4 bytes)
  size_t point_len = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if ((c & 0xC0) != 0x80) // not a continuation byte: a new code point starts
      point_len = 0;
    point[point_len++] = static_cast<char>(c);
    unsigned char next = i + 1 < text.size() ? static_cast<unsigned char>(text[i + 1]) : 0;
    if ((next & 0xC0) == 0x80 && point_len < 4)
      continue;
    int32_t id = tokenizer_lookup(t, std::string_view(point, point_len));
    if (id >= 0) {
      out.push_back(id);
    } else {
      for (size_t b = 0; b < point_len; ++b) {
        int32_t byte_id = static_cast<unsigned char>(point[b]) + kByteTokenBase;
        if (byte_id >= t.vocab_size)
          return Status::error(strformat("tokenizer has %d tokens, too few for the byte-fallback "
                                         "token %d of byte 0x%02X",
                                         t.vocab_size, byte_id, byte_id - kByteTokenBase));
        out.push_back(byte_id);
      }
    }
    point_len = 0; // a run of stray continuation bytes starts afresh
  }

  // Greedy BPE: merge the pair whose merged piece has the best score, the
  // leftmost one on ties (run.c's strict '>' from -1e10, so a score at or
  // below -1e10 never merges), until no pair is in the vocab. run.c rescans
  // every pair per merge, quadratic in the prompt; here the tokens form a
  // linked list over `out` and the candidate pairs a max-heap ordered by
  // (score, leftmost), so a long prompt costs O(n log n). A heap entry is
  // checked when popped: it still applies if its left token is alive and it
  // and its right neighbour hold the tokens it was made for (a node's right
  // neighbour only changes when the node itself merges). The merges, and so
  // the ids, are run.c's exactly.
  std::string scratch;
  scratch.reserve(2 * size_t(t.longest) + 1); // not max_token_length: a file may claim 2^31
  const size_t n = out.size();
  if (n >= 2) {
    std::vector<int32_t> next(n), prev(n); // (n) neighbours in the list; -1: none
    for (size_t i = 0; i < n; ++i) {
      prev[i] = int32_t(i) - 1;
      next[i] = i + 1 < n ? int32_t(i + 1) : -1;
    }
    struct Pair {
      float score;
      int32_t left;               // index in `out` of the pair's left token
      int32_t left_tok, right_tok; // the tokens it was made for
      int32_t merged;             // the id of their concatenated pieces
    };
    auto lower = [](const Pair &a, const Pair &b) {
      return a.score != b.score ? a.score < b.score : a.left > b.left;
    };
    std::vector<Pair> heap;
    heap.reserve(n);
    auto candidate = [&](int32_t left) {
      const int32_t right = left < 0 ? -1 : next[size_t(left)];
      if (right < 0)
        return;
      scratch.assign(tokenizer_piece(t, out[size_t(left)]));
      scratch.append(tokenizer_piece(t, out[size_t(right)]));
      const int32_t id = tokenizer_lookup(t, scratch);
      if (id >= 0 && t.score[size_t(id)] > -1e10f)
        heap.push_back({t.score[size_t(id)], left, out[size_t(left)], out[size_t(right)], id});
    };
    for (size_t i = 0; i + 1 < n; ++i)
      candidate(int32_t(i));
    std::make_heap(heap.begin(), heap.end(), lower);
    auto push = [&](int32_t left) {
      const size_t before = heap.size();
      candidate(left);
      if (heap.size() != before)
        std::push_heap(heap.begin(), heap.end(), lower);
    };
    while (!heap.empty()) {
      std::pop_heap(heap.begin(), heap.end(), lower);
      const Pair p = heap.back();
      heap.pop_back();
      const size_t left = size_t(p.left);
      const int32_t right = next[left];
      if (out[left] != p.left_tok || right < 0 || out[size_t(right)] != p.right_tok)
        continue; // stale: one of the two merged since
      out[left] = p.merged;
      out[size_t(right)] = -1; // removed
      next[left] = next[size_t(right)];
      if (next[left] >= 0)
        prev[size_t(next[left])] = p.left;
      push(prev[left]);
      push(p.left);
    }
    out.erase(std::remove(out.begin(), out.end(), -1), out.end());
  }

  if (eos)
    out.push_back(kTokenEos);
  return Status::success();
}

// ----------------------------------------------------------------------------
// decoding

std::string_view decode(const Tokenizer &t, int32_t prev, int32_t token) {
  std::string_view piece = tokenizer_piece(t, token);
  // After BOS, SentencePiece's decoder drops the leading space (llama2.c PR #89).
  if (prev == kTokenBos && !piece.empty() && piece[0] == ' ')
    piece.remove_prefix(1);
  unsigned char byte;
  if (parse_raw_byte(piece, &byte))
    return {&t.bytes[byte], 1};
  return piece;
}

bool piece_is_printable(std::string_view piece) {
  if (piece.empty())
    return false;
  if (piece.size() > 1)
    return true;
  // isprint() || isspace() in the "C" locale, without depending on the locale.
  unsigned char c = static_cast<unsigned char>(piece[0]);
  bool print = c >= 0x20 && c <= 0x7E;
  bool space = c == ' ' || (c >= '\t' && c <= '\r');
  return print || space;
}

bool write_piece(FILE *out, std::string_view piece) {
  if (!piece_is_printable(piece))
    return true;
  return std::fwrite(piece.data(), 1, piece.size(), out) == piece.size();
}

} // namespace attnrt
