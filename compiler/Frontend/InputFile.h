//===- InputFile.h - Reading a file the user names --------------*- C++ -*-===//
//
// Every file the compiler reads because a user named it (the description, the
// weights, the tokenizer) is read here, so that all of them are refused the
// same way when they are not regular files. A FIFO would block the open or
// the read forever, /dev/zero would be read until memory runs out, and a
// directory or a device is never what was meant. The file is opened without
// blocking (a FIFO opens at once), checked with fstat on the open descriptor
// (so that what is checked is what is read, whatever happens to the path in
// between), and read or mapped from that descriptor, exactly as many bytes as
// fstat reported.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_FRONTEND_INPUTFILE_H
#define ATTNC_FRONTEND_INPUTFILE_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SMLoc.h"
#include "llvm/Support/SourceMgr.h"
#include <cstdint>
#include <memory>

namespace attnc {

struct InputFileOptions {
  /// Refuse files larger than this many bytes (0: no bound; such files are
  /// mapped, not copied, when large).
  uint64_t maxBytes = 0;
  /// Whether the buffer must end with a NUL byte (SourceMgr buffers must).
  bool nullTerminated = false;
};

/// The largest description file read: descriptions are a few hundred bytes,
/// and the YAML parser's time and memory grow with the text.
constexpr uint64_t kMaxDescriptionBytes = uint64_t(1) << 20;

/// Reads the file `path`, which the user named as the `what` of the model
/// ("description", "weights", "tokenizer"). Errors are reported at `loc` (or
/// without a location) and return null:
///   cannot open weights 'PATH': No such file or directory
///   weights 'PATH' is not a regular file (it is a FIFO)
///   description 'PATH' has N bytes, more than the 1 MiB a description may have
std::unique_ptr<llvm::MemoryBuffer> readInputFile(llvm::StringRef path, llvm::StringRef what,
                                                  llvm::SMLoc loc, llvm::SourceMgr &sm,
                                                  const InputFileOptions &options = {});

} // namespace attnc

#endif // ATTNC_FRONTEND_INPUTFILE_H
