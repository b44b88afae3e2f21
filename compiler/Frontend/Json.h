//===- Json.h - Bounded JSON documents with typed, named fields -*- C++ -*-===//
//
// The JSON files of a checkpoint (a Hugging Face config.json, a safetensors
// header, a shard index, a tokenizer.json) are parsed here with llvm::json,
// after two checks that llvm::json does not make: the text is at most as long
// as the caller allows, and its brackets nest at most kMaxJsonDepth deep
// (llvm::json::parse, and the destructor of what it returns, recurse once per
// level, so `[[[[...` a megabyte deep would overflow the stack). Errors name
// the file with a line and column, `config.json:3:17: ...`, in the text of the
// message rather than as a SourceMgr location: these files are often one huge
// line, which SourceMgr would print whole under the message. A key repeated
// in one object is refused (llvm::json would keep the last silently).
//
// The field readers report what was expected and what was found, naming the
// key by its path from the root, e.g.
//   config.json: 'num_attention_heads' must be a positive integer, got "8"
// Absent and null optional fields are treated alike (Hugging Face writes
// `"sliding_window": null` for "no sliding window").
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_FRONTEND_JSON_H
#define ATTNC_FRONTEND_JSON_H

#include "llvm/ADT/StringRef.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/SMLoc.h"
#include "llvm/Support/SourceMgr.h"
#include <cstdint>
#include <limits>
#include <optional>
#include <string>

namespace attnc {

/// The deepest nesting of arrays and objects accepted. Real checkpoint files
/// nest less than 10 deep (a tokenizer.json's merges are 3 deep).
constexpr unsigned kMaxJsonDepth = 64;

/// Where a JSON document came from, for messages: `name` is how the file is
/// named in them (e.g. "config.json" or a path), `loc` where the user named
/// it (invalid: from the command line).
struct JsonSource {
  std::string name;
  llvm::SMLoc loc;
  llvm::SourceMgr *sm = nullptr;

  /// Reports `NAME: msg`; returns false.
  bool fail(const llvm::Twine &msg) const;
};

/// Returns the offset of the first bracket that opens a level deeper than
/// `maxDepth` (brackets inside strings do not count), or std::nullopt.
std::optional<size_t> findTooDeep(llvm::StringRef text, unsigned maxDepth = kMaxJsonDepth);

/// Returns the offset of the first key that repeats an earlier key of the
/// same object, or std::nullopt. `text` must be valid JSON; keys are compared
/// as written (escapes are not decoded).
std::optional<size_t> findDuplicateKey(llvm::StringRef text);

/// The 1-based line and column of byte `offset` of `text`.
std::pair<unsigned, unsigned> lineAndColumn(llvm::StringRef text, size_t offset);

/// Parses `text` as one JSON value after checking its nesting. Errors:
///   NAME:1:7: JSON nests deeper than 64 levels
///   NAME:2:3: invalid JSON: Expected , or } after object property
///   NAME:4:3: duplicate key "hidden_size"
std::optional<llvm::json::Value> parseJson(llvm::StringRef text, const JsonSource &source,
                                           unsigned maxDepth = kMaxJsonDepth);

/// Reads the file `path` (through readInputFile: a regular file of at most
/// `maxBytes` bytes, refused by `what`, e.g. "config") and parses it; errors
/// name the file as `source.name`.
std::optional<llvm::json::Value> readJsonFile(llvm::StringRef path, llvm::StringRef what,
                                              uint64_t maxBytes, const JsonSource &source);

/// A short rendering of `value` for "got ..." in messages: JSON text, cut to
/// about 40 characters ("[1,2,3,...]").
std::string describeJson(const llvm::json::Value &value);

/// Whether a field must be there.
enum class Need { Required, Optional };

/// The typed readers of one JSON object, whose own key path is `path` (empty
/// for the document's root, "model" or "rope_scaling" for nested ones). Each
/// getter returns false after reporting an error; an absent or null Optional
/// field leaves `out` as it was and returns true (use `has` to tell).
class JsonObjectReader {
public:
  JsonObjectReader(const llvm::json::Object &object, const JsonSource &source,
                   std::string path = "")
      : object(object), source(source), path(std::move(path)) {}

  const llvm::json::Object &get() const { return object; }
  /// The key path of `key` in messages: "key", "path.key".
  std::string keyPath(llvm::StringRef key) const;
  /// Whether `key` is present and not null.
  bool has(llvm::StringRef key) const;

  /// An integer in [min, max].
  bool getInt(llvm::StringRef key, int64_t &out, Need need = Need::Required,
              int64_t min = std::numeric_limits<int64_t>::min(),
              int64_t max = std::numeric_limits<int64_t>::max()) const;
  /// An integer in [1, max].
  bool getPositiveInt(llvm::StringRef key, int64_t &out, Need need = Need::Required,
                      int64_t max = std::numeric_limits<int64_t>::max()) const;
  /// A finite number (an integer is accepted) in [min, max].
  bool getNumber(llvm::StringRef key, double &out, Need need = Need::Required,
                 double min = -std::numeric_limits<double>::max(),
                 double max = std::numeric_limits<double>::max()) const;
  bool getBool(llvm::StringRef key, bool &out, Need need = Need::Required) const;
  bool getString(llvm::StringRef key, std::string &out, Need need = Need::Required) const;
  /// `out` is set to the object or array, or to null when an Optional one is
  /// absent or null.
  bool getObject(llvm::StringRef key, const llvm::json::Object *&out,
                 Need need = Need::Required) const;
  bool getArray(llvm::StringRef key, const llvm::json::Array *&out,
                Need need = Need::Required) const;

  /// Reports `NAME: 'PATH.key' must be WHAT, got VALUE` (or `is missing`).
  bool failKey(llvm::StringRef key, const llvm::Twine &what) const;

private:
  /// The value of `key`, or null when absent or null; reports a missing
  /// required field (then `ok` is false).
  const llvm::json::Value *lookup(llvm::StringRef key, Need need, bool &ok,
                                  const llvm::Twine &what) const;

  const llvm::json::Object &object;
  JsonSource source;
  std::string path;
};

} // namespace attnc

#endif // ATTNC_FRONTEND_JSON_H
