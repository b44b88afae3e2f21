//===- Safetensors.h - Hugging Face safetensors files -----------*- C++ -*-===//
//
// A .safetensors file is a little-endian u64 N, N bytes of JSON header, then
// the data section. The header maps each tensor name to {dtype, shape,
// data_offsets: [begin, end]} (offsets relative to the data section), plus an
// optional "__metadata__" object of strings. Everything in the header is
// checked before any data is touched: the header length against the file
// (and a 100 MiB bound), the JSON nesting (Json.h), each dtype (F32, F16 and
// BF16 are read; the others are refused by name), that shape product times
// element size equals end - begin (overflow-safe), that the range lies in the
// data section, and that no two tensors share a byte. The file is mapped
// (InputFile.h), and tensors are converted to float32 exactly on request.
//
// A sharded checkpoint has model.safetensors.index.json, whose "weight_map"
// names the shard holding each tensor; shards must be plain file names inside
// the checkpoint directory, and every tensor must be in the shard the map
// names and in no other.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_FRONTEND_SAFETENSORS_H
#define ATTNC_FRONTEND_SAFETENSORS_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SMLoc.h"
#include "llvm/Support/SourceMgr.h"
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace attnc {

/// The largest safetensors header read (real headers are well under 1 MiB).
constexpr uint64_t kMaxSafetensorsHeaderBytes = uint64_t(100) << 20;
/// The largest index.json read.
constexpr uint64_t kMaxSafetensorsIndexBytes = uint64_t(64) << 20;

enum class SafetensorsDType { F32, F16, BF16 };

/// "F32", "F16", "BF16"; and the size of one element.
llvm::StringRef dtypeName(SafetensorsDType dtype);
unsigned dtypeBytes(SafetensorsDType dtype);

struct SafetensorsTensor {
  std::string name;
  SafetensorsDType dtype = SafetensorsDType::F32;
  llvm::SmallVector<int64_t, 4> shape;
  uint64_t begin = 0, end = 0; // absolute byte offsets in the file
  uint64_t headerOffset = 0;   // where the header names it (for messages)

  int64_t numElements() const {
    int64_t n = 1;
    for (int64_t d : shape)
      n *= d; // checked against the data size when read
    return n;
  }
};

/// One mapped, checked file.
struct SafetensorsFile {
  std::string path;
  std::unique_ptr<llvm::MemoryBuffer> buffer;
  std::vector<SafetensorsTensor> tensors; // in header order
  llvm::StringMap<size_t> byName;         // index into tensors

  const SafetensorsTensor *lookup(llvm::StringRef name) const {
    auto it = byName.find(name);
    return it == byName.end() ? nullptr : &tensors[it->second];
  }
  /// The tensor's stored bytes.
  llvm::StringRef bytes(const SafetensorsTensor &t) const {
    return buffer->getBuffer().substr(t.begin, t.end - t.begin);
  }
};

/// Maps and checks the file `path` (errors name it and are reported at `loc`).
bool readSafetensors(llvm::StringRef path, llvm::SMLoc loc, llvm::SourceMgr &sm,
                     SafetensorsFile &out);

/// Checks a safetensors image already in memory (`path` only names it in
/// messages); `out.buffer` is left alone. For the fuzzer and for callers that
/// own the bytes.
bool parseSafetensors(llvm::StringRef bytes, llvm::StringRef path, llvm::SMLoc loc,
                      llvm::SourceMgr &sm, SafetensorsFile &out);

/// Converts `bytes` (`count` elements of `dtype`, little-endian) to float32,
/// exactly: F16 and BF16 values, including subnormals, infinities and NaN
/// payloads, are all representable in float32.
void convertToF32(SafetensorsDType dtype, llvm::StringRef bytes, llvm::MutableArrayRef<float> out);

// The F16 and BF16 conversions themselves are Dequantize.h's (halfToFloat,
// bfloat16ToFloat), shared with GGUF.

/// A checkpoint's tensors, from one file or several shards.
struct SafetensorsCheckpoint {
  std::vector<SafetensorsFile> files;
  /// Tensor name -> (file index, tensor index), in sorted name order.
  llvm::StringMap<std::pair<size_t, size_t>> tensors;

  const SafetensorsTensor *lookup(llvm::StringRef name, const SafetensorsFile **file) const;
};

/// Reads DIR/model.safetensors.index.json and its shards if the index exists,
/// else DIR/model.safetensors. Errors are reported at `loc`.
bool readSafetensorsDir(llvm::StringRef dir, llvm::SMLoc loc, llvm::SourceMgr &sm,
                        SafetensorsCheckpoint &out);

/// Checks an index.json text and returns its weight map (tensor -> shard
/// file name) and the shard names in order of first mention; no files are
/// opened. For readSafetensorsDir and the fuzzer.
bool parseSafetensorsIndex(llvm::StringRef text, llvm::StringRef path, llvm::SMLoc loc,
                           llvm::SourceMgr &sm, llvm::StringMap<std::string> &weightMap,
                           std::vector<std::string> &shards);

} // namespace attnc

#endif // ATTNC_FRONTEND_SAFETENSORS_H
