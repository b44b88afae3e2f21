//===- InputFile.cpp - Reading a file the user names ----------------------===//
//
// stat() first, so that a device or FIFO is refused without being opened at
// all (opening some devices has effects of its own); then open with
// O_NONBLOCK, so that a path swapped for a FIFO in between cannot block the
// open, and fstat the descriptor, which is the check that counts: the bytes
// read come from that descriptor, and only as many as it reported.
//
//===----------------------------------------------------------------------===//
#include "compiler/Frontend/InputFile.h"

#include "compiler/Frontend/Diagnostics.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/Twine.h"
#include <cerrno>
#include <fcntl.h>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>

using namespace llvm;

namespace attnc {

namespace {

/// What a file that is not a regular one is, for messages.
const char *kindOf(mode_t mode) {
  if (S_ISFIFO(mode))
    return "a FIFO";
  if (S_ISCHR(mode))
    return "a character device";
  if (S_ISBLK(mode))
    return "a block device";
  if (S_ISDIR(mode))
    return "a directory";
  if (S_ISSOCK(mode))
    return "a socket";
  return "not a file";
}

std::string errnoMessage(int error) {
  return std::error_code(error, std::generic_category()).message();
}

/// "1 MiB" for whole mebibytes, else the byte count.
std::string sizeText(uint64_t bytes) {
  if (bytes % (uint64_t(1) << 20) == 0)
    return std::to_string(bytes >> 20) + " MiB";
  return std::to_string(bytes) + " bytes";
}

} // namespace

std::unique_ptr<MemoryBuffer> readInputFile(StringRef path, StringRef what, SMLoc loc,
                                            SourceMgr &sm, const InputFileOptions &options) {
  SmallString<256> pathStorage(path);
  const char *cpath = pathStorage.c_str();
  auto fail = [&](const Twine &msg) {
    reportError(sm, loc, msg);
    return nullptr;
  };
  auto cannotOpen = [&](int error) {
    return fail("cannot open " + what + " '" + path + "': " + errnoMessage(error));
  };
  auto check = [&](const struct stat &st) -> bool {
    if (S_ISREG(st.st_mode))
      return true;
    reportError(sm, loc,
                what + " '" + path + "' is not a regular file (it is " + kindOf(st.st_mode) + ")");
    return false;
  };

  struct stat st;
  if (::stat(cpath, &st) != 0)
    return cannotOpen(errno);
  if (!check(st))
    return nullptr;
  int fd;
  do
    fd = ::open(cpath, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  while (fd < 0 && errno == EINTR);
  if (fd < 0)
    return cannotOpen(errno);
  auto closeFd = make_scope_exit([&] { ::close(fd); });
  if (::fstat(fd, &st) != 0)
    return fail("cannot read " + what + " '" + path + "': " + errnoMessage(errno));
  if (!check(st))
    return nullptr;
  uint64_t size = uint64_t(st.st_size);
  if (options.maxBytes && size > options.maxBytes)
    return fail(what + " '" + path + "' has " + Twine(size) + " bytes, more than the " +
                sizeText(options.maxBytes) + " a " + what + " may have");
  ErrorOr<std::unique_ptr<MemoryBuffer>> buffer =
      MemoryBuffer::getOpenFile(fd, path, size, options.nullTerminated);
  if (!buffer)
    return fail("cannot read " + what + " '" + path + "': " + buffer.getError().message());
  return std::move(*buffer);
}

} // namespace attnc
