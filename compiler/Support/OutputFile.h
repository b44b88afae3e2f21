//===- OutputFile.h - The one way attnc writes a file -----------*- C++ -*-===//
//
// Every file attnc writes (-o, --save-weights, --dump-dir stages, and the
// tools' outputs) goes through writeOutput or produceOutput, and every
// temporary it makes is a ScratchFile. The rules, so that no output can
// destroy what it names and no interruption leaves debris:
//  - symbolic links are followed to the file they name (never replaced);
//  - a regular file, or a name that does not exist yet, is written as a
//    temporary in the same directory and renamed over the target only on
//    success (a failure or a SIGINT/SIGTERM leaves it untouched and removes
//    the temporary);
//  - a character device or a FIFO is written through, never replaced (a FIFO
//    without a reader is refused instead of blocking);
//  - anything else (a directory, a socket, a block device) is refused.
// Errors read "cannot write 'PATH': REASON".
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_SUPPORT_OUTPUTFILE_H
#define ATTNC_SUPPORT_OUTPUTFILE_H

#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

#include <memory>
#include <string>

namespace attnc {

/// Permission bits of the output: data keeps an existing target's bits and is
/// otherwise 0666 & ~umask; an executable is always 0777 & ~umask, as a
/// linker makes it.
enum class OutputMode { Data, Executable };

/// Fails (naming the path and why) when `path` is something writeOutput
/// would refuse: a directory, socket or block device, a missing directory,
/// a FIFO with no reader. Used to refuse before a long compile starts. A
/// FIFO is opened here and kept open for the later writeOutput (closing it
/// would end its reader's input); nothing else is opened or created.
/// "-" (stdout) is always accepted.
llvm::Error checkOutputPath(llvm::StringRef path);

/// Whether `path` (links followed) is a character device or a FIFO, which
/// several outputs may name at once (e.g. -o and --save-weights /dev/null).
bool isWriteThroughTarget(llvm::StringRef path);

/// Writes the bytes `write` produces to `path` ("-": stdout) under the rules
/// above. `write` gets a stream that supports seeking unless the target is a
/// FIFO or stdout (check supportsSeeking()). An error from `write`, or a
/// write error of the stream, fails the call and leaves a regular target as
/// it was.
llvm::Error writeOutput(llvm::StringRef path,
                        llvm::function_ref<llvm::Error(llvm::raw_fd_ostream &)> write,
                        OutputMode mode = OutputMode::Data);

/// For a file another program creates: `produce` is given a fresh temporary
/// path to write (in the target's directory for a regular target, else a
/// ScratchFile whose bytes are then copied through to the device or FIFO),
/// which is installed at `path` under the same rules.
llvm::Error produceOutput(llvm::StringRef path,
                          llvm::function_ref<llvm::Error(llvm::StringRef tempPath)> produce,
                          OutputMode mode = OutputMode::Data);

/// The interrupt signals (SIGHUP, SIGINT, SIGTERM) the process was started
/// with ignored, e.g. SIGINT of a background job of a non-interactive shell
/// or SIGHUP under nohup. LLVM's handlers take every signal over, so that on
/// an ignored one they would delete every temporary and return, and the
/// compile would go on and fail on a missing file. Record them before
/// llvm::InitLLVM and restore them after it; they then stay ignored.
class IgnoredInterrupts {
public:
  static IgnoredInterrupts record();
  void restore() const;

private:
  unsigned mask = 0; // bit i: the i-th of SIGHUP, SIGINT, SIGTERM
};

/// A private temporary file in $TMPDIR (or /tmp), created with mode 0600 and
/// removed when the object dies, when the process exits through an error
/// path, and on SIGINT/SIGTERM/SIGHUP (llvm::sys::RemoveFileOnSignal).
class ScratchFile {
public:
  /// Creates "attnc-<prefix>-XXXXXX.<suffix>" in the temporary directory.
  static llvm::Expected<ScratchFile> create(llvm::StringRef prefix, llvm::StringRef suffix);

  ScratchFile(ScratchFile &&other) = default;
  ScratchFile &operator=(ScratchFile &&other) = delete;
  ~ScratchFile();

  llvm::StringRef path() const { return file->TmpName; }
  /// Writes `bytes` to the file (from its start).
  llvm::Error write(llvm::StringRef bytes);
  /// Runs `write` on a stream into the file.
  llvm::Error write(llvm::function_ref<llvm::Error(llvm::raw_fd_ostream &)> write);

private:
  explicit ScratchFile(llvm::sys::fs::TempFile file)
      : file(std::make_unique<llvm::sys::fs::TempFile>(std::move(file))) {}
  std::unique_ptr<llvm::sys::fs::TempFile> file; // null once moved from
};

} // namespace attnc

#endif // ATTNC_SUPPORT_OUTPUTFILE_H
