//===- YamlFields.h - Typed, located access to a YAML mapping ---*- C++ -*-===//
//
// The description parser reads YAML through LLVM's node API rather than
// yaml::IO because every mistake must be reported at its exact line and
// column, with a message that says what was expected there. LLVM's parser is
// a streaming one (a mapping can be walked once, and only while its parent is
// being walked), so the document is first copied into a small tree of
// YamlValue, each node with its location. Fields then wraps one mapping of
// that tree: it checks the keys once (unknown, duplicate) and hands out typed
// values, each getter reporting its own errors at the offending node. The
// first error stops the parse, so every function here returns false (or null)
// after reporting and callers chain them with `&&`.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_FRONTEND_YAMLFIELDS_H
#define ATTNC_FRONTEND_YAMLFIELDS_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/SourceMgr.h"
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace attnc {

/// A YAML node copied out of LLVM's streaming parser.
struct YamlValue {
  enum class Kind { Null, Scalar, Mapping, Sequence, Alias };
  struct Entry {
    std::string key;
    llvm::SMLoc keyLoc;
    std::unique_ptr<YamlValue> value;
  };

  Kind kind = Kind::Null;
  llvm::SMLoc loc;
  std::string text;           // Scalar: the value with quotes and escapes resolved
  std::vector<Entry> entries; // Mapping: in file order (sequence items are not kept)

  /// "a mapping", "'abc'", ... for messages that say what was found.
  std::string describe() const;
};

/// Parses buffer `bufferId` of `sm`, which must hold exactly one YAML
/// document. Syntax errors are reported by LLVM's parser through `sm`.
std::unique_ptr<YamlValue> readYamlDocument(llvm::SourceMgr &sm, unsigned bufferId);

/// Whether a getter reports a missing key (at the mapping) or leaves its
/// output, which holds the default, unchanged.
enum class Need { Optional, Required };

/// One allowed spelling of an enumerated value and what it means.
template <typename E> struct Choice {
  llvm::StringRef name;
  E value;
};

/// The entries of one mapping of a description file.
class Fields {
public:
  explicit Fields(llvm::SourceMgr &sm) : sm(sm) {}

  /// Takes `node` as the mapping called `path` in messages ("" for the top
  /// level, else e.g. "attention"), whose keys must be among `allowed`.
  bool open(const YamlValue &node, llvm::StringRef path, llvm::ArrayRef<llvm::StringRef> allowed);

  /// The value of `key`, or null when it is absent.
  const YamlValue *find(llvm::StringRef key) const;
  /// Where `key`'s value is, or where the mapping is when `key` is absent (so
  /// that a problem with a defaulted value still points somewhere useful).
  llvm::SMLoc loc(llvm::StringRef key) const;
  /// Where the key `key` itself is written; invalid when it is absent.
  llvm::SMLoc keyLoc(llvm::StringRef key) const;
  /// `path.key`, as messages name it.
  std::string name(llvm::StringRef key) const;

  /// The value of `key`, whatever its kind (for nested mappings); null if it
  /// is absent and optional, or after reporting that it is missing.
  const YamlValue *getNode(llvm::StringRef key, Need need);
  /// A decimal integer >= 1.
  bool getPositive(llvm::StringRef key, int64_t &out, Need need);
  /// A decimal integer >= -1 (-1: none).
  bool getTokenId(llvm::StringRef key, int64_t &out, Need need);
  /// A decimal integer in [0, 2^64).
  bool getUnsigned(llvm::StringRef key, uint64_t &out, Need need);
  /// A floating-point number > 0 that is finite and normal as a float32.
  bool getPositiveReal(llvm::StringRef key, double &out, Need need);
  /// true/false (and YAML's other spellings: yes/no, on/off).
  bool getBool(llvm::StringRef key, bool &out, Need need);
  /// A non-empty string.
  bool getString(llvm::StringRef key, std::string &out, Need need);
  /// One of `choices`; a wrong value is reported with the allowed ones.
  template <typename E>
  bool getEnum(llvm::StringRef key, llvm::ArrayRef<Choice<E>> choices, E &out, Need need) {
    llvm::SmallVector<llvm::StringRef, 4> names;
    for (const Choice<E> &c : choices)
      names.push_back(c.name);
    std::optional<size_t> index;
    if (!getChoice(key, names, index, need))
      return false;
    if (index)
      out = choices[*index].value;
    return true;
  }

  /// Reports `msg` at `loc`; returns false.
  bool error(llvm::SMLoc loc, const llvm::Twine &msg) const;

private:
  bool getChoice(llvm::StringRef key, llvm::ArrayRef<llvm::StringRef> names,
                 std::optional<size_t> &index, Need need);
  /// Sets `out` to `key`'s scalar value, or to null if the key is absent and
  /// optional; false after reporting that it is missing or not a scalar.
  /// `expected` ("a positive integer") completes the messages.
  bool getScalar(llvm::StringRef key, llvm::StringRef expected, Need need, const YamlValue *&out);
  /// Reports that `key`'s value is not `expected`; returns false.
  bool badValue(llvm::StringRef key, const llvm::Twine &expected);

  llvm::SourceMgr &sm;
  const YamlValue *mapping = nullptr;
  std::string path;
};

} // namespace attnc

#endif // ATTNC_FRONTEND_YAMLFIELDS_H
