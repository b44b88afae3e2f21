//===- EmbeddedData.cpp - Weights, tokenizer and model record as asm ------===//
//
// The data a compiled model carries goes into the object as module-level
// assembly rather than as LLVM constants: `.incbin` lets the assembler copy
// a weights file of hundreds of MB straight into .rodata without it ever
// passing through LLVM IR. The files are private copies the driver made
// (compiler/Support/OutputFile.h's ScratchFile), never the user's paths, so
// the bytes assembled in are exactly those that were checked. Symbols and
// layout are those of abi.h.
//
//===----------------------------------------------------------------------===//

#include "compiler/Codegen/Codegen.h"

#include "runtime/include/attnrt/abi.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;

namespace {

/// A path as a GNU as string literal: absolute (the assembler resolves
/// relative paths against its own working directory), backslashes and
/// quotes escaped. Newlines cannot be expressed and are rejected.
Expected<std::string> quotePath(StringRef path) {
  if (path.contains('\n') || path.contains('\r'))
    return createStringError(inconvertibleErrorCode(),
                             "cannot embed a file whose path contains a newline: " +
                                 path);
  SmallString<256> absolute(path);
  if (std::error_code ec = sys::fs::make_absolute(absolute))
    return createStringError(ec, "cannot make '" + path + "' absolute");
  std::string quoted = "\"";
  for (char c : absolute) {
    if (c == '\\' || c == '"')
      quoted += '\\';
    quoted += c;
  }
  return quoted + "\"";
}

/// The assembler reads `path` when the object is emitted, after this check:
/// it must be a regular file (attnc's own private copies, which nobody else
/// writes), of exactly the size recorded in the model info.
Error checkSize(StringRef what, StringRef path, uint64_t expected) {
  sys::fs::file_status status;
  if (std::error_code ec = sys::fs::status(path, status))
    return createStringError(ec, "cannot read " + what + " file '" + path +
                                     "': " + ec.message());
  if (status.type() != sys::fs::file_type::regular_file)
    return createStringError(std::make_error_code(std::errc::invalid_argument),
                             what + " file '" + path + "' is not a regular file");
  if (status.getSize() != expected)
    return createStringError(inconvertibleErrorCode(),
                             what + " file '" + path + "' has " + Twine(status.getSize()) +
                                 " bytes, expected " + Twine(expected));
  return Error::success();
}

/// `.incbin` of `path` after checkSize: the bytes of `what` assembled in.
Error emitIncbin(raw_ostream &os, StringRef what, StringRef path, int64_t bytes) {
  if (Error e = checkSize(what, path, uint64_t(bytes)))
    return e;
  Expected<std::string> quoted = quotePath(path);
  if (!quoted)
    return quoted.takeError();
  os << "  .incbin " << *quoted << "\n";
  return Error::success();
}

/// Opens the read-only section `section` (default `.rodata.NAME`) at
/// `alignment` and defines the global object `name` there.
void openSymbol(raw_ostream &os, StringRef name, unsigned alignment, StringRef section = "") {
  os << "  .pushsection " << (section.empty() ? (".rodata." + name).str() : section.str())
     << ",\"a\",@progbits\n"
     << "  .balign " << alignment << "\n"
     << "  .globl " << name << "\n"
     << "  .type " << name << ",@object\n"
     << name << ":\n";
}

void closeSymbol(raw_ostream &os, StringRef name) {
  os << "  .size " << name << ", . - " << name << "\n"
     << "  .popsection\n";
}

} // namespace

Expected<std::string> attnc::embeddedDataAsm(const EmbeddedData &data) {
  constexpr size_t kInfoFields = sizeof(AttnModelInfo) / sizeof(int64_t);
  if (data.modelInfo.size() > kInfoFields)
    return createStringError(inconvertibleErrorCode(),
                             "model info has " + Twine(data.modelInfo.size()) +
                                 " fields, AttnModelInfo has " + Twine(kInfoFields));
  if (data.weightsBytes <= 0 || data.tokenizerBytes < 0)
    return createStringError(inconvertibleErrorCode(),
                             "embedded data sizes must be positive");

  std::string text;
  raw_string_ostream os(text);

  // No file: the weights are appended to the executable after linking
  // (abi.h), and attn_weights stays undefined.
  if (!data.weightsFile.empty()) {
    // 64 bytes: every packed weight block starts on a cache line / zmm load.
    // Large weights start on a 2 MiB boundary, in the file as in memory, so
    // that the runtime can have them mapped in transparent huge pages
    // (attnrt::weights_populate); in a section of their own, which the linker
    // does not merge into .rodata, so that only they are aligned so (one gap
    // of less than 2 MiB before them, not one before .rodata too).
    if (data.weightsBytes >= ATTN_HUGE_PAGE_WEIGHTS_MIN_BYTES)
      openSymbol(os, "attn_weights", ATTN_HUGE_PAGE_BYTES, ".attn_weights");
    else
      openSymbol(os, "attn_weights", 64);
    if (Error e = emitIncbin(os, "weights", data.weightsFile, data.weightsBytes))
      return std::move(e);
    closeSymbol(os, "attn_weights");
  }

  openSymbol(os, "attn_tokenizer", 64);
  if (data.tokenizerFile.empty()) {
    os << "  .byte 0\n";
  } else if (Error e = emitIncbin(os, "tokenizer", data.tokenizerFile, data.tokenizerBytes)) {
    return std::move(e);
  }
  closeSymbol(os, "attn_tokenizer");

  openSymbol(os, "attn_model_info", 64);
  for (size_t i = 0; i < kInfoFields; ++i)
    os << "  .quad " << (i < data.modelInfo.size() ? data.modelInfo[i] : 0) << "\n";
  closeSymbol(os, "attn_model_info");
  return text;
}
