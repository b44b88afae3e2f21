//===- tokenizer_text.cpp - UTF-8, Unicode classes, decoding ----------------===//
//
// Everything about characters: well-formed UTF-8 (Unicode's Table 3-7), the
// letter/number/space classes of GPT-2's pre-tokenizer from the generated
// range table, the pre-tokenizer itself, token ids back to text, and the
// TextStream that keeps printed text valid UTF-8.
//
//===----------------------------------------------------------------------===//
#include "runtime/include/attnrt/tokenizer.h"

#include "runtime/src/tokenizer_internal.h"

#include <algorithm>

namespace attnrt {

namespace {

struct UnicodeRange {
  uint32_t first, last;
  unsigned klass;
};

#include "runtime/src/unicode_ranges.inc"

/// For a lead byte: the length of its character (0: cannot start one) and
/// the range of the byte after it.
int lead_info(unsigned char c, unsigned char *lo, unsigned char *hi) {
  *lo = 0x80;
  *hi = 0xBF;
  if (c < 0x80)
    return 1;
  if (c >= 0xC2 && c <= 0xDF)
    return 2;
  if (c >= 0xE0 && c <= 0xEF) {
    if (c == 0xE0)
      *lo = 0xA0; // no overlong forms
    if (c == 0xED)
      *hi = 0x9F; // no surrogates
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (c == 0xF0)
      *lo = 0x90;
    if (c == 0xF4)
      *hi = 0x8F; // nothing beyond U+10FFFF
    return 4;
  }
  return 0;
}

const char kReplacement[] = "\xEF\xBF\xBD"; // U+FFFD

/// llama2.c's safe_printf drops ASCII control codes except whitespace.
bool ascii_shown(unsigned char c) {
  return (c >= 0x20 && c < 0x7F) || (c >= '\t' && c <= '\r');
}

} // namespace

// ----------------------------------------------------------------------------
// UTF-8 and classes

size_t encode_utf8(uint32_t cp, char *out) {
  if (cp < 0x80) {
    out[0] = char(cp);
    return 1;
  }
  if (cp < 0x800) {
    out[0] = char(0xC0 | (cp >> 6));
    out[1] = char(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = char(0xE0 | (cp >> 12));
    out[1] = char(0x80 | ((cp >> 6) & 0x3F));
    out[2] = char(0x80 | (cp & 0x3F));
    return 3;
  }
  out[0] = char(0xF0 | (cp >> 18));
  out[1] = char(0x80 | ((cp >> 12) & 0x3F));
  out[2] = char(0x80 | ((cp >> 6) & 0x3F));
  out[3] = char(0x80 | (cp & 0x3F));
  return 4;
}

size_t decode_utf8(std::string_view s, uint32_t *cp) {
  if (s.empty())
    return 0;
  unsigned char lo, hi;
  const unsigned char c0 = static_cast<unsigned char>(s[0]);
  const int need = lead_info(c0, &lo, &hi);
  if (need == 0 || s.size() < size_t(need))
    return 0;
  uint32_t v = need == 1 ? c0 : need == 2 ? (c0 & 0x1F) : need == 3 ? (c0 & 0x0F) : (c0 & 0x07);
  for (int k = 1; k < need; ++k) {
    const unsigned char c = static_cast<unsigned char>(s[size_t(k)]);
    if (c < lo || c > hi)
      return 0;
    lo = 0x80;
    hi = 0xBF;
    v = v << 6 | (c & 0x3F);
  }
  *cp = v;
  return size_t(need);
}

unsigned unicode_class(uint32_t cp) {
  const UnicodeRange *end = kUnicodeRanges + sizeof kUnicodeRanges / sizeof kUnicodeRanges[0];
  const UnicodeRange *it = std::upper_bound(
      kUnicodeRanges, end, cp, [](uint32_t v, const UnicodeRange &r) { return v < r.first; });
  if (it == kUnicodeRanges)
    return 0;
  --it;
  return cp <= it->last ? it->klass : 0;
}

const char *tokenizer_unicode_version() { return ATTNRT_UNICODE_VERSION; }

// ----------------------------------------------------------------------------
// GPT-2's pre-tokenizer

void gpt2_split(std::string_view text, std::vector<size_t> *lengths) {
  // The regex 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
  // by hand over code points, alternatives tried in order as the regex
  // engine does. A byte that starts no well-formed character is one code
  // point of class "other" (so its byte is kept, and encoded as it is).
  lengths->clear();
  std::vector<uint32_t> cps;   // (code points)
  std::vector<uint8_t> bytes;  // (code points) UTF-8 length of each
  cps.reserve(text.size());
  bytes.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    uint32_t cp;
    size_t len = decode_utf8(text.substr(i), &cp);
    if (len == 0) {
      cp = 0xFFFD;
      len = 1;
    }
    cps.push_back(cp);
    bytes.push_back(uint8_t(len));
    i += len;
  }
  const size_t n = cps.size();
  // -1 beyond the text, so that no class test matches there.
  auto cls = [&](size_t p) -> int { return p < n ? int(unicode_class(cps[p])) : -1; };
  auto is = [&](size_t p, unsigned k) { int c = cls(p); return c >= 0 && (unsigned(c) & k); };
  auto other = [&](size_t p) { return cls(p) == 0; };
  size_t pos = 0;
  auto take = [&](size_t end) {
    size_t len = 0;
    for (size_t p = pos; p < end; ++p)
      len += bytes[p];
    lengths->push_back(len);
    pos = end;
  };
  while (pos < n) {
    const uint32_t c = cps[pos];
    if (c == '\'' && pos + 1 < n) {
      const uint32_t c1 = cps[pos + 1];
      if (c1 == 's' || c1 == 't' || c1 == 'm' || c1 == 'd') {
        take(pos + 2);
        continue;
      }
      if (pos + 2 < n) {
        const uint32_t c2 = cps[pos + 2];
        if ((c1 == 'r' && c2 == 'e') || (c1 == 'v' && c2 == 'e') || (c1 == 'l' && c2 == 'l')) {
          take(pos + 3);
          continue;
        }
      }
    }
    const size_t at = pos + (c == ' ' ? 1 : 0); // after the optional space
    if (is(at, kClassLetter)) {
      size_t p = at;
      while (is(p, kClassLetter))
        ++p;
      take(p);
      continue;
    }
    if (is(at, kClassNumber)) {
      size_t p = at;
      while (is(p, kClassNumber))
        ++p;
      take(p);
      continue;
    }
    if (other(at)) {
      size_t p = at;
      while (other(p))
        ++p;
      take(p);
      continue;
    }
    size_t spaces = 0;
    while (is(pos + spaces, kClassSpace))
      ++spaces;
    if (spaces > 1 && pos + spaces < n) { // \s+(?!\S): leave the last space to the word after
      take(pos + spaces - 1);
      continue;
    }
    take(pos + std::max<size_t>(spaces, 1));
  }
}

// ----------------------------------------------------------------------------
// decoding

std::string_view decode(const Tokenizer &t, int32_t prev, int32_t token) {
  if (token < 0 || token >= t.vocab_size)
    return {};
  const size_t begin = t.shown_offset[size_t(token)], end = t.shown_offset[size_t(token) + 1];
  std::string_view text(t.shown.data() + begin, end - begin);
  // After BOS, SentencePiece's decoder drops the space the encoder put
  // before the text (llama2.c PR #89).
  if (t.kind == TokenizerKind::Spm && t.add_space_prefix && prev >= 0 && prev == t.bos &&
      !text.empty() && text[0] == ' ')
    text.remove_prefix(1);
  return text;
}

bool piece_is_printable(std::string_view piece) {
  if (piece.empty())
    return false;
  if (piece.size() > 1)
    return true;
  return ascii_shown(static_cast<unsigned char>(piece[0]));
}

bool write_piece(FILE *out, std::string_view piece) {
  if (!piece_is_printable(piece))
    return true;
  return std::fwrite(piece.data(), 1, piece.size(), out) == piece.size();
}

// ----------------------------------------------------------------------------
// the text stream

void text_stream_put(TextStream *s, std::string_view bytes, std::string *out) {
  for (size_t i = 0; i < bytes.size();) {
    const unsigned char c = static_cast<unsigned char>(bytes[i]);
    if (s->pending_len > 0) {
      if (c >= s->lo && c <= s->hi) {
        s->pending[s->pending_len++] = c;
        s->lo = 0x80;
        s->hi = 0xBF;
        if (s->pending_len == s->need) {
          out->append(reinterpret_cast<const char *>(s->pending), size_t(s->need));
          s->pending_len = 0;
        }
        ++i;
        continue;
      }
      // Cut short: the bytes so far are one invalid subpart; `c` starts afresh.
      out->append(kReplacement);
      s->pending_len = 0;
      continue;
    }
    ++i;
    unsigned char lo, hi;
    const int need = lead_info(c, &lo, &hi);
    if (need == 1) {
      if (ascii_shown(c))
        out->push_back(static_cast<char>(c));
    } else if (need == 0) {
      out->append(kReplacement);
    } else {
      s->pending[0] = c;
      s->pending_len = 1;
      s->need = need;
      s->lo = lo;
      s->hi = hi;
    }
  }
}

void text_stream_finish(TextStream *s, std::string *out) {
  if (s->pending_len > 0)
    out->append(kReplacement);
  s->pending_len = 0;
  s->lo = 0x80;
  s->hi = 0xBF;
}

} // namespace attnrt
