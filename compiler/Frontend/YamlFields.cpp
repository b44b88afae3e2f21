//===- YamlFields.cpp - Typed, located access to a YAML mapping -----------===//
//
// Copies a YAML document out of LLVM's streaming parser into YamlValue nodes
// and implements the typed getters of Fields. Numbers are read with
// StringRef's strict parsers (the whole text must be a decimal integer or a
// floating-point number), so `8.5` is not silently an 8 and `64k` not a 64.
//
//===----------------------------------------------------------------------===//
#include "compiler/Frontend/YamlFields.h"

#include "compiler/Frontend/Diagnostics.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/YAMLParser.h"
#include <cmath>
#include <limits>

using namespace llvm;

namespace attnc {

namespace {

/// LLVM starts a flow mapping at its first key; `{` is where it starts for a
/// reader. Returns `loc`, moved back onto a `{` that precedes it (only blanks
/// between) in `buffer`.
SMLoc flowMappingStart(StringRef buffer, SMLoc loc) {
  StringRef before = buffer.take_front(loc.getPointer() - buffer.begin()).rtrim(" \t");
  return before.ends_with("{") ? SMLoc::getFromPointer(before.end() - 1) : loc;
}

/// Mappings and sequences nested deeper than this are refused before
/// anything recurses over them (a description needs 2).
constexpr size_t kMaxNesting = 32;
/// Longest run of empty flow entries (`,,,`) or of document end markers
/// (`...`) let through to LLVM's parser, which recurses once per element of
/// such a run (SequenceNode/MappingNode::increment, Document::skip); well
/// within any stack, and far beyond anything a description holds.
constexpr size_t kMaxRun = 1000;

bool nestingError(SourceMgr &sm, SMLoc loc) {
  return reportError(sm, loc,
                     "mappings and sequences are nested more than " + Twine(kMaxNesting) +
                         " deep here; a description needs 2");
}

/// Refuses the text runs that LLVM's YAML parser recurses over whatever their
/// nesting: a run of `,` with only blanks, line breaks and comments between,
/// and a run of `...` lines. The scan knows nothing of quoting, so it can
/// only count too much, never too little: every `#` is taken to start a
/// comment, and a comment never ends a run.
bool checkRuns(SourceMgr &sm, StringRef text) {
  size_t commas = 0, ends = 0;
  bool lineStart = true;
  for (size_t i = 0, e = text.size(); i < e; ++i) {
    char c = text[i];
    if (c == '#') { // to the end of the line, commas counted, nothing else
      for (; i + 1 < e && text[i + 1] != '\n' && text[i + 1] != '\r'; ++i)
        if (text[i + 1] == ',' && ++commas > kMaxRun)
          return reportError(sm, SMLoc::getFromPointer(text.data() + i + 1),
                             "more than " + Twine(kMaxRun) + " ',' in a row");
      continue;
    }
    if (c == '\n' || c == '\r') {
      lineStart = true;
      continue;
    }
    if (c == ' ' || c == '\t')
      continue;
    if (c == ',') {
      if (++commas > kMaxRun)
        return reportError(sm, SMLoc::getFromPointer(text.data() + i),
                           "more than " + Twine(kMaxRun) + " ',' in a row");
    } else {
      commas = 0;
    }
    // A line that starts with `...` (then a blank or its end) extends a run of
    // them; any other line that is not blank or a comment ends it.
    if (lineStart) {
      lineStart = false;
      StringRef rest = text.substr(i);
      if (i > 0 && text[i - 1] != '\n' && text[i - 1] != '\r') {
        ends = 0; // indented: not a marker
      } else if (rest.starts_with("...") &&
                 (rest.size() == 3 || StringRef(" \t\r\n").contains(rest[3]))) {
        if (++ends > kMaxRun)
          return reportError(sm, SMLoc::getFromPointer(rest.data()),
                             "more than " + Twine(kMaxRun) + " '...' lines in a row");
        i += 2;
      } else {
        ends = 0;
      }
    }
  }
  return true;
}

/// Where a flow collection starts for a reader: LLVM starts it at its first
/// element; this moves `loc` back onto a `{` or `[` that precedes it.
SMLoc flowCollectionStart(StringRef buffer, SMLoc loc) {
  StringRef before = buffer.take_front(loc.getPointer() - buffer.begin()).rtrim(" \t");
  return before.ends_with("{") || before.ends_with("[") ? SMLoc::getFromPointer(before.end() - 1)
                                                        : loc;
}

/// Walks every node under `root` (keys included) with an explicit stack, so
/// that LLVM parses the whole document and reports any syntax error, as
/// yaml::Stream::validate() would, but without its recursion (Node::skip
/// recurses once per level): a collection deeper than kMaxNesting is reported
/// where it starts, and the walk stops there. Collections walked to their end
/// make LLVM's own skip() a no-op, so nothing recurses afterwards either.
bool walkBounded(SourceMgr &sm, StringRef buffer, yaml::Node *root) {
  struct Frame {
    yaml::MappingNode *mapping = nullptr;
    yaml::SequenceNode *sequence = nullptr;
    yaml::MappingNode::iterator entry;   // with mapping
    yaml::SequenceNode::iterator item;   // with sequence
    enum { First, Next, Key, Value } step = First;
  };
  SmallVector<Frame, kMaxNesting> stack;
  auto enter = [&](yaml::Node *node) {
    if (!node || !(isa<yaml::MappingNode>(node) || isa<yaml::SequenceNode>(node)))
      return true;
    if (stack.size() == kMaxNesting)
      return nestingError(sm, flowCollectionStart(buffer, node->getSourceRange().Start));
    Frame frame;
    frame.mapping = dyn_cast<yaml::MappingNode>(node);
    frame.sequence = dyn_cast<yaml::SequenceNode>(node);
    stack.push_back(frame);
    return true;
  };
  if (!enter(root))
    return false;
  while (!stack.empty()) {
    Frame &top = stack.back();
    yaml::Node *child = nullptr;
    if (top.sequence) {
      if (top.step == Frame::First) {
        top.item = top.sequence->begin();
        top.step = Frame::Next;
      } else {
        ++top.item;
      }
      if (top.item == top.sequence->end()) {
        stack.pop_back();
        continue;
      }
      child = &*top.item;
    } else {
      switch (top.step) {
      case Frame::First:
        top.entry = top.mapping->begin();
        top.step = Frame::Key;
        break;
      case Frame::Next:
        ++top.entry;
        top.step = Frame::Key;
        break;
      case Frame::Key:
        child = top.entry->getKey(); // walked before getValue() skips it
        top.step = Frame::Value;
        break;
      case Frame::Value:
        child = top.entry->getValue();
        top.step = Frame::Next;
        break;
      }
      if (top.step == Frame::Key && top.entry == top.mapping->end()) {
        stack.pop_back();
        continue;
      }
    }
    if (!enter(child)) // may reallocate the stack: `top` is not used after
      return false;
  }
  return true;
}

/// Copies `node` and everything under it into `out`; false after reporting a
/// mapping key that is not a plain scalar. `buffer` is the whole document.
/// walkBounded has checked the nesting, so the recursion is at most
/// kMaxNesting deep; `depth` keeps it so should that ever change.
bool copyNode(SourceMgr &sm, StringRef buffer, yaml::Node &node, YamlValue &out,
              size_t depth = 0) {
  out.loc = node.getSourceRange().Start;
  SmallString<64> storage;
  switch (node.getType()) {
  case yaml::Node::NK_Null:
  case yaml::Node::NK_KeyValue: // cannot be a value; treated as nothing
    out.kind = YamlValue::Kind::Null;
    return true;
  case yaml::Node::NK_Scalar:
    out.kind = YamlValue::Kind::Scalar;
    out.text = cast<yaml::ScalarNode>(node).getValue(storage).str();
    return true;
  case yaml::Node::NK_BlockScalar:
    out.kind = YamlValue::Kind::Scalar;
    out.text = cast<yaml::BlockScalarNode>(node).getValue().str();
    return true;
  case yaml::Node::NK_Alias:
    out.kind = YamlValue::Kind::Alias;
    return true;
  case yaml::Node::NK_Sequence:
    // No field of the schema is a sequence: the kind is enough to reject it.
    out.kind = YamlValue::Kind::Sequence;
    return true;
  case yaml::Node::NK_Mapping:
    break;
  }
  out.kind = YamlValue::Kind::Mapping;
  out.loc = flowMappingStart(buffer, out.loc);
  if (depth == kMaxNesting)
    return nestingError(sm, out.loc);
  for (yaml::KeyValueNode &kv : cast<yaml::MappingNode>(node)) {
    auto *key = dyn_cast_or_null<yaml::ScalarNode>(kv.getKey());
    if (!key)
      return reportError(sm, kv.getSourceRange().Start, "keys must be plain names");
    YamlValue::Entry entry;
    entry.key = key->getValue(storage).str();
    entry.keyLoc = key->getSourceRange().Start;
    entry.value = std::make_unique<YamlValue>();
    if (yaml::Node *value = kv.getValue()) {
      if (!copyNode(sm, buffer, *value, *entry.value, depth + 1))
        return false;
    }
    // `key:` with nothing after it: point at the key, not at whatever follows.
    if (entry.value->kind == YamlValue::Kind::Null)
      entry.value->loc = entry.keyLoc;
    out.entries.push_back(std::move(entry));
  }
  return true;
}

} // namespace

std::string YamlValue::describe() const {
  switch (kind) {
  case Kind::Null:
    return "nothing";
  case Kind::Scalar:
    return "'" + text + "'";
  case Kind::Mapping:
    return "a mapping";
  case Kind::Sequence:
    return "a sequence";
  case Kind::Alias:
    return "an alias";
  }
  return "?";
}

std::unique_ptr<YamlValue> readYamlDocument(SourceMgr &sm, unsigned bufferId) {
  MemoryBufferRef buffer = sm.getMemoryBuffer(bufferId)->getMemBufferRef();
  // A first pass lets the parser report a syntax error exactly once; walking
  // a broken stream would hand out half-built nodes and cascade into errors
  // about keys that are not wrong. It also bounds what LLVM's parser and
  // copyNode recurse over, before either does.
  if (!checkRuns(sm, buffer.getBuffer()))
    return nullptr;
  {
    yaml::Stream check(buffer, sm);
    for (yaml::document_iterator it = check.begin(); it != check.end(); ++it)
      if (!walkBounded(sm, buffer.getBuffer(), it->getRoot()))
        return nullptr;
    if (check.failed())
      return nullptr;
  }
  yaml::Stream stream(buffer, sm);
  yaml::document_iterator doc = stream.begin();
  auto root = std::make_unique<YamlValue>();
  root->loc = SMLoc::getFromPointer(buffer.getBufferStart());
  if (doc == stream.end())
    return root; // an empty stream: a Null root, rejected by the caller
  yaml::Node *node = doc->getRoot();
  if (node && !copyNode(sm, buffer.getBuffer(), *node, *root))
    return nullptr;
  if (++doc != stream.end()) {
    SMLoc second = doc->getRoot() ? doc->getRoot()->getSourceRange().Start : SMLoc();
    reportError(sm, second, "a description holds a single YAML document; this is a second one");
    return nullptr;
  }
  return root;
}

//===----------------------------------------------------------------------===//
// Fields
//===----------------------------------------------------------------------===//

bool Fields::error(SMLoc loc, const Twine &msg) const { return reportError(sm, loc, msg); }

std::string Fields::name(StringRef key) const {
  return path.empty() ? key.str() : path + "." + key.str();
}

bool Fields::open(const YamlValue &node, StringRef mappingPath, ArrayRef<StringRef> allowed) {
  mapping = &node;
  path = mappingPath.str();
  if (node.kind != YamlValue::Kind::Mapping) {
    if (path.empty())
      return error(node.loc, "a description is a mapping of keys (name, dim, ...) to values, got " +
                                 node.describe());
    return error(node.loc, "expected a mapping for '" + path + "', got " + node.describe());
  }
  for (size_t i = 0, e = node.entries.size(); i != e; ++i) {
    const YamlValue::Entry &entry = node.entries[i];
    if (!is_contained(allowed, entry.key))
      return error(entry.keyLoc, "unknown key '" + entry.key + "'" +
                                     (path.empty() ? "" : " in '" + path + "'") +
                                     "; allowed keys: " + join(allowed, ", "));
    for (size_t j = 0; j != i; ++j)
      if (node.entries[j].key == entry.key)
        return error(entry.keyLoc, "duplicate key '" + name(entry.key) + "', first given on line " +
                                       Twine(sm.getLineAndColumn(node.entries[j].keyLoc).first));
  }
  return true;
}

const YamlValue *Fields::find(StringRef key) const {
  for (const YamlValue::Entry &entry : mapping->entries)
    if (entry.key == key)
      return entry.value.get();
  return nullptr;
}

SMLoc Fields::loc(StringRef key) const {
  const YamlValue *value = find(key);
  return value ? value->loc : mapping->loc;
}

SMLoc Fields::keyLoc(StringRef key) const {
  for (const YamlValue::Entry &entry : mapping->entries)
    if (entry.key == key)
      return entry.keyLoc;
  return SMLoc();
}

const YamlValue *Fields::getNode(StringRef key, Need need) {
  const YamlValue *value = find(key);
  if (!value && need == Need::Required)
    error(mapping->loc, "missing required field '" + name(key) + "'");
  return value;
}

bool Fields::badValue(StringRef key, const Twine &expected) {
  const YamlValue *value = find(key);
  return error(value->loc,
               "expected " + expected + " for '" + name(key) + "', got " + value->describe());
}

bool Fields::getScalar(StringRef key, StringRef expected, Need need, const YamlValue *&out) {
  out = find(key);
  if (!out)
    return need == Need::Optional ||
           error(mapping->loc, "missing required field '" + name(key) + "'");
  if (out->kind != YamlValue::Kind::Scalar)
    return badValue(key, expected);
  return true;
}

bool Fields::getPositive(StringRef key, int64_t &out, Need need) {
  const YamlValue *value;
  if (!getScalar(key, "a positive integer", need, value))
    return false;
  if (!value)
    return true;
  int64_t parsed;
  if (StringRef(value->text).getAsInteger(10, parsed))
    return badValue(key, "a positive integer");
  if (parsed < 1)
    return error(value->loc, "'" + name(key) + "' must be at least 1, got " + Twine(parsed));
  out = parsed;
  return true;
}

bool Fields::getTokenId(StringRef key, int64_t &out, Need need) {
  const YamlValue *value;
  if (!getScalar(key, "a token id or -1", need, value))
    return false;
  if (!value)
    return true;
  int64_t parsed;
  if (StringRef(value->text).getAsInteger(10, parsed) || parsed < -1)
    return badValue(key, "a token id (an integer >= 0) or -1 (none)");
  out = parsed;
  return true;
}

bool Fields::getUnsigned(StringRef key, uint64_t &out, Need need) {
  const YamlValue *value;
  if (!getScalar(key, "an unsigned 64-bit integer", need, value))
    return false;
  if (value && StringRef(value->text).getAsInteger(10, out))
    return badValue(key, "an unsigned 64-bit integer");
  return true;
}

bool Fields::getPositiveReal(StringRef key, double &out, Need need) {
  const YamlValue *value;
  if (!getScalar(key, "a positive number", need, value))
    return false;
  if (!value)
    return true;
  double parsed;
  // The compiled model holds these as float32: a value that becomes infinite
  // or denormal (or 0) there would verify here and misbehave there.
  if (StringRef(value->text).getAsDouble(parsed) || !std::isfinite(float(parsed)) ||
      float(parsed) < std::numeric_limits<float>::min())
    return badValue(key, "a positive number within float32's normal range (1.2e-38 to 3.4e38)");
  out = parsed;
  return true;
}

bool Fields::getBool(StringRef key, bool &out, Need need) {
  const YamlValue *value;
  if (!getScalar(key, "true or false", need, value))
    return false;
  if (!value)
    return true;
  std::optional<bool> parsed = yaml::parseBool(value->text);
  if (!parsed)
    return badValue(key, "true or false");
  out = *parsed;
  return true;
}

bool Fields::getString(StringRef key, std::string &out, Need need) {
  const YamlValue *value;
  if (!getScalar(key, "a string", need, value))
    return false;
  if (!value)
    return true;
  if (value->text.empty())
    return error(value->loc, "'" + name(key) + "' must not be empty");
  out = value->text;
  return true;
}

bool Fields::getChoice(StringRef key, ArrayRef<StringRef> names, std::optional<size_t> &index,
                       Need need) {
  std::string expected = "one of " + join(names, ", ");
  const YamlValue *value;
  if (!getScalar(key, expected, need, value))
    return false;
  if (!value)
    return true;
  auto it = llvm::find(names, StringRef(value->text));
  if (it == names.end())
    return error(value->loc,
                 "unknown " + name(key) + " '" + value->text + "'; expected " + expected);
  index = it - names.begin();
  return true;
}

} // namespace attnc
