//===- Link.cpp - Link a compiled model with the runtime ------------------===//
//
// Runs clang++ (the one the project was configured with) with lld on the
// object attnc produced and the runtime archives. The linker writes a
// temporary path that produceOutput (compiler/Support/OutputFile.h) gives it
// and installs on success; lld is told --no-mmap-output-file so that it
// writes that path itself and makes no temporary of its own. The linker runs
// in a process group of its own, and while it runs, SIGINT, SIGTERM and
// SIGHUP to attnc first kill that group and reap it (attnc is the child
// subreaper, so ld.lld, clang's child, is reaped too), then go on to LLVM's
// handler, which removes the temporaries and re-raises: no linker outlives
// an interrupted attnc to create a file after the cleanup.
//
//===----------------------------------------------------------------------===//

#include "compiler/Codegen/Codegen.h"

#include "compiler/Codegen/RuntimePaths.h"
#include "compiler/Support/OutputFile.h"

#include "runtime/include/attnrt/abi.h"

#include "llvm/ADT/ScopeExit.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Program.h"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <ctime>
#include <memory>
#include <new>
#include <vector>

#include <fcntl.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

using namespace llvm;

namespace {

Expected<std::string> findClang() {
  if (sys::fs::can_execute(ATTNC_CLANGXX))
    return std::string(ATTNC_CLANGXX);
  if (ErrorOr<std::string> path = sys::findProgramByName("clang++-19"))
    return *path;
  return createStringError(inconvertibleErrorCode(),
                           "cannot find clang++-19 to link with (configured: " +
                               Twine(ATTNC_CLANGXX) + ")");
}

//===----------------------------------------------------------------------===//
// The linker's process group and the signals that must stop it
//===----------------------------------------------------------------------===//

const int kInterrupts[] = {SIGHUP, SIGINT, SIGTERM};
constexpr size_t kNumInterrupts = sizeof(kInterrupts) / sizeof(kInterrupts[0]);
struct sigaction previousActions[kNumInterrupts];
bool installed[kNumInterrupts];
volatile sig_atomic_t linkerGroup = 0;
// Set while posix_spawn runs: another thread may take the signal then.
volatile sig_atomic_t spawning = 0;

/// Async-signal-safe: kill, waitpid, nanosleep, sigaction, raise only.
void stopLinkerAndChain(int sig, siginfo_t *info, void *context) {
  // The spawning thread blocks these signals, so this is another thread:
  // wait (boundedly) for the group it is creating.
  for (int i = 0; i < 2000 && spawning && linkerGroup == 0; ++i) {
    struct timespec millisecond = {0, 1000000};
    ::nanosleep(&millisecond, nullptr);
  }
  pid_t group = linkerGroup;
  if (group > 0) {
    ::kill(-group, SIGKILL);
    for (;;) {
      pid_t reaped = ::waitpid(-group, nullptr, 0);
      if (reaped > 0 || (reaped < 0 && errno == EINTR))
        continue;
      break;
    }
  }
  for (size_t i = 0; i < kNumInterrupts; ++i) {
    if (kInterrupts[i] != sig)
      continue;
    const struct sigaction &previous = previousActions[i];
    ::sigaction(sig, &previous, nullptr);
    if ((previous.sa_flags & SA_SIGINFO) && previous.sa_sigaction)
      return previous.sa_sigaction(sig, info, context);
    if (previous.sa_handler != SIG_DFL && previous.sa_handler != SIG_IGN)
      return previous.sa_handler(sig);
  }
  // No handler before ours: die by the signal (it is blocked in here).
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, sig);
  ::sigprocmask(SIG_UNBLOCK, &set, nullptr);
  ::raise(sig);
}

void installStopHandlers() {
  for (size_t i = 0; i < kNumInterrupts; ++i) {
    struct sigaction current;
    installed[i] = false;
    // An ignored signal (e.g. SIGINT of a background job) stays ignored.
    if (::sigaction(kInterrupts[i], nullptr, &current) != 0 || current.sa_handler == SIG_IGN)
      continue;
    struct sigaction action = {};
    action.sa_sigaction = stopLinkerAndChain;
    action.sa_flags = SA_SIGINFO;
    sigemptyset(&action.sa_mask);
    installed[i] = ::sigaction(kInterrupts[i], &action, &previousActions[i]) == 0;
  }
}

void restoreHandlers() {
  for (size_t i = 0; i < kNumInterrupts; ++i)
    if (installed[i])
      ::sigaction(kInterrupts[i], &previousActions[i], nullptr);
}

/// Runs `args` (args[0] = program) in a new process group and waits for it.
/// Returns the wait status.
Expected<int> runInOwnGroup(ArrayRef<StringRef> args) {
  std::vector<std::string> storage(args.begin(), args.end());
  std::vector<char *> argv;
  for (std::string &arg : storage)
    argv.push_back(arg.data());
  argv.push_back(nullptr);

  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK);
  posix_spawnattr_setpgroup(&attributes, 0);
  sigset_t none, interrupts, saved;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attributes, &none);
  sigemptyset(&interrupts);
  for (int sig : kInterrupts)
    sigaddset(&interrupts, sig);

  // ld.lld is clang's child: as subreaper, attnc inherits it if clang dies
  // first, so the handler can reap the whole group.
  ::prctl(PR_SET_CHILD_SUBREAPER, 1);
  // Until the handler knows the group, an interrupt waits.
  ::pthread_sigmask(SIG_BLOCK, &interrupts, &saved);
  installStopHandlers();
  pid_t pid = 0;
  spawning = 1;
  int rc = ::posix_spawn(&pid, argv[0], nullptr, &attributes, argv.data(), environ);
  if (rc == 0)
    linkerGroup = pid;
  spawning = 0;
  posix_spawnattr_destroy(&attributes);
  ::pthread_sigmask(SIG_SETMASK, &saved, nullptr);

  int status = 0;
  bool reaped = false;
  if (rc == 0) {
    pid_t waited;
    while ((waited = ::waitpid(pid, &status, 0)) < 0 && errno == EINTR) {
    }
    // An interrupt taken by another thread has the handler kill and reap the
    // group, and this waitpid then fails (ECHILD) with no status: the link
    // did not finish, and its output must not be installed.
    reaped = waited == pid;
  }

  ::pthread_sigmask(SIG_BLOCK, &interrupts, &saved);
  linkerGroup = 0;
  restoreHandlers();
  ::pthread_sigmask(SIG_SETMASK, &saved, nullptr);
  if (rc != 0)
    return createStringError(std::error_code(rc, std::generic_category()),
                             "cannot run '" + args[0] + "': " +
                                 std::error_code(rc, std::generic_category()).message());
  if (!reaped)
    return createStringError(inconvertibleErrorCode(),
                             "the linker '" + args[0] + "' was stopped by an interrupt");
  return status;
}

/// Appends the weight blob at `blobPath` to the linked executable at
/// `exePath` as abi.h's appended weights: a hole up to the alignment, the
/// blob, the trailer.
Error appendWeights(StringRef exePath, StringRef blobPath) {
  auto fail = [&](const Twine &what, int error) {
    return createStringError(std::error_code(error, std::generic_category()),
                             "cannot append the weights to '" + exePath + "': " + what + ": " +
                                 std::strerror(error));
  };
  int out = ::open(exePath.str().c_str(), O_WRONLY | O_CLOEXEC);
  if (out < 0)
    return fail("open", errno);
  auto closeOut = llvm::make_scope_exit([&] { ::close(out); });
  int in = ::open(blobPath.str().c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0)
    return fail("open '" + blobPath + "'", errno);
  auto closeIn = llvm::make_scope_exit([&] { ::close(in); });
  struct stat exe, blob;
  if (::fstat(out, &exe) != 0 || ::fstat(in, &blob) != 0)
    return fail("stat", errno);
  const uint64_t bytes = uint64_t(blob.st_size);
  const uint64_t align = int64_t(bytes) >= ATTN_HUGE_PAGE_WEIGHTS_MIN_BYTES
                             ? uint64_t(ATTN_HUGE_PAGE_BYTES)
                             : uint64_t(ATTN_APPENDED_WEIGHTS_ALIGN);
  const uint64_t offset = (uint64_t(exe.st_size) + align - 1) / align * align;
  // Large writes at 2 MiB offsets, not copy_file_range: the page cache then
  // holds the bytes in large folios, which the runtime's mapping gets in
  // 2 MiB pages (copy_file_range, like cp, leaves 4 KiB ones: stories110M's
  // prefill of 128 tokens ran at 600 instead of 990 tokens/s, measured).
  constexpr size_t kChunk = size_t(8) << 20;
  std::unique_ptr<char[]> buffer(new (std::nothrow) char[kChunk]);
  if (!buffer)
    return fail("allocate a buffer", ENOMEM);
  for (uint64_t done = 0; done < bytes;) {
    const size_t want = size_t(std::min<uint64_t>(bytes - done, kChunk));
    ssize_t n = ::pread(in, buffer.get(), want, off_t(done));
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return fail("read '" + blobPath + "'", errno);
    if (n == 0)
      return fail("'" + blobPath + "' ended early", EIO);
    for (ssize_t written = 0; written < n;) {
      ssize_t w = ::pwrite(out, buffer.get() + written, size_t(n - written),
                           off_t(offset + done + uint64_t(written)));
      if (w < 0 && errno == EINTR)
        continue;
      if (w <= 0)
        return fail("write", w < 0 ? errno : EIO);
      written += w;
    }
    done += uint64_t(n);
  }
  AttnWeightsTrailer trailer;
  std::memcpy(trailer.magic, ATTN_WEIGHTS_TRAILER_MAGIC, sizeof(trailer.magic));
  trailer.offset = offset;
  trailer.bytes = bytes;
  if (::pwrite(out, &trailer, sizeof(trailer), off_t(offset + bytes)) !=
      ssize_t(sizeof(trailer)))
    return fail("write the trailer", errno ? errno : EIO);
  return Error::success();
}

/// Runs `clang++ -fuse-ld=lld <inputs...> <extraArgs...> -o TEMP`, appends
/// `appendedWeights` if given, and installs TEMP at `outputPath`.
Error runLinker(ArrayRef<std::string> inputs, ArrayRef<std::string> extraArgs,
                StringRef outputPath, attnc::OutputMode mode,
                StringRef appendedWeights = "") {
  Expected<std::string> clang = findClang();
  if (!clang)
    return clang.takeError();

  return attnc::produceOutput(
      outputPath,
      [&](StringRef tmp) -> Error {
        SmallVector<StringRef> args = {*clang, "-fuse-ld=lld", "-Wl,--no-mmap-output-file"};
        for (const std::string &s : inputs)
          args.push_back(s);
        for (const std::string &s : extraArgs)
          args.push_back(s);
        args.append({"-o", tmp});

        Expected<int> status = runInOwnGroup(args);
        if (!status)
          return status.takeError();
        if (WIFEXITED(*status) && WEXITSTATUS(*status) == 0)
          return appendedWeights.empty() ? Error::success()
                                         : appendWeights(tmp, appendedWeights);
        std::string command;
        for (StringRef a : args)
          command += (command.empty() ? "" : " ") + a.str();
        std::string why = WIFEXITED(*status)
                              ? "exit " + std::to_string(WEXITSTATUS(*status))
                              : "killed by signal " + std::to_string(WTERMSIG(*status));
        return createStringError(inconvertibleErrorCode(),
                                 "link failed (" + why + "): " + command);
      },
      mode);
}

} // namespace

Error attnc::linkExecutable(StringRef objectPath, StringRef exePath) {
  return linkObjects(ArrayRef<std::string>{objectPath.str()}, exePath);
}

Error attnc::linkObjects(ArrayRef<std::string> objectPaths, StringRef exePath,
                         StringRef appendedWeights) {
  StringRef runtimeMain = ATTNC_RUNTIME_MAIN_LIB, runtime = ATTNC_RUNTIME_LIB;
  if (runtimeMain.empty() || runtime.empty())
    return createStringError(inconvertibleErrorCode(),
                             "attnc was built without the runtime library "
                             "(no attnrt/attnrt_main target): cannot link '" +
                                 exePath + "'");
  // ATTNC_RUNTIME_LINK_FLAGS: libomp, and the runtime's -fsanitize= flags,
  // if any.
  std::vector<std::string> flags = ATTNC_RUNTIME_LINK_FLAGS;
  flags.push_back("-lm");
  std::vector<std::string> inputs(objectPaths.begin(), objectPaths.end());
  inputs.push_back(runtimeMain.str());
  inputs.push_back(runtime.str());
  return runLinker(inputs, flags, exePath, OutputMode::Executable, appendedWeights);
}

Error attnc::linkSharedLibrary(ArrayRef<std::string> objectPaths,
                               StringRef libPath) {
  std::vector<std::string> flags = ATTNC_OPENMP_LINK_FLAGS;
  flags.insert(flags.begin(), {"-shared", "-lm"});
  return runLinker(objectPaths, flags, libPath, OutputMode::Executable);
}
