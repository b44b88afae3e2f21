//===- Json.cpp - Bounded JSON documents with typed, named fields ---------===//
//
// The nesting scan walks the text once, tracking only whether it is inside a
// string (and after a backslash there); it need not validate anything else,
// since llvm::json::parse does that on text that is now known to be shallow.
//
//===----------------------------------------------------------------------===//
#include "compiler/Frontend/Json.h"

#include "compiler/Frontend/Diagnostics.h"
#include "compiler/Frontend/InputFile.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"
#include <cmath>

using namespace llvm;

namespace attnc {

bool JsonSource::fail(const Twine &msg) const {
  return reportError(*sm, loc, name + ": " + msg);
}

std::optional<size_t> findTooDeep(StringRef text, unsigned maxDepth) {
  unsigned depth = 0;
  bool inString = false, escaped = false;
  for (size_t i = 0, e = text.size(); i != e; ++i) {
    char c = text[i];
    if (inString) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        inString = false;
      continue;
    }
    if (c == '"') {
      inString = true;
    } else if (c == '[' || c == '{') {
      if (++depth > maxDepth)
        return i;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth; // unbalanced closers are the parser's to report
    }
  }
  return std::nullopt;
}

std::optional<size_t> findDuplicateKey(StringRef text) {
  // Valid JSON only (the parser accepted it): a string followed by ':' is a
  // key of the innermost open object. Keys are compared as written.
  SmallVector<StringSet<>, 8> objects; // one per open object (arrays: an unused set)
  for (size_t i = 0, e = text.size(); i != e; ++i) {
    char c = text[i];
    if (c == '{' || c == '[') {
      objects.emplace_back();
    } else if ((c == '}' || c == ']') && !objects.empty()) {
      objects.pop_back();
    } else if (c == '"') {
      size_t begin = i++;
      for (bool escaped = false; i != e && (escaped || text[i] != '"'); ++i)
        escaped = !escaped && text[i] == '\\';
      size_t next = text.find_first_not_of(" \t\r\n", i + 1);
      if (next != StringRef::npos && text[next] == ':' && !objects.empty() &&
          !objects.back().insert(text.slice(begin + 1, i)).second)
        return begin;
    }
  }
  return std::nullopt;
}

std::pair<unsigned, unsigned> lineAndColumn(StringRef text, size_t offset) {
  offset = std::min(offset, text.size());
  StringRef before = text.take_front(offset);
  unsigned line = 1 + before.count('\n');
  size_t lastNewline = before.rfind('\n');
  unsigned column = lastNewline == StringRef::npos ? offset + 1 : offset - lastNewline;
  return {line, column};
}

std::optional<json::Value> parseJson(StringRef text, const JsonSource &source, unsigned maxDepth) {
  if (std::optional<size_t> deep = findTooDeep(text, maxDepth)) {
    auto [line, column] = lineAndColumn(text, *deep);
    reportError(*source.sm, source.loc,
                source.name + ":" + Twine(line) + ":" + Twine(column) +
                    ": JSON nests deeper than " + Twine(maxDepth) + " levels");
    return std::nullopt;
  }
  Expected<json::Value> value = json::parse(text);
  if (value) {
    // llvm::json keeps the last of two equal keys; which one was meant is
    // anybody's guess (a config.json with two hidden_size), so neither is.
    if (std::optional<size_t> duplicate = findDuplicateKey(text)) {
      auto [line, column] = lineAndColumn(text, *duplicate);
      size_t end = text.find('"', *duplicate + 1);
      reportError(*source.sm, source.loc,
                  source.name + ":" + Twine(line) + ":" + Twine(column) + ": duplicate key " +
                      text.slice(*duplicate, std::min(end + 1, *duplicate + 80)));
      return std::nullopt;
    }
    return std::move(*value);
  }
  // ParseError keeps its position private; its log text is
  // "[LINE:COL, byte=OFFSET]: MESSAGE", which is rewritten as "NAME:LINE:COL:".
  std::string logged = toString(value.takeError());
  StringRef rest(logged);
  std::string where, message = logged;
  if (rest.consume_front("[")) {
    size_t comma = rest.find(',');
    size_t close = rest.find("]: ");
    if (comma != StringRef::npos && close != StringRef::npos && comma < close) {
      where = ":" + rest.take_front(comma).str();
      message = rest.drop_front(close + 3).str();
    }
  }
  reportError(*source.sm, source.loc, source.name + where + ": invalid JSON: " + message);
  return std::nullopt;
}

std::optional<json::Value> readJsonFile(StringRef path, StringRef what, uint64_t maxBytes,
                                        const JsonSource &source) {
  InputFileOptions options;
  options.maxBytes = maxBytes;
  std::unique_ptr<MemoryBuffer> buffer = readInputFile(path, what, source.loc, *source.sm, options);
  if (!buffer)
    return std::nullopt;
  return parseJson(buffer->getBuffer(), source);
}

std::string describeJson(const json::Value &value) {
  std::string text;
  raw_string_ostream os(text);
  os << value;
  os.flush();
  constexpr size_t kMax = 40;
  if (text.size() > kMax)
    text = text.substr(0, kMax) + "...";
  return text;
}

std::string JsonObjectReader::keyPath(StringRef key) const {
  return path.empty() ? key.str() : path + "." + key.str();
}

bool JsonObjectReader::has(StringRef key) const {
  const json::Value *value = object.get(key);
  return value && value->kind() != json::Value::Null;
}

bool JsonObjectReader::failKey(StringRef key, const Twine &what) const {
  const json::Value *value = object.get(key);
  if (!value)
    return source.fail("'" + keyPath(key) + "' is missing (it must be " + what + ")");
  return source.fail("'" + keyPath(key) + "' must be " + what + ", got " + describeJson(*value));
}

const json::Value *JsonObjectReader::lookup(StringRef key, Need need, bool &ok,
                                            const Twine &what) const {
  ok = true;
  const json::Value *value = object.get(key);
  if (value && value->kind() != json::Value::Null)
    return value;
  if (need == Need::Required)
    ok = failKey(key, what);
  return nullptr;
}

bool JsonObjectReader::getInt(StringRef key, int64_t &out, Need need, int64_t min,
                              int64_t max) const {
  std::string what = "an integer";
  if (min != std::numeric_limits<int64_t>::min() || max != std::numeric_limits<int64_t>::max())
    what += " in [" + std::to_string(min) + ", " + std::to_string(max) + "]";
  bool ok;
  const json::Value *value = lookup(key, need, ok, what);
  if (!value)
    return ok;
  std::optional<int64_t> integer = value->getAsInteger();
  if (!integer || *integer < min || *integer > max)
    return failKey(key, what);
  out = *integer;
  return true;
}

bool JsonObjectReader::getPositiveInt(StringRef key, int64_t &out, Need need, int64_t max) const {
  std::string what = "a positive integer";
  if (max != std::numeric_limits<int64_t>::max())
    what += " of at most " + std::to_string(max);
  bool ok;
  const json::Value *value = lookup(key, need, ok, what);
  if (!value)
    return ok;
  std::optional<int64_t> integer = value->getAsInteger();
  if (!integer || *integer < 1 || *integer > max)
    return failKey(key, what);
  out = *integer;
  return true;
}

bool JsonObjectReader::getNumber(StringRef key, double &out, Need need, double min,
                                 double max) const {
  std::string what = "a number";
  if (min != -std::numeric_limits<double>::max() || max != std::numeric_limits<double>::max()) {
    std::string range;
    raw_string_ostream os(range);
    os << " in [" << min << ", " << max << "]";
    what += os.str();
  }
  bool ok;
  const json::Value *value = lookup(key, need, ok, what);
  if (!value)
    return ok;
  std::optional<double> number = value->getAsNumber();
  if (!number || !std::isfinite(*number) || *number < min || *number > max)
    return failKey(key, what);
  out = *number;
  return true;
}

bool JsonObjectReader::getBool(StringRef key, bool &out, Need need) const {
  bool ok;
  const json::Value *value = lookup(key, need, ok, "true or false");
  if (!value)
    return ok;
  std::optional<bool> boolean = value->getAsBoolean();
  if (!boolean)
    return failKey(key, "true or false");
  out = *boolean;
  return true;
}

bool JsonObjectReader::getString(StringRef key, std::string &out, Need need) const {
  bool ok;
  const json::Value *value = lookup(key, need, ok, "a string");
  if (!value)
    return ok;
  std::optional<StringRef> string = value->getAsString();
  if (!string)
    return failKey(key, "a string");
  out = string->str();
  return true;
}

bool JsonObjectReader::getObject(StringRef key, const json::Object *&out, Need need) const {
  out = nullptr;
  bool ok;
  const json::Value *value = lookup(key, need, ok, "an object");
  if (!value)
    return ok;
  out = value->getAsObject();
  return out ? true : failKey(key, "an object");
}

bool JsonObjectReader::getArray(StringRef key, const json::Array *&out, Need need) const {
  out = nullptr;
  bool ok;
  const json::Value *value = lookup(key, need, ok, "an array");
  if (!value)
    return ok;
  out = value->getAsArray();
  return out ? true : failKey(key, "an array");
}

} // namespace attnc
