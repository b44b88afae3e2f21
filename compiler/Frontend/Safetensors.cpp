//===- Safetensors.cpp - Hugging Face safetensors files -------------------===//
//
// Every number the header holds is checked against the bytes that exist
// before anything is computed from it: offsets against the data section,
// shape products with overflow checks, and only then the comparison of the
// two. Overlap is checked on the tensors sorted by start, against the
// furthest end seen so far, so that the header's own order (which
// llvm::json::Object does not keep) does not matter.
//
//===----------------------------------------------------------------------===//
#include "compiler/Frontend/Safetensors.h"

#include "compiler/Frontend/Dequantize.h"

#include "compiler/Frontend/Diagnostics.h"
#include "compiler/Frontend/InputFile.h"
#include "compiler/Frontend/Json.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include <algorithm>
#include <cmath>
#include <cstring>

using namespace llvm;

namespace attnc {

namespace {

/// The most dimensions a tensor may have (checkpoints use 1 and 2).
constexpr size_t kMaxRank = 8;

/// Safetensors' other dtypes, refused by name rather than as unknown.
bool isKnownUnsupportedDType(StringRef name) {
  return StringSwitch<bool>(name)
      .Cases("BOOL", "U8", "I8", "I16", "U16", "I32", "U32", "I64", "U64", true)
      .Cases("F64", "F8_E5M2", "F8_E4M3", "F8_E4M3FN", "F8_E8M0", "F4", "F6_E2M3", "F6_E3M2", true)
      .Default(false);
}

std::string shapeText(ArrayRef<int64_t> shape) {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + "]";
}

uint64_t readU64(const char *p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i)
    v = (v << 8) | uint8_t(p[i]);
  return v;
}

/// Where the header first names `name` as a key, as a file offset (the
/// header's start if the name is written with escapes).
uint64_t keyOffset(StringRef header, StringRef name) {
  size_t at = header.find(("\"" + name + "\"").str());
  return 8 + (at == StringRef::npos ? 0 : at);
}

/// Reads one tensor entry; `where` is "PATH: tensor 'NAME' (header at byte B)".
bool readEntry(const json::Value &value, const JsonSource &where, uint64_t dataStart,
               uint64_t dataSize, SafetensorsTensor &t) {
  const json::Object *object = value.getAsObject();
  if (!object)
    return where.fail("must be an object {dtype, shape, data_offsets}, got " +
                      describeJson(value));
  JsonObjectReader entry(*object, where);
  std::string dtype;
  if (!entry.getString("dtype", dtype))
    return false;
  if (dtype == "F32")
    t.dtype = SafetensorsDType::F32;
  else if (dtype == "F16")
    t.dtype = SafetensorsDType::F16;
  else if (dtype == "BF16")
    t.dtype = SafetensorsDType::BF16;
  else if (isKnownUnsupportedDType(dtype))
    return where.fail("dtype " + dtype + " is not supported (attnc reads F32, F16 and BF16)");
  else
    return where.fail("unknown dtype '" + dtype + "'");

  const json::Array *shape, *offsets;
  if (!entry.getArray("shape", shape) || !entry.getArray("data_offsets", offsets))
    return false;
  if (shape->size() > kMaxRank)
    return where.fail("shape has " + Twine(shape->size()) + " dimensions, more than " +
                      Twine(kMaxRank));
  uint64_t elements = 1;
  bool overflow = false;
  for (const json::Value &d : *shape) {
    std::optional<int64_t> dim = d.getAsInteger();
    if (!dim || *dim < 0)
      return where.fail("'shape' must hold non-negative integers, got " + describeJson(d));
    t.shape.push_back(*dim);
    overflow |= __builtin_mul_overflow(elements, uint64_t(*dim), &elements);
  }
  uint64_t bytes = 0;
  overflow |= __builtin_mul_overflow(elements, uint64_t(dtypeBytes(t.dtype)), &bytes);
  if (overflow)
    return where.fail("shape " + shapeText(t.shape) + " of " + dtype +
                      " has more bytes than fit in 64 bits");

  std::optional<int64_t> begin, end;
  if (offsets->size() == 2) {
    begin = (*offsets)[0].getAsInteger();
    end = (*offsets)[1].getAsInteger();
  }
  if (!begin || !end || *begin < 0 || *end < 0)
    return where.fail("'data_offsets' must be [begin, end] with non-negative integers, got " +
                      describeJson(*entry.get().get("data_offsets")));
  std::string range = "data_offsets [" + std::to_string(*begin) + ", " + std::to_string(*end) + "]";
  if (*begin > *end)
    return where.fail(range + " are reversed");
  if (uint64_t(*end) > dataSize)
    return where.fail(range + " run past the end of the data section (" + Twine(dataSize) +
                      " bytes from byte " + Twine(dataStart) + ")");
  if (uint64_t(*end - *begin) != bytes)
    return where.fail("shape " + shapeText(t.shape) + " of " + dtype + " needs " + Twine(bytes) +
                      " bytes but " + range + " hold " + Twine(*end - *begin));
  t.begin = dataStart + uint64_t(*begin);
  t.end = dataStart + uint64_t(*end);
  return true;
}

} // namespace

StringRef dtypeName(SafetensorsDType dtype) {
  switch (dtype) {
  case SafetensorsDType::F32:
    return "F32";
  case SafetensorsDType::F16:
    return "F16";
  case SafetensorsDType::BF16:
    return "BF16";
  }
  return "?";
}

unsigned dtypeBytes(SafetensorsDType dtype) { return dtype == SafetensorsDType::F32 ? 4 : 2; }

void convertToF32(SafetensorsDType dtype, StringRef bytes, MutableArrayRef<float> out) {
  const unsigned char *p = reinterpret_cast<const unsigned char *>(bytes.data());
  size_t count = std::min(out.size(), size_t(bytes.size() / dtypeBytes(dtype)));
  switch (dtype) {
  case SafetensorsDType::F32:
    if (count) // an empty tensor's vector has no storage: memcpy(nullptr, ...) is undefined
      std::memcpy(out.data(), p, count * 4); // little-endian hosts only, as the runtime
    return;
  case SafetensorsDType::F16:
    for (size_t i = 0; i < count; ++i)
      out[i] = halfToFloat(uint16_t(p[2 * i] | (p[2 * i + 1] << 8)));
    return;
  case SafetensorsDType::BF16:
    for (size_t i = 0; i < count; ++i)
      out[i] = bfloat16ToFloat(uint16_t(p[2 * i] | (p[2 * i + 1] << 8)));
    return;
  }
}

bool parseSafetensors(StringRef bytes, StringRef path, SMLoc loc, SourceMgr &sm,
                      SafetensorsFile &out) {
  JsonSource file{path.str(), loc, &sm};
  if (bytes.size() < 8)
    return file.fail("file has " + Twine(bytes.size()) +
                     " bytes, too few for the 8-byte header length of a safetensors file");
  uint64_t headerBytes = readU64(bytes.data());
  if (headerBytes > bytes.size() - 8)
    return file.fail("header length " + Twine(headerBytes) +
                     " (at byte 0) runs past the end of the file (" + Twine(bytes.size()) +
                     " bytes)");
  if (headerBytes > kMaxSafetensorsHeaderBytes)
    return file.fail("header length " + Twine(headerBytes) + " (at byte 0) is more than the " +
                     Twine(kMaxSafetensorsHeaderBytes >> 20) + " MiB a header may have");
  StringRef header = bytes.substr(8, headerBytes);
  uint64_t dataStart = 8 + headerBytes, dataSize = bytes.size() - dataStart;

  std::optional<json::Value> root = parseJson(header, JsonSource{path.str() + ": header", loc, &sm});
  if (!root)
    return false;
  const json::Object *object = root->getAsObject();
  if (!object)
    return file.fail("the header (at byte 8) is not a JSON object");

  // Sorted names: llvm::json::Object is a hash map, and messages and the
  // tensor order must not depend on its layout.
  std::vector<StringRef> names;
  for (const auto &kv : *object)
    names.push_back(kv.first);
  llvm::sort(names);

  out.path = path.str();
  out.tensors.clear();
  out.byName.clear();
  for (StringRef name : names) {
    const json::Value &value = *object->get(name);
    uint64_t at = keyOffset(header, name);
    if (name == "__metadata__") {
      const json::Object *metadata = value.getAsObject();
      if (!metadata)
        return file.fail("'__metadata__' (header at byte " + Twine(at) +
                         ") must be an object of strings, got " + describeJson(value));
      for (const auto &kv : *metadata)
        if (!kv.second.getAsString())
          return file.fail("'__metadata__." + kv.first.str() + "' (header at byte " + Twine(at) +
                           ") must be a string, got " + describeJson(kv.second));
      continue;
    }
    SafetensorsTensor t;
    t.name = name.str();
    t.headerOffset = at;
    JsonSource where{path.str() + ": tensor '" + name.str() + "' (header at byte " +
                         std::to_string(at) + ")",
                     loc, &sm};
    if (!readEntry(value, where, dataStart, dataSize, t))
      return false;
    out.byName[t.name] = out.tensors.size();
    out.tensors.push_back(std::move(t));
  }

  std::vector<size_t> order(out.tensors.size());
  for (size_t i = 0; i < order.size(); ++i)
    order[i] = i;
  llvm::sort(order, [&](size_t a, size_t b) {
    return std::make_pair(out.tensors[a].begin, a) < std::make_pair(out.tensors[b].begin, b);
  });
  const SafetensorsTensor *furthest = nullptr; // the non-empty tensor ending last so far
  for (size_t i : order) {
    const SafetensorsTensor &t = out.tensors[i];
    if (t.begin == t.end)
      continue;
    if (furthest && t.begin < furthest->end)
      return file.fail("tensor '" + t.name + "' (bytes " + Twine(t.begin) + " to " +
                       Twine(t.end) + ") overlaps tensor '" + furthest->name + "' (bytes " +
                       Twine(furthest->begin) + " to " + Twine(furthest->end) + ")");
    if (!furthest || t.end > furthest->end)
      furthest = &t;
  }
  return true;
}

bool readSafetensors(StringRef path, SMLoc loc, SourceMgr &sm, SafetensorsFile &out) {
  std::unique_ptr<MemoryBuffer> buffer = readInputFile(path, "weights", loc, sm);
  if (!buffer || !parseSafetensors(buffer->getBuffer(), path, loc, sm, out))
    return false;
  out.buffer = std::move(buffer);
  return true;
}

const SafetensorsTensor *SafetensorsCheckpoint::lookup(StringRef name,
                                                       const SafetensorsFile **file) const {
  auto it = tensors.find(name);
  if (it == tensors.end())
    return nullptr;
  if (file)
    *file = &files[it->second.first];
  return &files[it->second.first].tensors[it->second.second];
}

bool parseSafetensorsIndex(StringRef text, StringRef path, SMLoc loc, SourceMgr &sm,
                           StringMap<std::string> &weightMap, std::vector<std::string> &shards) {
  JsonSource source{path.str(), loc, &sm};
  std::optional<json::Value> root = parseJson(text, source);
  if (!root)
    return false;
  const json::Object *object = root->getAsObject();
  if (!object)
    return source.fail("the index is not a JSON object");
  const json::Object *map;
  if (!JsonObjectReader(*object, source).getObject("weight_map", map))
    return false;
  std::vector<StringRef> names;
  for (const auto &kv : *map)
    names.push_back(kv.first);
  llvm::sort(names);
  StringMap<bool> seen;
  for (StringRef name : names) {
    const json::Value &value = *map->get(name);
    std::optional<StringRef> shard = value.getAsString();
    std::string key = "'weight_map' entry '" + name.str() + "'";
    if (!shard)
      return source.fail(key + " must be a shard file name, got " + describeJson(value));
    if (shard->empty() || *shard == "." || *shard == ".." ||
        shard->find_first_of(StringRef("/\\\0", 3)) != StringRef::npos)
      return source.fail(key + " names shard '" + *shard +
                         "', which is not a file name inside the checkpoint directory");
    weightMap[name] = shard->str();
    if (seen.insert({*shard, true}).second)
      shards.push_back(shard->str());
  }
  if (names.empty())
    return source.fail("'weight_map' lists no tensors");
  return true;
}

bool readSafetensorsDir(StringRef dir, SMLoc loc, SourceMgr &sm, SafetensorsCheckpoint &out) {
  SmallString<256> indexPath(dir), singlePath(dir);
  sys::path::append(indexPath, "model.safetensors.index.json");
  sys::path::append(singlePath, "model.safetensors");
  out.files.clear();
  out.tensors.clear();

  if (!sys::fs::exists(indexPath)) {
    if (!sys::fs::exists(singlePath))
      return reportError(sm, loc,
                         "'" + dir + "' has neither model.safetensors nor "
                         "model.safetensors.index.json");
    out.files.emplace_back();
    if (!readSafetensors(singlePath, loc, sm, out.files.back()))
      return false;
    const SafetensorsFile &file = out.files.back();
    for (size_t i = 0; i < file.tensors.size(); ++i)
      out.tensors[file.tensors[i].name] = {0, i};
    return true;
  }

  InputFileOptions options;
  options.maxBytes = kMaxSafetensorsIndexBytes;
  std::unique_ptr<MemoryBuffer> index = readInputFile(indexPath, "weights index", loc, sm, options);
  if (!index)
    return false;
  StringMap<std::string> weightMap;
  std::vector<std::string> shards;
  if (!parseSafetensorsIndex(index->getBuffer(), indexPath, loc, sm, weightMap, shards))
    return false;
  for (const std::string &shard : shards) {
    SmallString<256> shardPath(dir);
    sys::path::append(shardPath, shard);
    if (!sys::fs::exists(shardPath))
      return reportError(sm, loc,
                         indexPath + ": shard '" + shard + "' does not exist in '" + dir + "'");
    out.files.emplace_back();
    if (!readSafetensors(shardPath, loc, sm, out.files.back()))
      return false;
    const SafetensorsFile &file = out.files.back();
    size_t fileIndex = out.files.size() - 1;
    for (size_t i = 0; i < file.tensors.size(); ++i) {
      const std::string &name = file.tensors[i].name;
      auto mapped = weightMap.find(name);
      if (mapped == weightMap.end())
        return reportError(sm, loc,
                           shardPath + ": tensor '" + name + "' (header at byte " +
                               Twine(file.tensors[i].headerOffset) +
                               ") is not in the weight_map of " + indexPath);
      if (mapped->second != shard)
        return reportError(sm, loc,
                           shardPath + ": tensor '" + name + "' (header at byte " +
                               Twine(file.tensors[i].headerOffset) + ") belongs to shard '" +
                               mapped->second + "' by " + indexPath);
      out.tensors[name] = {fileIndex, i};
    }
  }
  for (const auto &entry : weightMap)
    if (!out.tensors.count(entry.first()))
      return reportError(sm, loc,
                         indexPath + ": tensor '" + entry.first() + "' is not in shard '" +
                             entry.second + "', which the weight_map names for it");
  return true;
}

} // namespace attnc
