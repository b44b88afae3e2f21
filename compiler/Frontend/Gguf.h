//===- Gguf.h - The GGUF container (llama.cpp's model files) ----*- C++ -*-===//
//
// A bounded reader of GGUF files, versions 2 and 3 (64-bit counts): the
// header, every metadata key and value, the tensor table and where each
// tensor's bytes are. The file is mapped read-only and checked whole when it
// is opened, before anything else looks at it: every count, length, dimension
// and offset is checked against the bytes that remain (overflow-safe) before
// it is used or allocated for, so that a hostile or truncated file is refused
// with one message naming the file, the key or tensor and the byte offset,
// never read out of bounds. What the values mean (architectures, tensor
// names) is GgufImport.h's business; the tokenizer reads its keys through
// the typed accessors here.
//
// Layout (llama.cpp's docs/gguf.md, gguf-py/gguf/gguf_reader.py), little-endian:
//   "GGUF", uint32 version, uint64 tensor_count, uint64 metadata_kv_count,
//   metadata_kv_count x (string key, uint32 value_type, value),
//   tensor_count x (string name, uint32 n_dims, n_dims x uint64 ne,
//                   uint32 ggml_type, uint64 offset),
//   padding to general.alignment (default 32), the tensor data; each tensor's
//   offset is relative to the data section and a multiple of the alignment.
// A string is a uint64 length and that many bytes (no NUL); an array is a
// uint32 element type, a uint64 count and the elements.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_FRONTEND_GGUF_H
#define ATTNC_FRONTEND_GGUF_H

#include "compiler/Frontend/Dequantize.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SMLoc.h"
#include "llvm/Support/SourceMgr.h"
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace attnc {

/// GGUF's metadata value types (gguf_type in ggml/include/gguf.h).
enum class GgufType : uint32_t {
  UInt8 = 0,
  Int8 = 1,
  UInt16 = 2,
  Int16 = 3,
  UInt32 = 4,
  Int32 = 5,
  Float32 = 6,
  Bool = 7,
  String = 8,
  Array = 9,
  UInt64 = 10,
  Int64 = 11,
  Float64 = 12,
};

/// "uint32", "string", "array of string" style names for messages.
std::string ggufTypeName(GgufType type, GgufType elementType = GgufType::UInt8);

/// One metadata key and its value. Strings point into the mapping.
struct GgufValue {
  llvm::StringRef key;
  uint64_t keyOffset = 0; // byte offset of the key in the file
  GgufType type = GgufType::UInt8;
  /// Scalars: the value, in whichever field its type uses.
  uint64_t u = 0; // unsigned integer types, and bool (0 or 1)
  int64_t i = 0;  // signed integer types
  double f = 0;   // float types
  llvm::StringRef string;
  /// Arrays: the element type, the count and where the first element is
  /// (elements of fixed size are read from there with elementOffset()).
  GgufType elementType = GgufType::UInt8;
  uint64_t count = 0;
  const uint8_t *elements = nullptr;
  std::vector<llvm::StringRef> strings; // arrays of strings only

  bool isInteger() const;
  bool isArray() const { return type == GgufType::Array; }
};

/// One entry of the tensor table.
struct GgufTensor {
  llvm::StringRef name;
  uint64_t infoOffset = 0; // byte offset of the entry in the file
  uint32_t nDims = 0;
  uint64_t ne[4] = {1, 1, 1, 1}; // GGUF order: ne[0] varies fastest
  GgmlType type = GgmlType::F32;
  uint64_t offset = 0;     // relative to the data section
  uint64_t fileOffset = 0; // absolute byte offset of the data
  uint64_t bytes = 0;
  uint64_t elements = 0;
  const uint8_t *data = nullptr;

  /// The shape in row-major (torch) order: ne reversed, nDims entries.
  llvm::SmallVector<int64_t, 4> shape() const;
};

class GgufFile {
public:
  /// Maps and checks the file at `path`, which the user named as the `what`
  /// of the model (InputFile.h: "weights", "tokenizer"); reports errors
  /// through `sm` at `loc` (or without a location) and returns null.
  static std::unique_ptr<GgufFile> open(llvm::StringRef path, llvm::SMLoc loc,
                                        llvm::SourceMgr &sm,
                                        llvm::StringRef what = "weights");
  /// Checks `buffer` as a GGUF file named `name` in messages.
  static llvm::Expected<std::unique_ptr<GgufFile>>
  parse(std::unique_ptr<llvm::MemoryBuffer> buffer, llvm::StringRef name);

  llvm::StringRef name() const { return fileName; }
  uint32_t version() const { return fileVersion; }
  uint64_t alignment() const { return dataAlignment; }
  uint64_t dataOffset() const { return dataStart; }
  uint64_t size() const { return fileSize; }

  // ---- Metadata ----
  /// All keys in file order.
  const std::vector<GgufValue> &metadata() const { return values; }
  /// The value of `key`, or null.
  const GgufValue *lookup(llvm::StringRef key) const;
  /// Typed access: an absent key or a value of another type is an error
  /// naming the file, the key (and its byte offset), the expected and the
  /// actual type. Integers are accepted from any integer type whose value
  /// fits; floats from float32 and float64.
  llvm::Expected<uint64_t> getUInt(llvm::StringRef key) const;
  llvm::Expected<int64_t> getInt(llvm::StringRef key) const;
  llvm::Expected<double> getDouble(llvm::StringRef key) const;
  llvm::Expected<bool> getBool(llvm::StringRef key) const;
  llvm::Expected<llvm::StringRef> getString(llvm::StringRef key) const;
  /// Arrays: the element count of any array, and the elements of arrays of
  /// strings, of floats (float32/float64) and of integers (any integer type).
  llvm::Expected<uint64_t> getArrayLength(llvm::StringRef key) const;
  llvm::Expected<llvm::ArrayRef<llvm::StringRef>> getStringArray(llvm::StringRef key) const;
  llvm::Expected<std::vector<float>> getFloatArray(llvm::StringRef key) const;
  llvm::Expected<std::vector<int64_t>> getIntArray(llvm::StringRef key) const;

  // ---- Tensors ----
  /// All tensors in table order.
  const std::vector<GgufTensor> &tensors() const { return tensorTable; }
  const GgufTensor *findTensor(llvm::StringRef name) const;
  /// Converts `tensor` to float32 into `out` (tensor.elements floats).
  void dequantize(const GgufTensor &tensor, float *out) const;
  std::vector<float> dequantize(const GgufTensor &tensor) const;

  /// Hands the mapping over (to ModelWeights::adoptBuffer); the file's
  /// pointers stay valid as long as the buffer lives.
  std::unique_ptr<llvm::MemoryBuffer> takeBuffer() { return std::move(buffer); }

  /// An error "NAME: msg" as llvm::Error, for code that reads this file.
  llvm::Error error(const llvm::Twine &msg) const;

private:
  GgufFile() = default;
  friend class GgufParser;

  std::unique_ptr<llvm::MemoryBuffer> buffer;
  std::string fileName;
  uint32_t fileVersion = 0;
  uint64_t fileSize = 0;
  uint64_t dataAlignment = 32;
  uint64_t dataStart = 0;
  std::vector<GgufValue> values;
  llvm::StringMap<size_t> valueIndex;
  std::vector<GgufTensor> tensorTable;
  llvm::StringMap<size_t> tensorIndex;
};

} // namespace attnc

#endif // ATTNC_FRONTEND_GGUF_H
