//===- Gguf.cpp - The GGUF container (llama.cpp's model files) ------------===//
//
// The whole file is checked when it is opened, in one pass over the header,
// the metadata and the tensor table, with a cursor that refuses to read past
// the end: every length or count is compared with the bytes that remain
// before anything is read or allocated for it (a count is divided into the
// remaining bytes by the least an entry can take), and every offset and size
// is computed with overflow checks. Then the tensors' data ranges are placed
// after the aligned data start and checked against the end of the file and
// against each other. After that, nothing the accessors do can fail except
// by asking for a key of the wrong type.
//
//===----------------------------------------------------------------------===//
#include "compiler/Frontend/Gguf.h"

#include "compiler/Frontend/Diagnostics.h"
#include "compiler/Frontend/InputFile.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/raw_ostream.h"
#include <algorithm>
#include <cstring>
#include <numeric>

using namespace llvm;

namespace attnc {

namespace {

constexpr uint64_t kMaxKeyBytes = 65535; // docs/gguf.md: keys fit in 2^16 - 1 bytes
constexpr uint64_t kMaxTensorNameBytes = 63; // GGML_MAX_NAME (64) with its NUL
constexpr uint32_t kMaxDims = 4;             // GGML_MAX_DIMS
// The least bytes one entry can take, to bound counts before reserving.
constexpr uint64_t kMinValueEntryBytes = 8 + 4 + 1;      // key length, type, a uint8
constexpr uint64_t kMinTensorEntryBytes = 8 + 4 + 4 + 8; // name length, n_dims, type, offset

/// The size of a fixed-size value type, 0 for strings and arrays, and -1 for
/// a number that is not a GGUF type.
int typeSize(uint32_t type) {
  switch (GgufType(type)) {
  case GgufType::UInt8:
  case GgufType::Int8:
  case GgufType::Bool:
    return 1;
  case GgufType::UInt16:
  case GgufType::Int16:
    return 2;
  case GgufType::UInt32:
  case GgufType::Int32:
  case GgufType::Float32:
    return 4;
  case GgufType::UInt64:
  case GgufType::Int64:
  case GgufType::Float64:
    return 8;
  case GgufType::String:
  case GgufType::Array:
    return 0;
  }
  return -1;
}

uint64_t readLE(const uint8_t *p, int bytes) {
  uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i)
    v = (v << 8) | p[i];
  return v;
}

/// Decodes a fixed-size scalar of `type` at `p` into `v`'s fields.
void decodeScalar(GgufType type, const uint8_t *p, GgufValue &v) {
  switch (type) {
  case GgufType::UInt8:
  case GgufType::UInt16:
  case GgufType::UInt32:
  case GgufType::UInt64:
  case GgufType::Bool:
    v.u = readLE(p, typeSize(uint32_t(type)));
    break;
  case GgufType::Int8:
    v.i = int8_t(p[0]);
    break;
  case GgufType::Int16:
    v.i = int16_t(readLE(p, 2));
    break;
  case GgufType::Int32:
    v.i = int32_t(readLE(p, 4));
    break;
  case GgufType::Int64:
    v.i = int64_t(readLE(p, 8));
    break;
  case GgufType::Float32: {
    uint32_t bits = uint32_t(readLE(p, 4));
    float f;
    std::memcpy(&f, &bits, 4);
    v.f = f;
    break;
  }
  case GgufType::Float64: {
    uint64_t bits = readLE(p, 8);
    std::memcpy(&v.f, &bits, 8);
    break;
  }
  case GgufType::String:
  case GgufType::Array:
    break;
  }
}

bool isUnsignedType(GgufType t) {
  return t == GgufType::UInt8 || t == GgufType::UInt16 || t == GgufType::UInt32 ||
         t == GgufType::UInt64;
}
bool isSignedType(GgufType t) {
  return t == GgufType::Int8 || t == GgufType::Int16 || t == GgufType::Int32 ||
         t == GgufType::Int64;
}
bool isFloatType(GgufType t) { return t == GgufType::Float32 || t == GgufType::Float64; }

const char *scalarTypeName(GgufType type) {
  switch (type) {
  case GgufType::UInt8:
    return "uint8";
  case GgufType::Int8:
    return "int8";
  case GgufType::UInt16:
    return "uint16";
  case GgufType::Int16:
    return "int16";
  case GgufType::UInt32:
    return "uint32";
  case GgufType::Int32:
    return "int32";
  case GgufType::Float32:
    return "float32";
  case GgufType::Bool:
    return "bool";
  case GgufType::String:
    return "string";
  case GgufType::Array:
    return "array";
  case GgufType::UInt64:
    return "uint64";
  case GgufType::Int64:
    return "int64";
  case GgufType::Float64:
    return "float64";
  }
  return "unknown";
}

std::string supportedTypesText() { return "F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q6_K"; }

} // namespace

std::string ggufTypeName(GgufType type, GgufType elementType) {
  if (type == GgufType::Array)
    return std::string("array of ") + scalarTypeName(elementType);
  return scalarTypeName(type);
}

bool GgufValue::isInteger() const { return isUnsignedType(type) || isSignedType(type); }

SmallVector<int64_t, 4> GgufTensor::shape() const {
  SmallVector<int64_t, 4> s;
  for (uint32_t d = nDims; d > 0; --d)
    s.push_back(int64_t(ne[d - 1]));
  return s;
}

//===----------------------------------------------------------------------===//
// Parsing
//===----------------------------------------------------------------------===//

class GgufParser {
public:
  explicit GgufParser(GgufFile &file)
      : f(file), base(reinterpret_cast<const uint8_t *>(file.buffer->getBufferStart())),
        size(file.buffer->getBufferSize()) {}

  Error parse();

private:
  GgufFile &f;
  const uint8_t *base;
  uint64_t size;
  uint64_t pos = 0;

  uint64_t remaining() const { return size - pos; }
  /// Refuses to read `n` bytes of `what` at the cursor unless they exist.
  Error need(uint64_t n, const Twine &what) {
    if (n <= remaining())
      return Error::success();
    return f.error("truncated: " + what + " at byte " + Twine(pos) + " needs " + Twine(n) +
                   " bytes, the file (" + Twine(size) + " bytes) has " + Twine(remaining()) +
                   " left");
  }
  Error readU32(uint32_t &out, const Twine &what) {
    if (Error e = need(4, what))
      return e;
    out = uint32_t(readLE(base + pos, 4));
    pos += 4;
    return Error::success();
  }
  Error readU64(uint64_t &out, const Twine &what) {
    if (Error e = need(8, what))
      return e;
    out = readLE(base + pos, 8);
    pos += 8;
    return Error::success();
  }
  Error readString(StringRef &out, uint64_t maxBytes, const Twine &what) {
    uint64_t at = pos;
    uint64_t length;
    if (Error e = readU64(length, "the length of " + what))
      return e;
    if (length > maxBytes)
      return f.error(what + ": length " + Twine(length) + " at byte " + Twine(at) +
                     " is more than the " + Twine(maxBytes) + " bytes it may have");
    if (length > remaining())
      return f.error("truncated: " + what + " at byte " + Twine(pos) + " claims " +
                     Twine(length) + " bytes, the file (" + Twine(size) + " bytes) has " +
                     Twine(remaining()) + " left");
    out = StringRef(reinterpret_cast<const char *>(base + pos), size_t(length));
    pos += length;
    return Error::success();
  }

  Error parseValue(GgufValue &v, const Twine &what);
  Error parseTensorInfo(GgufTensor &t, uint64_t index);
  Error placeTensors();
};

Error GgufParser::parse() {
  if (size < 4)
    return f.error("not a GGUF file (" + Twine(size) +
                   " bytes, too short for the 'GGUF' magic)");
  if (std::memcmp(base, "GGUF", 4) != 0) {
    std::string first;
    raw_string_ostream os(first);
    for (int i = 0; i < 4; ++i)
      os << (i ? " " : "") << format_hex_no_prefix(base[i], 2);
    return f.error("not a GGUF file (it starts with bytes " + first + ", not 'GGUF')");
  }
  pos = 4;
  uint32_t version;
  if (Error e = readU32(version, "the version"))
    return e;
  if (version == 1)
    return f.error("GGUF version 1 (32-bit counts, 2023) is not supported; versions 2 and 3 "
                   "are (convert the file with a current llama.cpp)");
  if (version != 2 && version != 3) {
    if (version > 0xFFFF && (__builtin_bswap32(version) == 2 || __builtin_bswap32(version) == 3))
      return f.error("a big-endian GGUF file (version " + Twine(__builtin_bswap32(version)) +
                     " byte-swapped); only little-endian files are read");
    return f.error("GGUF version " + Twine(version) +
                   " is not supported; versions 2 and 3 are");
  }
  f.fileVersion = version;

  uint64_t tensorCount, valueCount;
  uint64_t countsAt = pos;
  if (Error e = readU64(tensorCount, "the tensor count"))
    return e;
  if (Error e = readU64(valueCount, "the metadata key count"))
    return e;
  // Every entry takes some bytes: a count the rest of the file cannot hold
  // is refused before anything is reserved for it.
  if (valueCount > remaining() / kMinValueEntryBytes)
    return f.error("the header (byte " + Twine(countsAt + 8) + ") claims " + Twine(valueCount) +
                   " metadata keys, more than the " + Twine(remaining()) +
                   " bytes that follow can hold (" + Twine(kMinValueEntryBytes) +
                   " bytes each at least)");
  if (tensorCount > remaining() / kMinTensorEntryBytes)
    return f.error("the header (byte " + Twine(countsAt) + ") claims " + Twine(tensorCount) +
                   " tensors, more than the " + Twine(remaining()) +
                   " bytes that follow can hold (" + Twine(kMinTensorEntryBytes) +
                   " bytes each at least)");

  f.values.reserve(size_t(valueCount));
  for (uint64_t k = 0; k < valueCount; ++k) {
    GgufValue v;
    v.keyOffset = pos;
    if (Error e = readString(v.key, kMaxKeyBytes, "the key of metadata entry " + Twine(k)))
      return e;
    auto [it, inserted] = f.valueIndex.try_emplace(v.key, f.values.size());
    if (!inserted)
      return f.error("metadata key '" + v.key + "' at byte " + Twine(v.keyOffset) +
                     " repeats the key at byte " + Twine(f.values[it->second].keyOffset));
    if (Error e = parseValue(v, "metadata key '" + v.key + "'"))
      return e;
    f.values.push_back(std::move(v));
  }

  if (const GgufValue *a = f.lookup("general.alignment")) {
    if (a->type != GgufType::UInt32)
      return f.error("metadata key 'general.alignment' (at byte " + Twine(a->keyOffset) +
                     ") is " + ggufTypeName(a->type, a->elementType) + ", expected uint32");
    if (a->u == 0 || !isPowerOf2_64(a->u))
      return f.error("metadata key 'general.alignment' (at byte " + Twine(a->keyOffset) +
                     ") is " + Twine(a->u) + ", not a power of two");
    f.dataAlignment = a->u;
  }

  f.tensorTable.reserve(size_t(tensorCount));
  for (uint64_t t = 0; t < tensorCount; ++t) {
    GgufTensor tensor;
    if (Error e = parseTensorInfo(tensor, t))
      return e;
    auto [it, inserted] = f.tensorIndex.try_emplace(tensor.name, f.tensorTable.size());
    if (!inserted)
      return f.error("tensor '" + tensor.name + "' (info at byte " + Twine(tensor.infoOffset) +
                     ") repeats the tensor at byte " +
                     Twine(f.tensorTable[it->second].infoOffset));
    f.tensorTable.push_back(tensor);
  }
  return placeTensors();
}

Error GgufParser::parseValue(GgufValue &v, const Twine &what) {
  uint64_t typeAt = pos;
  uint32_t type;
  if (Error e = readU32(type, "the type of " + what))
    return e;
  int bytes = typeSize(type);
  if (bytes < 0)
    return f.error(what + ": value type " + Twine(type) + " at byte " + Twine(typeAt) +
                   " is not a GGUF type (0-12)");
  v.type = GgufType(type);
  if (v.type == GgufType::String)
    return readString(v.string, UINT64_MAX, "the string value of " + what);
  if (v.type != GgufType::Array) {
    if (Error e = need(uint64_t(bytes), "the " + ggufTypeName(v.type) + " value of " + what))
      return e;
    decodeScalar(v.type, base + pos, v);
    if (v.type == GgufType::Bool && v.u > 1)
      return f.error(what + ": bool value " + Twine(v.u) + " at byte " + Twine(pos) +
                     " is neither 0 nor 1");
    pos += uint64_t(bytes);
    return Error::success();
  }

  uint32_t elementType;
  uint64_t elementTypeAt = pos;
  if (Error e = readU32(elementType, "the element type of " + what))
    return e;
  int elementBytes = typeSize(elementType);
  if (elementBytes < 0)
    return f.error(what + ": array element type " + Twine(elementType) + " at byte " +
                   Twine(elementTypeAt) + " is not a GGUF type (0-12)");
  if (GgufType(elementType) == GgufType::Array)
    return f.error(what + ": an array of arrays (at byte " + Twine(elementTypeAt) +
                   "), which attnc does not read");
  v.elementType = GgufType(elementType);
  uint64_t countAt = pos;
  if (Error e = readU64(v.count, "the element count of " + what))
    return e;
  // A string takes 8 bytes at least (its length).
  uint64_t least = elementBytes ? uint64_t(elementBytes) : 8;
  if (v.count > remaining() / least)
    return f.error(what + ": array of " + Twine(v.count) + " " + scalarTypeName(v.elementType) +
                   " at byte " + Twine(countAt) + " needs " +
                   (elementBytes ? "" : "at least ") +
                   (v.count <= UINT64_MAX / least ? Twine(v.count * least).str()
                                                  : std::string("more than 2^64")) +
                   " bytes, the file (" + Twine(size) + " bytes) has " + Twine(remaining()) +
                   " left");
  v.elements = base + pos;
  if (elementBytes) {
    if (v.elementType == GgufType::Bool)
      for (uint64_t i = 0; i < v.count; ++i)
        if (base[pos + i] > 1)
          return f.error(what + ": bool element " + Twine(i) + " at byte " + Twine(pos + i) +
                         " is " + Twine(unsigned(base[pos + i])) + ", neither 0 nor 1");
    pos += v.count * uint64_t(elementBytes);
    return Error::success();
  }
  v.strings.reserve(size_t(v.count));
  for (uint64_t i = 0; i < v.count; ++i) {
    StringRef s;
    if (Error e = readString(s, UINT64_MAX, "string " + Twine(i) + " of " + what))
      return e;
    v.strings.push_back(s);
  }
  return Error::success();
}

Error GgufParser::parseTensorInfo(GgufTensor &t, uint64_t index) {
  t.infoOffset = pos;
  if (Error e = readString(t.name, kMaxTensorNameBytes, "the name of tensor " + Twine(index)))
    return e;
  std::string what = ("tensor '" + t.name + "' (info at byte " + Twine(t.infoOffset) + ")").str();
  if (Error e = readU32(t.nDims, "the dimension count of " + what))
    return e;
  if (t.nDims > kMaxDims)
    return f.error(what + " has " + Twine(t.nDims) + " dimensions, more than " +
                   Twine(kMaxDims));
  uint64_t elements = 1;
  for (uint32_t d = 0; d < t.nDims; ++d) {
    if (Error e = readU64(t.ne[d], "dimension " + Twine(d) + " of " + what))
      return e;
    if (t.ne[d] > uint64_t(INT64_MAX) ||
        __builtin_mul_overflow(elements, t.ne[d], &elements) || elements > uint64_t(INT64_MAX))
      return f.error(what + ": dimensions " + Twine(t.ne[0]) + [&] {
        std::string s;
        for (uint32_t k = 1; k <= d; ++k)
          s += " x " + std::to_string(t.ne[k]);
        return s;
      }() + " have more than 2^63 elements");
  }
  t.elements = elements;
  uint64_t typeAt = pos;
  uint32_t type;
  if (Error e = readU32(type, "the type of " + what))
    return e;
  if (!isSupportedGgmlType(type)) {
    if (const char *name = ggmlTypeName(type))
      return f.error(what + " has ggml type " + Twine(type) + " (" + name +
                     "), which attnc does not read (it reads " + supportedTypesText() + ")");
    return f.error(what + " has type " + Twine(type) + " at byte " + Twine(typeAt) +
                   ", not a ggml type");
  }
  t.type = GgmlType(type);
  if (Error e = readU64(t.offset, "the data offset of " + what))
    return e;
  GgmlBlockLayout layout = ggmlBlockLayout(t.type);
  // (A tensor of no dimensions is one element: not a whole block either.)
  if (t.ne[0] % layout.blockElements != 0)
    return f.error(what + ": rows of " + Twine(t.ne[0]) + " elements are not whole " +
                   ggmlTypeName(type) + " blocks of " + Twine(layout.blockElements));
  uint64_t blocks = elements / layout.blockElements;
  if (__builtin_mul_overflow(blocks, uint64_t(layout.blockBytes), &t.bytes))
    return f.error(what + ": " + Twine(elements) + " elements of " + ggmlTypeName(type) +
                   " take more than 2^64 bytes");
  if (t.offset % f.dataAlignment != 0)
    return f.error(what + ": data offset " + Twine(t.offset) +
                   " is not a multiple of the alignment " + Twine(f.dataAlignment));
  return Error::success();
}

Error GgufParser::placeTensors() {
  uint64_t infoEnd = pos;
  uint64_t start = alignTo(infoEnd, f.dataAlignment);
  if (start < infoEnd) // alignTo wrapped around: impossible below 2^63
    start = UINT64_MAX;
  f.dataStart = start;
  for (GgufTensor &t : f.tensorTable) {
    std::string what =
        ("tensor '" + t.name + "' (info at byte " + Twine(t.infoOffset) + ")").str();
    uint64_t at, end;
    if (__builtin_add_overflow(start, t.offset, &at) ||
        __builtin_add_overflow(at, t.bytes, &end) || end > size)
      return f.error(what + ": data at byte " + Twine(start) + " + " + Twine(t.offset) +
                     " + " + Twine(t.bytes) + " runs past the end of the file (" +
                     Twine(size) + " bytes)");
    t.fileOffset = at;
    t.data = base + at;
  }
  // No two tensors share bytes (a file that aliases tensors is not one a
  // writer produces, and would let one tensor's bytes be read as another's).
  std::vector<size_t> order(f.tensorTable.size());
  std::iota(order.begin(), order.end(), size_t(0));
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return f.tensorTable[a].offset < f.tensorTable[b].offset;
  });
  const GgufTensor *previous = nullptr;
  for (size_t i : order) {
    const GgufTensor &t = f.tensorTable[i];
    if (t.bytes == 0)
      continue;
    if (previous && previous->offset + previous->bytes > t.offset)
      return f.error("tensor '" + t.name + "' (info at byte " + Twine(t.infoOffset) +
                     "): data at bytes " + Twine(t.fileOffset) + ".." +
                     Twine(t.fileOffset + t.bytes) + " overlaps tensor '" + previous->name +
                     "' at bytes " + Twine(previous->fileOffset) + ".." +
                     Twine(previous->fileOffset + previous->bytes));
    previous = &t;
  }
  return Error::success();
}

//===----------------------------------------------------------------------===//
// GgufFile
//===----------------------------------------------------------------------===//

Error GgufFile::error(const Twine &msg) const {
  return createStringError(inconvertibleErrorCode(), (fileName + ": " + msg).str());
}

Expected<std::unique_ptr<GgufFile>> GgufFile::parse(std::unique_ptr<MemoryBuffer> buffer,
                                                    StringRef name) {
  std::unique_ptr<GgufFile> file(new GgufFile());
  file->fileName = name.str();
  file->fileSize = buffer->getBufferSize();
  file->buffer = std::move(buffer);
  GgufParser parser(*file);
  if (Error e = parser.parse())
    return std::move(e);
  return std::move(file);
}

std::unique_ptr<GgufFile> GgufFile::open(StringRef path, SMLoc loc, SourceMgr &sm,
                                         StringRef what) {
  std::unique_ptr<MemoryBuffer> buffer = readInputFile(path, what, loc, sm);
  if (!buffer)
    return nullptr;
  Expected<std::unique_ptr<GgufFile>> file = parse(std::move(buffer), path);
  if (!file) {
    reportError(sm, loc, toString(file.takeError()));
    return nullptr;
  }
  return std::move(*file);
}

const GgufValue *GgufFile::lookup(StringRef key) const {
  auto it = valueIndex.find(key);
  return it == valueIndex.end() ? nullptr : &values[it->second];
}

const GgufTensor *GgufFile::findTensor(StringRef name) const {
  auto it = tensorIndex.find(name);
  return it == tensorIndex.end() ? nullptr : &tensorTable[it->second];
}

namespace {

/// "metadata key 'K' (at byte N)".
std::string keyText(const GgufValue &v) {
  return ("metadata key '" + v.key + "' (at byte " + Twine(v.keyOffset) + ")").str();
}

} // namespace

#define ATTNC_GGUF_GET(key, v)                                                               \
  const GgufValue *v = lookup(key);                                                         \
  if (!v)                                                                                    \
    return error("metadata key '" + key + "' is missing");

Expected<uint64_t> GgufFile::getUInt(StringRef key) const {
  ATTNC_GGUF_GET(key, v)
  if (isUnsignedType(v->type))
    return v->u;
  if (isSignedType(v->type)) {
    if (v->i < 0)
      return error(keyText(*v) + " is " + Twine(v->i) + ", expected a non-negative integer");
    return uint64_t(v->i);
  }
  return error(keyText(*v) + " is " + ggufTypeName(v->type, v->elementType) +
               ", expected an unsigned integer");
}

Expected<int64_t> GgufFile::getInt(StringRef key) const {
  ATTNC_GGUF_GET(key, v)
  if (isSignedType(v->type))
    return v->i;
  if (isUnsignedType(v->type)) {
    if (v->u > uint64_t(INT64_MAX))
      return error(keyText(*v) + " is " + Twine(v->u) + ", more than an int64 holds");
    return int64_t(v->u);
  }
  return error(keyText(*v) + " is " + ggufTypeName(v->type, v->elementType) +
               ", expected an integer");
}

Expected<double> GgufFile::getDouble(StringRef key) const {
  ATTNC_GGUF_GET(key, v)
  if (isFloatType(v->type))
    return v->f;
  return error(keyText(*v) + " is " + ggufTypeName(v->type, v->elementType) +
               ", expected float32 or float64");
}

Expected<bool> GgufFile::getBool(StringRef key) const {
  ATTNC_GGUF_GET(key, v)
  if (v->type == GgufType::Bool)
    return v->u != 0;
  return error(keyText(*v) + " is " + ggufTypeName(v->type, v->elementType) +
               ", expected bool");
}

Expected<StringRef> GgufFile::getString(StringRef key) const {
  ATTNC_GGUF_GET(key, v)
  if (v->type == GgufType::String)
    return v->string;
  return error(keyText(*v) + " is " + ggufTypeName(v->type, v->elementType) +
               ", expected string");
}

Expected<uint64_t> GgufFile::getArrayLength(StringRef key) const {
  ATTNC_GGUF_GET(key, v)
  if (v->isArray())
    return v->count;
  return error(keyText(*v) + " is " + ggufTypeName(v->type) + ", expected an array");
}

Expected<ArrayRef<StringRef>> GgufFile::getStringArray(StringRef key) const {
  ATTNC_GGUF_GET(key, v)
  if (v->isArray() && v->elementType == GgufType::String)
    return ArrayRef<StringRef>(v->strings);
  return error(keyText(*v) + " is " + ggufTypeName(v->type, v->elementType) +
               ", expected array of string");
}

Expected<std::vector<float>> GgufFile::getFloatArray(StringRef key) const {
  ATTNC_GGUF_GET(key, v)
  if (!v->isArray() || !isFloatType(v->elementType))
    return error(keyText(*v) + " is " + ggufTypeName(v->type, v->elementType) +
                 ", expected array of float32 or float64");
  std::vector<float> out(size_t(v->count));
  int bytes = typeSize(uint32_t(v->elementType));
  for (uint64_t i = 0; i < v->count; ++i) {
    GgufValue e;
    decodeScalar(v->elementType, v->elements + i * bytes, e);
    out[i] = float(e.f);
  }
  return out;
}

Expected<std::vector<int64_t>> GgufFile::getIntArray(StringRef key) const {
  ATTNC_GGUF_GET(key, v)
  if (!v->isArray() || !(isSignedType(v->elementType) || isUnsignedType(v->elementType)))
    return error(keyText(*v) + " is " + ggufTypeName(v->type, v->elementType) +
                 ", expected array of integers");
  std::vector<int64_t> out(size_t(v->count));
  int bytes = typeSize(uint32_t(v->elementType));
  for (uint64_t i = 0; i < v->count; ++i) {
    GgufValue e;
    decodeScalar(v->elementType, v->elements + i * bytes, e);
    if (isUnsignedType(v->elementType)) {
      if (e.u > uint64_t(INT64_MAX))
        return error(keyText(*v) + ": element " + Twine(i) + " is " + Twine(e.u) +
                     ", more than an int64 holds");
      out[i] = int64_t(e.u);
    } else {
      out[i] = e.i;
    }
  }
  return out;
}

#undef ATTNC_GGUF_GET

void GgufFile::dequantize(const GgufTensor &tensor, float *out) const {
  dequantizeBlocks(tensor.type, tensor.data,
                   tensor.elements / ggmlBlockLayout(tensor.type).blockElements, out);
}

std::vector<float> GgufFile::dequantize(const GgufTensor &tensor) const {
  std::vector<float> out(size_t(tensor.elements));
  dequantize(tensor, out.data());
  return out;
}

} // namespace attnc
