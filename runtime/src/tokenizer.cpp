//===- tokenizer.cpp - Loading and writing tokenizers ----------------------===//
//
// The two image formats the runtime reads (the embedded format of
// tokenizer.h, and llama2.c's tokenizer.bin) are parsed into a TokenizerData
// with every field checked against the bytes that remain, then installed
// into a Tokenizer: pieces back to back, the sorted index for lookups, the
// decoded text of every token, the byte tokens and the merge table. Nothing
// is reserved for a count read from the image before the image is known to
// be long enough to hold that many records.
//
//===----------------------------------------------------------------------===//
#include "runtime/include/attnrt/tokenizer.h"

#include "runtime/src/format.h"
#include "runtime/src/tokenizer_internal.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>

namespace attnrt {

namespace {

// ----------------------------------------------------------------------------
// byte readers

/// Little-endian uint32 at data[offset]; the caller checked the bounds.
uint32_t read_u32(const unsigned char *data, size_t offset) {
  return uint32_t(data[offset]) | uint32_t(data[offset + 1]) << 8 |
         uint32_t(data[offset + 2]) << 16 | uint32_t(data[offset + 3]) << 24;
}

int32_t read_i32(const unsigned char *data, size_t offset) {
  uint32_t v = read_u32(data, offset);
  int32_t out;
  std::memcpy(&out, &v, sizeof out);
  return out;
}

float read_f32(const unsigned char *data, size_t offset) {
  uint32_t bits = read_u32(data, offset);
  float out;
  std::memcpy(&out, &bits, sizeof out);
  return out;
}

void put_u32(std::string *out, uint32_t v) {
  for (int i = 0; i < 4; ++i)
    out->push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

const char *nonfinite_name(float f) { return std::isnan(f) ? "nan" : f > 0 ? "inf" : "-inf"; }

/// Rewrites every ' ' of `piece` as U+2581, SentencePiece's space.
std::string escape_spaces(std::string_view piece) {
  std::string out;
  for (char c : piece) {
    if (c == ' ')
      out += "\xE2\x96\x81";
    else
      out += c;
  }
  return out;
}

// ----------------------------------------------------------------------------
// llama2.c's tokenizer.bin

Status parse_llama2c(TokenizerData *d, const unsigned char *data, size_t size,
                     int32_t vocab_size, uint32_t *max_token_length) {
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
  *max_token_length = uint32_t(max_len);
  // Each token takes at least 8 bytes, so a short file cannot make us reserve
  // for a vocab_size it cannot hold.
  const size_t fit = std::min(size_t(vocab_size), (size - 4) / 8);
  d->pieces.reserve(fit);
  d->scores.reserve(fit);
  d->types.reserve(fit);

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
                                     i, at, nonfinite_name(score)));
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
    std::string_view piece(reinterpret_cast<const char *>(data + at), size_t(len));
    // llama2.c's export wrote SentencePiece's U+2581 as ' '; put it back so
    // that one spm encoder serves every source.
    unsigned char byte;
    TokenType type = TokenType::Normal;
    if (i == 0)
      type = TokenType::Unknown;
    else if (i == kTokenBos || i == kTokenEos)
      type = TokenType::Control;
    else if (i - kByteTokenBase >= 0 && i - kByteTokenBase < 256 &&
             parse_raw_byte(piece, &byte) && byte == i - kByteTokenBase)
      type = TokenType::Byte;
    d->pieces.push_back(escape_spaces(piece));
    d->scores.push_back(score);
    d->types.push_back(type);
    at += size_t(len);
  }
  if (at != size)
    return Status::error(strformat(
        "tokenizer has %zu more bytes at byte offset %zu after token %d: it holds more "
        "tokens than the model's vocab_size %d",
        size - at, at, vocab_size - 1, vocab_size));
  d->kind = TokenizerKind::Spm;
  d->unk = 0;
  d->bos = vocab_size > kTokenBos ? kTokenBos : -1;
  d->eos = vocab_size > kTokenEos ? kTokenEos : -1;
  d->add_bos = true;
  d->add_space_prefix = true;
  return Status::success();
}

// ----------------------------------------------------------------------------
// the embedded format

Status parse_embedded(TokenizerData *d, const unsigned char *data, size_t size,
                      int32_t vocab_size) {
  constexpr size_t kHeader = 8 + 4 * 8;
  if (size < kHeader)
    return Status::error(strformat("tokenizer is %zu bytes: truncated at byte offset %zu, "
                                   "inside its %zu-byte header",
                                   size, size, kHeader));
  const uint32_t version = read_u32(data, 8);
  if (version != kTokenizerVersion)
    return Status::error(strformat("tokenizer: format version %u at byte offset 8, this "
                                   "runtime reads version %u",
                                   version, kTokenizerVersion));
  const uint32_t kind = read_u32(data, 12);
  if (kind > uint32_t(TokenizerKind::Gpt2))
    return Status::error(strformat("tokenizer: kind %u at byte offset 12, expected 0 (spm) "
                                   "or 1 (gpt2)",
                                   kind));
  const uint32_t n_tokens = read_u32(data, 16);
  if (n_tokens == 0 || vocab_size <= 0 || n_tokens > uint32_t(vocab_size))
    return Status::error(strformat("tokenizer: %u tokens at byte offset 16, expected 1..%d "
                                   "(the model's vocab_size)",
                                   n_tokens, vocab_size));
  const uint32_t n_merges = read_u32(data, 20);
  const int32_t ids[3] = {read_i32(data, 24), read_i32(data, 28), read_i32(data, 32)};
  const char *names[3] = {"bos", "eos", "unk"};
  for (int k = 0; k < 3; ++k)
    if (ids[k] < -1 || ids[k] >= int64_t(n_tokens))
      return Status::error(strformat("tokenizer: %s id %d at byte offset %d is out of range: "
                                     "expected -1 (none) or 0..%u",
                                     names[k], ids[k], 24 + 4 * k, n_tokens - 1));
  const uint32_t flags = read_u32(data, 36);
  if (flags & ~uint32_t(3))
    return Status::error(strformat("tokenizer: flags 0x%X at byte offset 36 set unknown bits "
                                   "(known: 1 add_bos, 2 add_space_prefix)",
                                   flags));
  d->kind = TokenizerKind(kind);
  d->bos = ids[0];
  d->eos = ids[1];
  d->unk = ids[2];
  d->add_bos = flags & 1;
  d->add_space_prefix = flags & 2;

  // A token record is at least 9 bytes, a merge 12: reserve no more than
  // the image can hold.
  size_t at = kHeader;
  const size_t fit = std::min(size_t(n_tokens), (size - at) / 9);
  d->pieces.reserve(fit);
  d->scores.reserve(fit);
  d->types.reserve(fit);
  for (uint32_t i = 0; i < n_tokens; ++i) {
    if (size - at < 9)
      return Status::error(strformat("tokenizer truncated at byte offset %zu: token %u of %u "
                                     "needs its 9-byte score, type and length there, but the "
                                     "data ends at byte %zu",
                                     at, i, n_tokens, size));
    const float score = read_f32(data, at);
    if (!std::isfinite(score))
      return Status::error(strformat("tokenizer: token %u at byte offset %zu has a non-finite "
                                     "score (%s)",
                                     i, at, nonfinite_name(score)));
    const uint8_t type = data[at + 4];
    if (type < 1 || type > 6)
      return Status::error(strformat("tokenizer: token %u has type %u at byte offset %zu, "
                                     "expected 1..6",
                                     i, type, at + 4));
    const uint32_t len = read_u32(data, at + 5);
    at += 9;
    if (size - at < len)
      return Status::error(strformat("tokenizer truncated at byte offset %zu: token %u needs "
                                     "%u bytes of piece there, but the data ends at byte %zu",
                                     at, i, len, size));
    std::string_view piece(reinterpret_cast<const char *>(data + at), len);
    unsigned char byte;
    if (TokenType(type) == TokenType::Byte && !parse_raw_byte(piece, &byte))
      return Status::error(strformat("tokenizer: token %u at byte offset %zu is a byte token "
                                     "but its piece is not <0xNN>",
                                     i, at));
    d->pieces.emplace_back(piece);
    d->scores.push_back(score);
    d->types.push_back(TokenType(type));
    at += len;
  }
  if (n_merges > 0 && d->kind != TokenizerKind::Gpt2)
    return Status::error(strformat("tokenizer: %u merges at byte offset 20 for an spm "
                                   "tokenizer, which merges by score",
                                   n_merges));
  if ((size - at) / 12 < n_merges)
    return Status::error(strformat("tokenizer truncated: %u merges of 12 bytes from byte "
                                   "offset %zu need %llu bytes, the data ends at byte %zu",
                                   n_merges, at, 12ull * n_merges, size));
  d->merges.reserve(n_merges);
  for (uint32_t i = 0; i < n_merges; ++i, at += 12) {
    const uint32_t m[3] = {read_u32(data, at), read_u32(data, at + 4), read_u32(data, at + 8)};
    for (uint32_t id : m)
      if (id >= n_tokens)
        return Status::error(strformat("tokenizer: merge %u at byte offset %zu names token "
                                       "%u, beyond the %u tokens",
                                       i, at, id, n_tokens));
    const std::string &l = d->pieces[m[0]], &r = d->pieces[m[1]], &x = d->pieces[m[2]];
    if (x.size() != l.size() + r.size() || x.compare(0, l.size(), l) != 0 ||
        x.compare(l.size(), r.size(), r) != 0)
      return Status::error(strformat("tokenizer: merge %u at byte offset %zu joins tokens %u "
                                     "and %u into %u, whose piece is not theirs joined",
                                     i, at, m[0], m[1], m[2]));
    d->merges.push_back({int32_t(m[0]), int32_t(m[1]), int32_t(m[2])});
  }
  if (at != size)
    return Status::error(strformat("tokenizer has %zu more bytes at byte offset %zu after its "
                                   "last merge",
                                   size - at, at));
  return Status::success();
}

// ----------------------------------------------------------------------------
// installing parsed data

/// GPT-2's bytes_to_unicode: printable Latin-1 bytes stand for themselves,
/// the other 68 bytes for U+0100 onwards in byte order; and its inverse over
/// U+0000..U+0143.
struct ByteMap {
  uint32_t to_cp[256];
  int16_t to_byte[256 + 68];
  ByteMap() {
    uint32_t next = 256;
    for (int16_t &b : to_byte)
      b = -1;
    for (unsigned c = 0; c < 256; ++c) {
      bool keep = (c >= '!' && c <= '~') || (c >= 0xA1 && c <= 0xAC) || c >= 0xAE;
      to_cp[c] = keep ? c : next++;
      to_byte[to_cp[c]] = int16_t(c);
    }
  }
};

const ByteMap &byte_map() {
  static const ByteMap map;
  return map;
}

void install(Tokenizer *t, TokenizerData &d) {
  const size_t n = d.pieces.size();
  t->kind = d.kind;
  t->vocab_size = int32_t(n);
  t->bos = d.bos;
  t->eos = d.eos;
  t->unk = d.unk;
  t->add_bos = d.add_bos;
  t->add_space_prefix = d.add_space_prefix;
  size_t total = 0;
  for (const std::string &p : d.pieces)
    total += p.size() + 1;
  t->text.reserve(total);
  t->offset.resize(n);
  t->length.resize(n);
  for (size_t i = 0; i < n; ++i) {
    t->offset[i] = t->text.size();
    t->length[i] = uint32_t(d.pieces[i].size());
    t->text.insert(t->text.end(), d.pieces[i].begin(), d.pieces[i].end());
    t->text.push_back('\0');
    t->longest = std::max(t->longest, t->length[i]);
  }
  std::vector<std::string>().swap(d.pieces);
  t->score = std::move(d.scores);
  t->score.resize(n, 0.0f);
  t->type = std::move(d.types);
  t->type.resize(n, TokenType::Normal);

  t->sorted.resize(n);
  for (size_t i = 0; i < n; ++i)
    t->sorted[i] = int32_t(i);
  // Ties (duplicate pieces) go to the lower id, so lookups are deterministic.
  std::sort(t->sorted.begin(), t->sorted.end(), [t](int32_t a, int32_t b) {
    int c = tokenizer_piece(*t, a).compare(tokenizer_piece(*t, b));
    return c != 0 ? c < 0 : a < b;
  });

  for (int b = 0; b < 256; ++b) {
    t->bytes[b] = static_cast<char>(b);
    t->byte_token[b] = -1;
  }
  if (t->kind == TokenizerKind::Spm) {
    for (size_t i = 0; i < n; ++i) {
      unsigned char byte;
      if (t->type[i] == TokenType::Byte && parse_raw_byte(tokenizer_piece(*t, int32_t(i)), &byte) &&
          t->byte_token[byte] < 0)
        t->byte_token[byte] = int32_t(i);
    }
  } else {
    for (int b = 0; b < 256; ++b) {
      char utf8[4];
      size_t len = encode_utf8(gpt2_byte_to_codepoint(unsigned(b)), utf8);
      t->byte_token[b] = tokenizer_lookup(*t, std::string_view(utf8, len));
    }
    t->merges.reserve(d.merges.size());
    for (size_t r = 0; r < d.merges.size(); ++r) {
      const TokenizerData::Merge &m = d.merges[r];
      uint64_t key = uint64_t(uint32_t(m.left)) << 32 | uint32_t(m.right);
      t->merges.emplace(key, TokenMerge{int32_t(r), m.merged}); // a repeated pair keeps its first rank
    }
  }

  // What each token prints.
  t->shown_offset.resize(n + 1);
  for (size_t i = 0; i < n; ++i) {
    t->shown_offset[i] = t->shown.size();
    std::string_view piece = tokenizer_piece(*t, int32_t(i));
    const TokenType type = t->type[i];
    unsigned char byte;
    if (type == TokenType::Control) {
      // nothing: BOS, EOS and the like are markers, not text
    } else if (type == TokenType::UserDefined || type == TokenType::Unknown) {
      t->shown.insert(t->shown.end(), piece.begin(), piece.end());
    } else if (t->kind == TokenizerKind::Spm) {
      if (type == TokenType::Byte && parse_raw_byte(piece, &byte)) {
        t->shown.push_back(static_cast<char>(byte));
      } else {
        for (size_t k = 0; k < piece.size(); ++k) {
          if (piece.compare(k, 3, "\xE2\x96\x81") == 0) {
            t->shown.push_back(' ');
            k += 2;
          } else {
            t->shown.push_back(piece[k]);
          }
        }
      }
    } else {
      // Each character back to the byte it stands for; one that stands for
      // none (not in bytes_to_unicode's range) is kept as it is.
      size_t k = 0;
      while (k < piece.size()) {
        uint32_t cp;
        size_t len = decode_utf8(piece.substr(k), &cp);
        if (len == 0) {
          t->shown.push_back(piece[k]); // an invalid byte: passed on, the stream replaces it
          ++k;
          continue;
        }
        int byte_of = codepoint_to_byte(cp);
        if (byte_of >= 0)
          t->shown.push_back(static_cast<char>(byte_of));
        else
          t->shown.insert(t->shown.end(), piece.begin() + long(k), piece.begin() + long(k + len));
        k += len;
      }
    }
  }
  t->shown_offset[n] = t->shown.size();
  for (size_t i = 0; i < n; ++i)
    t->longest_text = std::max(t->longest_text, uint32_t(t->shown_offset[i + 1] - t->shown_offset[i]));
}

Status create(Tokenizer *t, Status (*parse)(TokenizerData *, const unsigned char *, size_t,
                                            int32_t, uint32_t *),
              const unsigned char *data, size_t size, int32_t vocab_size) {
  tokenizer_destroy(t);
  TokenizerData d;
  uint32_t max_len = 0;
  Status status = parse(&d, data, size, vocab_size, &max_len);
  if (!status.ok())
    return status;
  install(t, d);
  t->max_token_length = max_len ? max_len : t->longest;
  return status;
}

Status parse_embedded_any(TokenizerData *d, const unsigned char *data, size_t size,
                          int32_t vocab_size, uint32_t *) {
  return parse_embedded(d, data, size, vocab_size);
}

} // namespace

// ----------------------------------------------------------------------------
// internal helpers shared with encoding and decoding

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

uint32_t gpt2_byte_to_codepoint(unsigned byte) { return byte_map().to_cp[byte & 0xFF]; }

int codepoint_to_byte(uint32_t cp) { return cp < 256 + 68 ? byte_map().to_byte[cp] : -1; }

// ----------------------------------------------------------------------------
// creation, serialization and destruction

std::string tokenizer_serialize(const TokenizerData &d) {
  std::string out(kTokenizerMagic, sizeof kTokenizerMagic);
  put_u32(&out, kTokenizerVersion);
  put_u32(&out, uint32_t(d.kind));
  put_u32(&out, uint32_t(d.pieces.size()));
  put_u32(&out, uint32_t(d.merges.size()));
  put_u32(&out, uint32_t(d.bos));
  put_u32(&out, uint32_t(d.eos));
  put_u32(&out, uint32_t(d.unk));
  put_u32(&out, (d.add_bos ? 1u : 0u) | (d.add_space_prefix ? 2u : 0u));
  for (size_t i = 0; i < d.pieces.size(); ++i) {
    float score = i < d.scores.size() ? d.scores[i] : 0.0f;
    uint32_t bits;
    std::memcpy(&bits, &score, sizeof bits);
    put_u32(&out, bits);
    out.push_back(static_cast<char>(i < d.types.size() ? d.types[i] : TokenType::Normal));
    put_u32(&out, uint32_t(d.pieces[i].size()));
    out += d.pieces[i];
  }
  for (const TokenizerData::Merge &m : d.merges) {
    put_u32(&out, uint32_t(m.left));
    put_u32(&out, uint32_t(m.right));
    put_u32(&out, uint32_t(m.merged));
  }
  return out;
}

Status tokenizer_create_embedded(Tokenizer *t, const unsigned char *data, size_t size,
                                 int32_t vocab_size) {
  if (size < sizeof kTokenizerMagic ||
      std::memcmp(data, kTokenizerMagic, sizeof kTokenizerMagic) != 0)
    return tokenizer_create(t, data, size, vocab_size);
  Status status = create(t, parse_embedded_any, data, size, vocab_size);
  if (!status.ok())
    tokenizer_destroy(t);
  return status;
}

Status tokenizer_create(Tokenizer *t, const unsigned char *data, size_t size,
                        int32_t vocab_size) {
  Status status = create(t, parse_llama2c, data, size, vocab_size);
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
  Tokenizer empty;
  std::swap(*t, empty);
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

} // namespace attnrt
