//===- TokenizerImport.cpp - Every tokenizer source to one format ---------===//
//
// Each source is read into the runtime's TokenizerData (pieces, scores,
// types, merges by id, special ids, flags), checked field by field with
// messages that name the file, the key and the index, then serialized and
// loaded back with the runtime's parser as the final check. Sizes read from
// a file are bounded by what the file holds before anything is reserved for
// them: the GGUF reader checks array counts against the bytes that remain,
// the JSON reader bounds the document's size.
//
//===----------------------------------------------------------------------===//
#include "compiler/Frontend/TokenizerImport.h"

#include "compiler/Frontend/Diagnostics.h"
#include "compiler/Frontend/Gguf.h"
#include "compiler/Frontend/InputFile.h"
#include "compiler/Frontend/Json.h"
#include "runtime/include/attnrt/tokenizer.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/JSON.h"

#include <algorithm>
#include <cmath>

using namespace llvm;

namespace attnc {

namespace {

using attnrt::TokenizerData;
using attnrt::TokenizerKind;
using attnrt::TokenType;

/// The most bytes of tokenizer.json read: real ones are a few MB (Llama 3's
/// is 9 MB, with 280k merges).
constexpr uint64_t kMaxTokenizerJsonBytes = uint64_t(256) << 20;

const char kSpace[] = "\xE2\x96\x81"; // U+2581, SentencePiece's space

/// Reports errors as "NAME: msg" at `loc`.
struct Reporter {
  SourceMgr &sm;
  SMLoc loc;
  std::string name;
  bool fail(const Twine &msg) const { return reportError(sm, loc, name + ": " + msg); }
};

/// `<0xNN>`, a SentencePiece byte-fallback piece.
bool isByteToken(StringRef piece) {
  return piece.size() == 6 && piece.starts_with("<0x") && piece.ends_with(">") &&
         isHexDigit(piece[3]) && isHexDigit(piece[4]);
}

/// Checks what every source shares: the token count against the model, the
/// special ids against the tokens, a finite score, types in range.
bool checkCommon(const TokenizerData &d, int64_t vocabSize, const Reporter &r) {
  const size_t n = d.pieces.size();
  if (n == 0)
    return r.fail("the tokenizer has no tokens");
  if (int64_t(n) > vocabSize)
    return r.fail("the tokenizer has " + Twine(n) + " tokens, more than the model's vocab_size " +
                  Twine(vocabSize) + " (a tokenizer of another model?)");
  const struct {
    const char *name;
    int32_t id;
  } ids[] = {{"BOS", d.bos}, {"EOS", d.eos}, {"unknown", d.unk}};
  for (const auto &s : ids)
    if (s.id < -1 || s.id >= int64_t(n))
      return r.fail(Twine("the ") + s.name + " token id " + Twine(s.id) +
                    " is out of range: the tokenizer has " + Twine(n) + " tokens");
  if (d.add_bos && d.bos < 0)
    return r.fail("the tokenizer asks for a BOS token before the text but has none");
  for (size_t i = 0; i < n; ++i) {
    if (i < d.scores.size() && !std::isfinite(d.scores[i]))
      return r.fail("token " + Twine(i) + " has a non-finite score");
    if (i < d.types.size() && d.types[i] == TokenType::Byte && !isByteToken(d.pieces[i]))
      return r.fail("token " + Twine(i) + " is typed as a byte token but its piece is not <0xNN>");
    if (d.pieces[i].size() > UINT32_MAX)
      return r.fail("token " + Twine(i) + " is longer than 4 GiB");
  }
  return true;
}

/// Resolves merge rule `rank` ("left right") to ids; `what` names it.
bool addMerge(TokenizerData &d, const StringMap<int32_t> &ids, StringRef left, StringRef right,
              const Twine &what, const Reporter &r) {
  auto id = [&](StringRef piece) {
    auto it = ids.find(piece);
    return it == ids.end() ? -1 : it->second;
  };
  const int32_t l = id(left), rr = id(right);
  if (l < 0 || rr < 0)
    return r.fail(what + " names '" + (l < 0 ? left : right) + "', which is not a token");
  const int32_t m = id((left + right).str());
  if (m < 0)
    return r.fail(what + " joins '" + left + "' and '" + right +
                  "' into a piece that is not a token");
  d.merges.push_back({l, rr, m});
  return true;
}

StringMap<int32_t> indexPieces(const TokenizerData &d) {
  StringMap<int32_t> ids;
  for (size_t i = 0; i < d.pieces.size(); ++i)
    ids.try_emplace(d.pieces[i], int32_t(i)); // a duplicate keeps the lower id
  return ids;
}

// ----------------------------------------------------------------------------
// llama2.c's tokenizer.bin

bool fromLlama2c(StringRef bytes, int64_t vocabSize, const Reporter &r, TokenizerData &d) {
  if (vocabSize < 1 || vocabSize > INT32_MAX)
    return r.fail("the model's vocab_size " + Twine(vocabSize) + " is not a token count");
  attnrt::Tokenizer t;
  attnrt::Status st = attnrt::tokenizer_create(
      &t, reinterpret_cast<const unsigned char *>(bytes.data()), bytes.size(), int32_t(vocabSize));
  if (!st.ok())
    return r.fail(st.message());
  d.kind = TokenizerKind::Spm;
  d.pieces.reserve(size_t(t.vocab_size));
  for (int32_t i = 0; i < t.vocab_size; ++i)
    d.pieces.emplace_back(attnrt::tokenizer_piece(t, i));
  d.scores = t.score;
  d.types = t.type;
  d.bos = t.bos;
  d.eos = t.eos;
  d.unk = t.unk;
  d.add_bos = t.add_bos;
  d.add_space_prefix = t.add_space_prefix;
  attnrt::tokenizer_destroy(&t);
  return true;
}

// ----------------------------------------------------------------------------
// GGUF

bool fromGguf(std::unique_ptr<MemoryBuffer> buffer, int64_t vocabSize, const Reporter &r,
              TokenizerData &d, std::string &source) {
  Expected<std::unique_ptr<GgufFile>> parsed = GgufFile::parse(std::move(buffer), r.name);
  if (!parsed)
    return reportError(r.sm, r.loc, toString(parsed.takeError()));
  const GgufFile &f = **parsed;
  auto fail = [&](Error e) { return reportError(r.sm, r.loc, toString(std::move(e))); };

  Expected<StringRef> model = f.getString("tokenizer.ggml.model");
  if (!model)
    return fail(model.takeError());
  const bool llama = *model == "llama", gpt2 = *model == "gpt2";
  if (!llama && !gpt2)
    return r.fail("tokenizer.ggml.model is '" + *model +
                  "': only 'llama' (SentencePiece BPE) and 'gpt2' (byte-level BPE) are supported");
  d.kind = llama ? TokenizerKind::Spm : TokenizerKind::Gpt2;
  source = llama ? "GGUF llama (spm)" : "GGUF gpt2 (byte-level BPE)";
  if (gpt2 && f.lookup("tokenizer.ggml.pre")) {
    Expected<StringRef> pre = f.getString("tokenizer.ggml.pre");
    if (!pre)
      return fail(pre.takeError());
    if (*pre != "gpt-2")
      return r.fail("tokenizer.ggml.pre is '" + *pre +
                    "': only GPT-2's pre-tokenizer ('gpt-2') is implemented");
  }

  Expected<ArrayRef<StringRef>> tokens = f.getStringArray("tokenizer.ggml.tokens");
  if (!tokens)
    return fail(tokens.takeError());
  const size_t n = tokens->size();
  if (int64_t(n) > vocabSize)
    return r.fail("tokenizer.ggml.tokens has " + Twine(n) +
                  " tokens, more than the model's vocab_size " + Twine(vocabSize));
  d.pieces.reserve(n);
  for (StringRef p : *tokens)
    d.pieces.push_back(p.str());

  if (f.lookup("tokenizer.ggml.scores")) {
    Expected<std::vector<float>> scores = f.getFloatArray("tokenizer.ggml.scores");
    if (!scores)
      return fail(scores.takeError());
    if (scores->size() != n)
      return r.fail("tokenizer.ggml.scores has " + Twine(scores->size()) +
                    " entries but tokenizer.ggml.tokens has " + Twine(n));
    d.scores = std::move(*scores);
  }
  if (f.lookup("tokenizer.ggml.token_type")) {
    Expected<std::vector<int64_t>> types = f.getIntArray("tokenizer.ggml.token_type");
    if (!types)
      return fail(types.takeError());
    if (types->size() != n)
      return r.fail("tokenizer.ggml.token_type has " + Twine(types->size()) +
                    " entries but tokenizer.ggml.tokens has " + Twine(n));
    d.types.reserve(n);
    for (size_t i = 0; i < n; ++i) {
      int64_t t = (*types)[i];
      if (t < 1 || t > 6)
        return r.fail("tokenizer.ggml.token_type[" + Twine(i) + "] is " + Twine(t) +
                      ", expected 1..6 (normal, unknown, control, user-defined, unused, byte)");
      d.types.push_back(TokenType(t));
    }
  }
  const bool untyped = d.types.empty();
  if (untyped && llama) {
    // Without types, the `<0xNN>` pieces are the byte fallback (llama.cpp
    // looks them up by text).
    d.types.assign(n, TokenType::Normal);
    for (size_t i = 0; i < n; ++i)
      if (isByteToken(d.pieces[i]))
        d.types[i] = TokenType::Byte;
  }

  if (gpt2) {
    Expected<ArrayRef<StringRef>> merges = f.getStringArray("tokenizer.ggml.merges");
    if (!merges)
      return fail(merges.takeError());
    StringMap<int32_t> ids = indexPieces(d);
    d.merges.reserve(merges->size());
    for (size_t i = 0; i < merges->size(); ++i) {
      StringRef m = (*merges)[i];
      size_t space = m.find(' ', 1);
      if (space == StringRef::npos)
        return r.fail("tokenizer.ggml.merges[" + Twine(i) + "] is '" + m +
                      "', expected two pieces separated by a space");
      if (!addMerge(d, ids, m.substr(0, space), m.substr(space + 1),
                    "tokenizer.ggml.merges[" + Twine(i) + "]", r))
        return false;
    }
  }

  // Special ids: llama.cpp's defaults for SentencePiece vocabularies are 1,
  // 2 and 0; GPT-2 ones have none unless the file says.
  auto special = [&](StringRef key, int32_t fallback, int32_t &out) {
    out = fallback;
    if (!f.lookup(key))
      return true;
    Expected<uint64_t> v = f.getUInt(key);
    if (!v)
      return fail(v.takeError());
    if (*v >= n)
      return r.fail(key + " is " + Twine(*v) + ", beyond the " + Twine(n) + " tokens");
    out = int32_t(*v);
    return true;
  };
  auto bounded = [&](int32_t id) { return id < int64_t(n) ? id : -1; };
  if (!special("tokenizer.ggml.bos_token_id", llama ? bounded(1) : -1, d.bos) ||
      !special("tokenizer.ggml.eos_token_id", llama ? bounded(2) : -1, d.eos) ||
      !special("tokenizer.ggml.unknown_token_id", llama ? bounded(0) : -1, d.unk))
    return false;
  auto flag = [&](StringRef key, bool fallback, bool &out) {
    out = fallback;
    if (!f.lookup(key))
      return true;
    Expected<bool> v = f.getBool(key);
    if (!v)
      return fail(v.takeError());
    out = *v;
    return true;
  };
  if (!flag("tokenizer.ggml.add_bos_token", llama && d.bos >= 0, d.add_bos) ||
      !flag("tokenizer.ggml.add_space_prefix", llama, d.add_space_prefix))
    return false;
  if (untyped) {
    // BOS and EOS are markers, not text; the unknown token is unknown.
    d.types.resize(n, TokenType::Normal);
    for (int32_t id : {d.bos, d.eos})
      if (id >= 0)
        d.types[size_t(id)] = TokenType::Control;
    if (d.unk >= 0)
      d.types[size_t(d.unk)] = TokenType::Unknown;
  }
  if (gpt2 && d.add_space_prefix)
    return r.fail("tokenizer.ggml.add_space_prefix is true for a gpt2 vocabulary: not supported");
  return true;
}

// ----------------------------------------------------------------------------
// tokenizer.json

/// The `type` of a JSON object, or "" (null or absent: "").
std::string typeOf(const json::Value *v) {
  if (!v)
    return "";
  const json::Object *o = v->getAsObject();
  if (!o)
    return "?";
  if (std::optional<StringRef> t = o->getString("type"))
    return t->str();
  return "?";
}

/// Whether `v` is a normalizer that does SentencePiece's escaping: Replace
/// " " by U+2581, optionally after Prepend U+2581 (sets `prepend`).
bool spmNormalizer(const json::Value *v, bool &prepend) {
  prepend = false;
  if (!v || !v->getAsObject())
    return false;
  const json::Object &o = *v->getAsObject();
  std::vector<const json::Object *> steps;
  if (typeOf(v) == "Sequence") {
    const json::Array *a = o.getArray("normalizers");
    if (!a)
      return false;
    for (const json::Value &s : *a) {
      if (!s.getAsObject())
        return false;
      steps.push_back(s.getAsObject());
    }
  } else {
    steps.push_back(&o);
  }
  bool replace = false;
  for (const json::Object *s : steps) {
    std::optional<StringRef> type = s->getString("type");
    if (type == "Prepend" && s->getString("prepend") == StringRef(kSpace) && !replace) {
      prepend = true;
    } else if (type == "Replace") {
      const json::Object *pattern = s->getObject("pattern");
      if (!pattern || pattern->getString("String") != StringRef(" ") ||
          s->getString("content") != StringRef(kSpace))
        return false;
      replace = true;
    } else {
      return false;
    }
  }
  return replace;
}

bool fromJson(StringRef text, int64_t vocabSize, const Reporter &r, TokenizerData &d,
              std::string &source) {
  JsonSource js{r.name, r.loc, &r.sm};
  std::optional<json::Value> doc = parseJson(text, js);
  if (!doc)
    return false;
  const json::Object *root = doc->getAsObject();
  if (!root)
    return r.fail("expected a JSON object at the top, got " + describeJson(*doc));
  JsonObjectReader top(*root, js);
  const json::Object *modelObj = nullptr;
  if (!top.getObject("model", modelObj))
    return false;
  JsonObjectReader model(*modelObj, js, "model");
  std::string type;
  if (!model.getString("type", type))
    return false;
  if (type != "BPE")
    return r.fail("model.type is '" + type + "': only BPE tokenizers are supported");
  bool byteFallback = false, ignoreMerges = false;
  if (!model.getBool("byte_fallback", byteFallback, Need::Optional) ||
      !model.getBool("ignore_merges", ignoreMerges, Need::Optional))
    return false;
  if (ignoreMerges)
    return r.fail("model.ignore_merges is true (Llama 3 style): not supported");
  for (const char *key : {"continuing_subword_prefix", "end_of_word_suffix"}) {
    std::string affix; // GPT-2's own tokenizer.json writes "" for none
    if (!model.getString(key, affix, Need::Optional))
      return false;
    if (!affix.empty())
      return r.fail(Twine("model.") + key + " is '" + affix +
                    "': not supported (neither GPT-2 nor SentencePiece BPE has one)");
  }

  const json::Value *normalizer = root->get("normalizer");
  const json::Value *pre = root->get("pre_tokenizer");
  if (normalizer && normalizer->kind() == json::Value::Null)
    normalizer = nullptr;
  if (pre && pre->kind() == json::Value::Null)
    pre = nullptr;
  bool prepend = false;
  if (!byteFallback && typeOf(pre) == "ByteLevel" && !normalizer) {
    bool addPrefix = false, useRegex = true;
    JsonObjectReader p(*pre->getAsObject(), js, "pre_tokenizer");
    if (!p.getBool("add_prefix_space", addPrefix, Need::Optional) ||
        !p.getBool("use_regex", useRegex, Need::Optional))
      return false;
    if (addPrefix || !useRegex)
      return r.fail("pre_tokenizer ByteLevel with add_prefix_space true or use_regex false: "
                    "only GPT-2's (false, true) is supported");
    d.kind = TokenizerKind::Gpt2;
    source = "tokenizer.json GPT-2 byte-level BPE";
  } else if (byteFallback && !pre && spmNormalizer(normalizer, prepend)) {
    d.kind = TokenizerKind::Spm;
    d.add_space_prefix = prepend;
    source = "tokenizer.json SentencePiece BPE";
  } else {
    return r.fail("unsupported BPE variant: normalizer '" + typeOf(normalizer) +
                  "', pre_tokenizer '" + typeOf(pre) + "', byte_fallback " +
                  (byteFallback ? "true" : "false") +
                  " (supported: GPT-2's ByteLevel, and SentencePiece's Prepend/Replace of "
                  "U+2581 with byte_fallback)");
  }

  // Tokens: model.vocab, then added_tokens, by id; every id up to the
  // largest must be given exactly once.
  const json::Object *vocab = nullptr;
  if (!model.getObject("vocab", vocab))
    return false;
  const json::Array *added = nullptr;
  if (!top.getArray("added_tokens", added, Need::Optional))
    return false;
  const size_t given = vocab->size() + (added ? added->size() : 0);
  if (given == 0)
    return r.fail("model.vocab is empty");
  std::vector<bool> seen(given, false);
  d.pieces.assign(given, std::string());
  d.types.assign(given, TokenType::Normal);
  size_t count = 0;
  auto place = [&](int64_t id, StringRef piece, TokenType t, const Twine &what) {
    if (id < 0 || uint64_t(id) >= given)
      return r.fail(what + " has id " + Twine(id) + ", expected 0.." + Twine(given - 1) +
                    " (ids must be dense)");
    if (seen[size_t(id)]) {
      // added_tokens repeat vocab entries (GPT-2's <|endoftext|>): same piece only.
      if (d.pieces[size_t(id)] != piece)
        return r.fail(what + " has id " + Twine(id) + ", which is already '" +
                      d.pieces[size_t(id)] + "'");
      d.types[size_t(id)] = t;
      return true;
    }
    seen[size_t(id)] = true;
    d.pieces[size_t(id)] = piece.str();
    d.types[size_t(id)] = t;
    ++count;
    return true;
  };
  for (const auto &kv : *vocab) {
    std::optional<int64_t> id = kv.second.getAsInteger();
    if (!id)
      return r.fail("model.vocab['" + StringRef(kv.first) + "'] must be an integer id, got " +
                    describeJson(kv.second));
    TokenType t = d.kind == TokenizerKind::Spm && isByteToken(kv.first) ? TokenType::Byte
                                                                         : TokenType::Normal;
    if (!place(*id, kv.first, t, "model.vocab['" + StringRef(kv.first) + "']"))
      return false;
  }
  if (added) {
    for (size_t i = 0; i < added->size(); ++i) {
      const json::Object *o = (*added)[i].getAsObject();
      if (!o)
        return r.fail("added_tokens[" + Twine(i) + "] must be an object, got " +
                      describeJson((*added)[i]));
      JsonObjectReader a(*o, js, "added_tokens[" + std::to_string(i) + "]");
      int64_t id = 0;
      std::string content;
      bool special = false;
      if (!a.getInt("id", id) || !a.getString("content", content) ||
          !a.getBool("special", special, Need::Optional))
        return false;
      if (!place(id, content, special ? TokenType::Control : TokenType::UserDefined,
                 "added_tokens[" + Twine(i) + "]"))
        return false;
    }
  }
  if (count != given) {
    d.pieces.resize(count);
    d.types.resize(count);
    for (size_t i = 0; i < count; ++i)
      if (!seen[i])
        return r.fail("no token has id " + Twine(i) + " (ids must be dense)");
  }
  const size_t n = d.pieces.size();
  if (int64_t(n) > vocabSize)
    return r.fail("the tokenizer has " + Twine(n) + " tokens (model.vocab and added_tokens), "
                  "more than the model's vocab_size " + Twine(vocabSize));

  // Merges: "a b" strings or ["a", "b"] pairs, in rank order.
  const json::Array *merges = nullptr;
  if (!model.getArray("merges", merges))
    return false;
  StringMap<int32_t> ids = indexPieces(d);
  d.merges.reserve(merges->size());
  for (size_t i = 0; i < merges->size(); ++i) {
    const json::Value &m = (*merges)[i];
    StringRef left, right;
    if (std::optional<StringRef> s = m.getAsString()) {
      size_t space = s->find(' ', 1);
      if (space == StringRef::npos)
        return r.fail("model.merges[" + Twine(i) + "] is '" + *s +
                      "', expected two pieces separated by a space");
      left = s->substr(0, space);
      right = s->substr(space + 1);
    } else if (const json::Array *pair = m.getAsArray();
               pair && pair->size() == 2 && (*pair)[0].getAsString() && (*pair)[1].getAsString()) {
      left = *(*pair)[0].getAsString();
      right = *(*pair)[1].getAsString();
    } else {
      return r.fail("model.merges[" + Twine(i) + "] must be \"left right\" or [left, right], got " +
                    describeJson(m));
    }
    if (!addMerge(d, ids, left, right, "model.merges[" + Twine(i) + "]", r))
      return false;
  }
  if (d.kind == TokenizerKind::Spm) {
    // SentencePiece merges by score: a merge's result scores by its rank
    // (the first merge highest), every other piece below all of them.
    const float floor = -float(d.merges.size()) - 1.0f;
    d.scores.assign(n, floor);
    for (size_t i = d.merges.size(); i-- > 0;)
      d.scores[size_t(d.merges[i].merged)] = -float(i);
    d.merges.clear();
  }

  // Special tokens: tokenizer.json does not name them; the unknown token is
  // model.unk_token, BOS the first special token of the post-processor's
  // template (which is also what add_bos means), else the usual names.
  std::string unk;
  if (!model.getString("unk_token", unk, Need::Optional))
    return false;
  if (!unk.empty()) {
    auto it = ids.find(unk);
    if (it == ids.end())
      return r.fail("model.unk_token '" + unk + "' is not a token");
    d.unk = it->second;
    if (d.types[size_t(d.unk)] == TokenType::Control)
      d.types[size_t(d.unk)] = TokenType::Unknown; // an added token, but the unknown one
  }
  auto named = [&](std::initializer_list<const char *> names) {
    for (const char *name : names) {
      auto it = ids.find(name);
      if (it != ids.end())
        return it->second;
    }
    return -1;
  };
  d.bos = named({"<s>", "<|begin_of_text|>", "<|endoftext|>"});
  d.eos = named({"</s>", "<|end_of_text|>", "<|endoftext|>"});
  d.add_bos = false;
  if (const json::Object *post = root->getObject("post_processor")) {
    if (post->getString("type") == StringRef("TemplateProcessing")) {
      const json::Array *single = post->getArray("single");
      const json::Object *first = single && !single->empty() ? (*single)[0].getAsObject() : nullptr;
      const json::Object *tok = first ? first->getObject("SpecialToken") : nullptr;
      if (tok) {
        if (std::optional<StringRef> name = tok->getString("id")) {
          auto it = ids.find(*name);
          if (it == ids.end())
            return r.fail("post_processor.single[0] names '" + *name + "', which is not a token");
          d.bos = it->second;
          d.add_bos = true;
        }
      }
    }
  }
  return true;
}

} // namespace

// ----------------------------------------------------------------------------
// entry points

bool convertTokenizer(TokenizerFormat format, std::unique_ptr<MemoryBuffer> buffer,
                      StringRef name, int64_t vocabSize, SourceMgr &sm, SMLoc loc,
                      TokenizerInfo &info) {
  Reporter r{sm, loc, name.str()};
  if (vocabSize < 1 || vocabSize > INT32_MAX)
    return r.fail("the model's vocab_size " + Twine(vocabSize) + " is not a token count");
  TokenizerData d;
  info = TokenizerInfo();
  bool ok = false;
  switch (format) {
  case TokenizerFormat::Llama2c:
    info.source = "llama2.c tokenizer.bin";
    ok = fromLlama2c(buffer->getBuffer(), vocabSize, r, d);
    break;
  case TokenizerFormat::Gguf:
    ok = fromGguf(std::move(buffer), vocabSize, r, d, info.source);
    break;
  case TokenizerFormat::HuggingFace:
    ok = fromJson(buffer->getBuffer(), vocabSize, r, d, info.source);
    break;
  }
  if (!ok || !checkCommon(d, vocabSize, r))
    return false;

  std::string bytes = attnrt::tokenizer_serialize(d);
  // The runtime's parser is the last word: what it refuses, the compiler refuses.
  attnrt::Tokenizer t;
  attnrt::Status st = attnrt::tokenizer_create_embedded(
      &t, reinterpret_cast<const unsigned char *>(bytes.data()), bytes.size(), int32_t(vocabSize));
  if (!st.ok())
    return r.fail("the converted tokenizer does not load: " + st.message());
  info.byteLevel = d.kind == TokenizerKind::Gpt2;
  info.tokens = t.vocab_size;
  info.longestPiece = t.longest;
  info.merges = int64_t(t.merges.size());
  info.special.bos = t.bos;
  info.special.eos = t.eos;
  info.special.addBos = t.add_bos;
  info.unk = t.unk;
  info.addSpacePrefix = t.add_space_prefix;
  attnrt::tokenizer_destroy(&t);
  info.bytes = MemoryBuffer::getMemBufferCopy(bytes, name);
  return true;
}

bool importTokenizer(const ModelSpec &spec, SourceMgr &sm, TokenizerInfo &info) {
  const FileRef &file = spec.tokenizer;
  InputFileOptions options;
  if (spec.tokenizerFormat == TokenizerFormat::HuggingFace)
    options.maxBytes = kMaxTokenizerJsonBytes;
  std::unique_ptr<MemoryBuffer> buffer =
      readInputFile(file.path, "tokenizer", file.loc, sm, options);
  if (!buffer)
    return false;
  return convertTokenizer(spec.tokenizerFormat, std::move(buffer), file.path, spec.vocabSize, sm,
                          file.loc, info);
}

int printTokenization(const TokenizerInfo &info, StringRef text, bool pieces, bool addBos,
                      raw_ostream &os) {
  if (!info.bytes) {
    errs() << "error: no tokenizer\n";
    return 1;
  }
  StringRef bytes = info.bytes->getBuffer();
  attnrt::Tokenizer t;
  attnrt::Status st = attnrt::tokenizer_create_embedded(
      &t, reinterpret_cast<const unsigned char *>(bytes.data()), bytes.size(),
      int32_t(std::max<int64_t>(1, std::min<int64_t>(info.tokens, INT32_MAX))));
  std::vector<int32_t> ids;
  if (st.ok())
    st = attnrt::encode(t, std::string_view(text.data(), text.size()), addBos, false, &ids);
  if (!st.ok()) {
    errs() << "error: " << st.message() << "\n";
    attnrt::tokenizer_destroy(&t);
    return 1;
  }
  if (!pieces) {
    os << "[";
    for (size_t i = 0; i < ids.size(); ++i)
      os << (i ? ", " : "") << ids[i];
    os << "]\n";
  } else {
    for (int32_t id : ids) {
      std::string_view piece = attnrt::tokenizer_piece(t, id);
      std::string_view shown = attnrt::decode(t, -1, id);
      bool control = t.type[size_t(id)] == TokenType::Control;
      StringRef s(shown.data(), shown.size());
      if (control || !json::isUTF8(s))
        s = StringRef(piece.data(), piece.size());
      os << format("%6d", id) << " -> '" << s << "'\n";
    }
  }
  attnrt::tokenizer_destroy(&t);
  return 0;
}

} // namespace attnc
