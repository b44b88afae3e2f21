//===- OutputFile.cpp - The one way attnc writes a file -------------------===//
//
// POSIX implementation of the output rules of OutputFile.h. A target is
// classified once, after following its links by hand (realpath would fail
// on a name that does not exist yet, and a dangling link names the file to
// create). Regular targets get an llvm::sys::fs::TempFile beside them, which
// LLVM's signal handlers remove on SIGINT/SIGTERM (InitLLVM installs them),
// renamed over the target on success: rename(2) within one directory is
// atomic, so a reader sees the old file or the new one, never a mix.
// Devices and FIFOs are opened without O_CREAT and O_TRUNC, so the node
// itself is never touched; O_NONBLOCK makes opening a FIFO with no reader
// fail with ENXIO instead of blocking, and is cleared before writing.
//
//===----------------------------------------------------------------------===//
#include "compiler/Support/OutputFile.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <cerrno>
#include <csignal>
#include <iterator>
#include <cstring>
#include <map>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace llvm;
using namespace attnc;

namespace {

const int kInterrupts[] = {SIGHUP, SIGINT, SIGTERM};

/// A private temporary file named after `model` (TempFile::create's % digits).
/// TempFile::create opens the file, then registers it for removal on a
/// signal: an interrupt between the two (a window that a slow, e.g.
/// sanitized, build made visible) left the file behind. Held back until it is
/// registered, the interrupt removes it.
Expected<sys::fs::TempFile> createRegisteredTemp(const Twine &model) {
  sigset_t interrupts, saved;
  sigemptyset(&interrupts);
  for (int signal : kInterrupts)
    sigaddset(&interrupts, signal);
  ::pthread_sigmask(SIG_BLOCK, &interrupts, &saved);
  Expected<sys::fs::TempFile> temp =
      sys::fs::TempFile::create(model, sys::fs::owner_read | sys::fs::owner_write);
  ::pthread_sigmask(SIG_SETMASK, &saved, nullptr);
  return temp;
}

Error cannotWrite(StringRef path, const Twine &reason,
                  std::error_code ec = std::make_error_code(std::errc::io_error)) {
  return createStringError(ec, "cannot write '" + path + "': " + reason);
}

Error cannotWrite(StringRef path, std::error_code ec) {
  return cannotWrite(path, ec.message(), ec);
}

std::error_code lastError() { return std::error_code(errno, std::generic_category()); }

/// What a path names once its links are followed.
struct Target {
  enum Kind { Missing, Regular, CharDevice, Fifo } kind = Missing;
  std::string path; // with every symbolic link resolved
  mode_t mode = 0;  // permission bits of an existing regular file
};

/// Follows the symbolic links of the last component of `path` (a link in a
/// directory component is harmless: the temporary goes beside the real file
/// either way). A dangling link resolves to the name it points at.
Expected<std::string> followLinks(StringRef path) {
  std::string current = path.str();
  for (int hops = 0;; ++hops) {
    struct stat st;
    if (::lstat(current.c_str(), &st) != 0) {
      if (errno == ENOENT)
        return current;
      return cannotWrite(path, lastError());
    }
    if (!S_ISLNK(st.st_mode))
      return current;
    if (hops == 40)
      return cannotWrite(path, std::make_error_code(std::errc::too_many_symbolic_link_levels));
    char buffer[4096];
    ssize_t length = ::readlink(current.c_str(), buffer, sizeof(buffer));
    if (length < 0 || size_t(length) == sizeof(buffer))
      return cannotWrite(path, length < 0 ? lastError()
                                          : std::make_error_code(std::errc::filename_too_long));
    StringRef link(buffer, size_t(length));
    if (sys::path::is_absolute(link)) {
      current = link.str();
    } else {
      SmallString<256> joined(sys::path::parent_path(current));
      sys::path::append(joined, link);
      current = std::string(joined);
    }
  }
}

Expected<Target> classify(StringRef path) {
  Expected<std::string> real = followLinks(path);
  if (!real)
    return real.takeError();
  Target target;
  target.path = std::move(*real);
  struct stat st;
  if (::stat(target.path.c_str(), &st) != 0) {
    if (errno != ENOENT)
      return cannotWrite(path, lastError());
    // A new file: its directory must exist (checked here so that the error
    // names the output, not a temporary).
    SmallString<256> dir(sys::path::parent_path(target.path));
    if (dir.empty())
      dir = ".";
    struct stat dirStat;
    if (::stat(dir.c_str(), &dirStat) != 0)
      return cannotWrite(path, lastError());
    if (!S_ISDIR(dirStat.st_mode))
      return cannotWrite(path, std::make_error_code(std::errc::not_a_directory));
    return target;
  }
  auto refuse = [&](const char *what) {
    return cannotWrite(path, Twine("it is ") + what +
                                 " (only a regular file, a character device or a FIFO "
                                 "can be written)",
                       std::make_error_code(std::errc::invalid_argument));
  };
  if (S_ISREG(st.st_mode)) {
    target.kind = Target::Regular;
    target.mode = st.st_mode & 07777;
  } else if (S_ISCHR(st.st_mode)) {
    target.kind = Target::CharDevice;
  } else if (S_ISFIFO(st.st_mode)) {
    target.kind = Target::Fifo;
  } else if (S_ISDIR(st.st_mode)) {
    return refuse("a directory");
  } else if (S_ISSOCK(st.st_mode)) {
    return refuse("a socket");
  } else if (S_ISBLK(st.st_mode)) {
    return refuse("a block device");
  } else {
    return refuse("not a regular file");
  }
  return target;
}

/// Data keeps an existing target's bits; an executable is 0777 & ~umask
/// whatever it replaces, as a linker makes it (keeping the bits of a
/// non-executable file it replaced would give a program that cannot run).
unsigned outputBits(const Target &target, OutputMode mode) {
  if (mode == OutputMode::Data && target.kind == Target::Regular)
    return target.mode;
  return (mode == OutputMode::Executable ? 0777u : 0666u) & ~sys::fs::getUmask();
}

/// Flushes `os` and turns its error state into an Error (clearing it, or
/// the stream's destructor would abort).
Error streamError(raw_fd_ostream &os, StringRef path) {
  os.flush();
  if (!os.has_error())
    return Error::success();
  std::error_code ec = os.error();
  os.clear_error();
  return cannotWrite(path, ec);
}

/// A hidden temporary beside `real` (the resolved target of `path`), removed
/// on SIGINT/SIGTERM until it is kept or discarded.
Expected<sys::fs::TempFile> createTempBeside(StringRef path, StringRef real) {
  // Hidden and short enough for NAME_MAX whatever the output's name.
  SmallString<256> model(sys::path::parent_path(real));
  sys::path::append(model, "." + sys::path::filename(real).take_front(100) + ".attnc-%%%%%%%%");
  Expected<sys::fs::TempFile> temp = createRegisteredTemp(model);
  if (!temp) {
    std::error_code ec = errorToErrorCode(temp.takeError());
    return cannotWrite(path, "cannot create a temporary file beside it: " + ec.message(), ec);
  }
  return temp;
}

/// A regular or new target: a temporary beside it, renamed over it.
Error writeReplacing(StringRef path, const Target &target,
                     function_ref<Error(raw_fd_ostream &)> write, OutputMode mode) {
  Expected<sys::fs::TempFile> temp = createTempBeside(path, target.path);
  if (!temp)
    return temp.takeError();
  auto discard = [&](Error error) {
    consumeError(temp->discard());
    return error;
  };
  {
    raw_fd_ostream os(temp->FD, /*shouldClose=*/false);
    Error error = write(os);
    Error written = streamError(os, path);
    if (error) {
      consumeError(std::move(written));
      return discard(std::move(error));
    }
    if (written)
      return discard(std::move(written));
  }
  if (::fchmod(temp->FD, outputBits(target, mode)) != 0)
    return discard(cannotWrite(path, lastError()));
  if (Error error = temp->keep(target.path))
    return cannotWrite(path, errorToErrorCode(std::move(error)));
  return Error::success();
}

/// FIFOs opened by checkOutputPath, by resolved path, kept open for the
/// write: closing one after the check would give its reader an early EOF.
std::map<std::string, int> &heldOpen() {
  static std::map<std::string, int> fds;
  return fds;
}

/// Opens a character device or FIFO as it is (no O_CREAT, no O_TRUNC), in
/// blocking mode once open.
Expected<int> openThrough(StringRef path, const Target &target) {
  auto held = heldOpen().find(target.path);
  if (held != heldOpen().end()) {
    int fd = held->second;
    heldOpen().erase(held);
    return fd;
  }
  int fd;
  do
    fd = ::open(target.path.c_str(), O_WRONLY | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
  while (fd < 0 && errno == EINTR);
  if (fd < 0) {
    if (errno == ENXIO && target.kind == Target::Fifo)
      return cannotWrite(path, "it is a FIFO with no reader",
                         std::error_code(ENXIO, std::generic_category()));
    return cannotWrite(path, lastError());
  }
  // What was opened must still be what was classified (the name may have
  // been replaced in between): never write into a regular file in place.
  struct stat st;
  if (::fstat(fd, &st) != 0 || !(S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode))) {
    ::close(fd);
    return cannotWrite(path, "it changed while being opened",
                       std::make_error_code(std::errc::device_or_resource_busy));
  }
  int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0 || ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0) {
    std::error_code ec = lastError();
    ::close(fd);
    return cannotWrite(path, ec);
  }
  return fd;
}

/// A character device or FIFO: written through.
Error writeThrough(StringRef path, const Target &target,
                   function_ref<Error(raw_fd_ostream &)> write) {
  Expected<int> fd = openThrough(path, target);
  if (!fd)
    return fd.takeError();
  raw_fd_ostream os(*fd, /*shouldClose=*/true);
  Error error = write(os);
  os.close();
  std::error_code ec = os.error();
  os.clear_error();
  if (error)
    return error;
  return ec ? cannotWrite(path, ec) : Error::success();
}

Error writeStdout(function_ref<Error(raw_fd_ostream &)> write) {
  raw_fd_ostream &os = outs();
  Error error = write(os);
  Error written = streamError(os, "-");
  if (error) {
    consumeError(std::move(written));
    return error;
  }
  return written;
}

} // namespace

Error attnc::checkOutputPath(StringRef path) {
  if (path == "-")
    return Error::success();
  Expected<Target> target = classify(path);
  if (!target)
    return target.takeError();
  if (target->kind != Target::Fifo || heldOpen().count(target->path))
    return Error::success();
  Expected<int> fd = openThrough(path, *target);
  if (!fd)
    return fd.takeError();
  heldOpen()[target->path] = *fd;
  return Error::success();
}

bool attnc::isWriteThroughTarget(StringRef path) {
  Expected<Target> target = classify(path);
  if (!target) {
    consumeError(target.takeError());
    return false;
  }
  return target->kind == Target::CharDevice || target->kind == Target::Fifo;
}

Error attnc::writeOutput(StringRef path, function_ref<Error(raw_fd_ostream &)> write,
                         OutputMode mode) {
  if (path == "-")
    return writeStdout(write);
  Expected<Target> target = classify(path);
  if (!target)
    return target.takeError();
  if (target->kind == Target::CharDevice || target->kind == Target::Fifo)
    return writeThrough(path, *target, write);
  return writeReplacing(path, *target, write, mode);
}

Error attnc::produceOutput(StringRef path, function_ref<Error(StringRef tempPath)> produce,
                           OutputMode mode) {
  Expected<Target> target =
      path == "-" ? Expected<Target>(Target{Target::CharDevice, "-", 0}) : classify(path);
  if (!target)
    return target.takeError();

  if (target->kind == Target::Missing || target->kind == Target::Regular) {
    Expected<sys::fs::TempFile> temp = createTempBeside(path, target->path);
    if (!temp)
      return temp.takeError();
    if (Error error = produce(temp->TmpName)) {
      consumeError(temp->discard());
      return error;
    }
    // By name: the producer may have replaced the file we created.
    if (::chmod(temp->TmpName.c_str(), outputBits(*target, mode)) != 0) {
      std::error_code ec = lastError();
      consumeError(temp->discard());
      return cannotWrite(path, ec);
    }
    if (Error error = temp->keep(target->path))
      return cannotWrite(path, errorToErrorCode(std::move(error)));
    return Error::success();
  }

  // A device, FIFO or stdout: made privately, then copied through.
  Expected<ScratchFile> scratch = ScratchFile::create("output", "");
  if (!scratch)
    return scratch.takeError();
  if (Error error = produce(scratch->path()))
    return error;
  ErrorOr<std::unique_ptr<MemoryBuffer>> bytes =
      MemoryBuffer::getFile(scratch->path(), /*IsText=*/false, /*RequiresNullTerminator=*/false);
  if (!bytes)
    return cannotWrite(path, "cannot read back '" + scratch->path() +
                                 "': " + bytes.getError().message(),
                       bytes.getError());
  return writeOutput(path, [&](raw_fd_ostream &os) {
    os << (*bytes)->getBuffer();
    return Error::success();
  });
}

Expected<attnc::ScratchFile> attnc::ScratchFile::create(StringRef prefix, StringRef suffix) {
  SmallString<256> model;
  sys::path::system_temp_directory(/*ErasedOnReboot=*/true, model);
  std::string dir(model);
  sys::path::append(model, "attnc-" + prefix + "-%%%%%%%%" +
                               (suffix.empty() ? "" : "." + suffix));
  Expected<sys::fs::TempFile> temp = createRegisteredTemp(model);
  if (!temp) {
    std::error_code ec = errorToErrorCode(temp.takeError());
    return createStringError(ec, "cannot create a temporary file in '" + dir +
                                     "': " + ec.message());
  }
  return ScratchFile(std::move(*temp));
}

attnc::ScratchFile::~ScratchFile() {
  if (file)
    consumeError(file->discard());
}

Error attnc::ScratchFile::write(StringRef bytes) {
  return write([&](raw_fd_ostream &os) {
    os << bytes;
    return Error::success();
  });
}

Error attnc::ScratchFile::write(function_ref<Error(raw_fd_ostream &)> write) {
  raw_fd_ostream os(file->FD, /*shouldClose=*/false);
  Error error = write(os);
  Error written = streamError(os, file->TmpName);
  if (error) {
    consumeError(std::move(written));
    return error;
  }
  return written;
}

IgnoredInterrupts IgnoredInterrupts::record() {
  IgnoredInterrupts ignored;
  for (unsigned i = 0; i < std::size(kInterrupts); ++i) {
    struct sigaction action;
    if (::sigaction(kInterrupts[i], nullptr, &action) == 0 && action.sa_handler == SIG_IGN)
      ignored.mask |= 1u << i;
  }
  return ignored;
}

void IgnoredInterrupts::restore() const {
  for (unsigned i = 0; i < std::size(kInterrupts); ++i)
    if (mask & (1u << i))
      ::signal(kInterrupts[i], SIG_IGN);
}
