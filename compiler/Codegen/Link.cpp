//===- Link.cpp - Link a compiled model with the runtime ------------------===//
//
// Runs clang++ (the one the project was configured with) with lld on the
// object attnc produced and the runtime archives. The output is written to
// a unique temporary name next to the destination and renamed on success.
//
//===----------------------------------------------------------------------===//

#include "compiler/Codegen/Codegen.h"

#include "compiler/Codegen/RuntimePaths.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Program.h"

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

/// Runs `clang++ -fuse-ld=lld <inputs...> <extraArgs...> -o tmp` and renames
/// tmp to `outputPath`.
Error runLinker(ArrayRef<std::string> inputs, ArrayRef<std::string> extraArgs,
                StringRef outputPath) {
  Expected<std::string> clang = findClang();
  if (!clang)
    return clang.takeError();

  SmallString<256> tmp;
  if (std::error_code ec =
          sys::fs::createUniqueFile(outputPath + ".tmp-%%%%%%", tmp))
    return createStringError(ec, "cannot create a temporary file next to '" +
                                     outputPath + "': " + ec.message());

  SmallVector<StringRef> args = {*clang, "-fuse-ld=lld"};
  for (const std::string &s : inputs)
    args.push_back(s);
  for (const std::string &s : extraArgs)
    args.push_back(s);
  args.append({"-o", tmp});

  std::string message;
  int rc = sys::ExecuteAndWait(*clang, args, std::nullopt, {}, 0, 0, &message);
  if (rc != 0) {
    sys::fs::remove(tmp);
    std::string command;
    for (StringRef a : args)
      command += (command.empty() ? "" : " ") + a.str();
    return createStringError(inconvertibleErrorCode(),
                             "link failed (" +
                                 (message.empty() ? "exit " + Twine(rc) : Twine(message)) +
                                 "): " + command);
  }
  if (std::error_code ec = sys::fs::rename(tmp, outputPath)) {
    sys::fs::remove(tmp);
    return createStringError(ec, "cannot rename the linked output to '" +
                                     outputPath + "': " + ec.message());
  }
  return Error::success();
}

} // namespace

Error attnc::linkExecutable(StringRef objectPath, StringRef exePath) {
  StringRef runtimeMain = ATTNC_RUNTIME_MAIN_LIB, runtime = ATTNC_RUNTIME_LIB;
  if (runtimeMain.empty() || runtime.empty())
    return createStringError(inconvertibleErrorCode(),
                             "attnc was built without the runtime library "
                             "(no attnrt/attnrt_main target): cannot link '" +
                                 exePath + "'");
  // ATTNC_RUNTIME_LINK_FLAGS: the runtime's -fsanitize= flags, if any.
  std::vector<std::string> flags = ATTNC_RUNTIME_LINK_FLAGS;
  flags.push_back("-lm");
  return runLinker({objectPath.str(), runtimeMain.str(), runtime.str()}, flags,
                   exePath);
}

Error attnc::linkSharedLibrary(ArrayRef<std::string> objectPaths,
                               StringRef libPath) {
  return runLinker(objectPaths, {"-shared", "-lm"}, libPath);
}
