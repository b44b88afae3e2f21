//===- ParallelCodegen.cpp - The -O3 pipeline and codegen on every core ---===//
//
// LLVM's -O3 pipeline and code generation are most of a compile, and they
// run on one core. Here the module's functions are split into one partition
// per core, balanced by instruction count (the largest functions are the
// outlined OpenMP bodies of the linear layers, so one entry point per
// partition would leave attn_prefill's alone on one core), and each
// partition is optimized and compiled on its own thread, in its own
// LLVMContext (a context is not thread-safe), into its own object. A
// partition is the whole module read back from bitcode, with the other
// partitions' functions reduced to declarations; -O3's dead-code
// elimination then drops what only they used. Internal functions become
// hidden external ones first, so that a partition can call or take the
// address of one defined in another; nothing is inlined across functions
// here (the entry points do not call each other, and the outlined bodies
// are reached through __kmpc_fork_call), so every function is optimized as
// in the whole module.
//
//===----------------------------------------------------------------------===//
#include "compiler/Codegen/Codegen.h"

#include "llvm/Bitcode/BitcodeReader.h"
#include "llvm/Bitcode/BitcodeWriter.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"

#include <algorithm>
#include <mutex>
#include <thread>

using namespace llvm;

unsigned attnc::codegenPartitions(const Module &module) {
  unsigned defined = 0;
  for (const Function &f : module)
    defined += !f.isDeclaration();
  unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  return std::max(1u, std::min({cores, defined, 8u}));
}

Error attnc::emitObjectsInParallel(Module &module, StringRef dataAsm, StringRef dataPath,
                                   ArrayRef<std::string> objectPaths,
                                   const CodegenOptions &options) {
  const size_t parts = objectPaths.size();
  if (parts == 0)
    return createStringError(inconvertibleErrorCode(), "internal error: no object path");
  // Largest first, each to the partition with the fewest instructions.
  std::vector<std::pair<size_t, std::string>> sizes;
  for (Function &f : module) {
    if (f.isDeclaration())
      continue;
    if (f.hasLocalLinkage()) {
      f.setLinkage(GlobalValue::ExternalLinkage);
      f.setVisibility(GlobalValue::HiddenVisibility);
    }
    sizes.emplace_back(f.getInstructionCount(), f.getName().str());
  }
  llvm::sort(sizes, [](const auto &a, const auto &b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  StringMap<size_t> partitionOf;
  std::vector<size_t> load(parts, 0);
  for (const auto &[size, name] : sizes) {
    size_t lightest = std::min_element(load.begin(), load.end()) - load.begin();
    partitionOf[name] = lightest;
    load[lightest] += size + 1;
  }

  SmallVector<char, 0> bitcode;
  {
    raw_svector_ostream os(bitcode);
    WriteBitcodeToFile(module, os);
  }
  std::mutex mutex;
  std::string firstError;
  auto fail = [&](const Twine &message) {
    std::lock_guard<std::mutex> lock(mutex);
    if (firstError.empty())
      firstError = message.str();
  };
  auto compile = [&](size_t part) {
    LLVMContext context;
    Expected<std::unique_ptr<Module>> parsed = parseBitcodeFile(
        MemoryBufferRef(StringRef(bitcode.data(), bitcode.size()), "model"), context);
    if (!parsed)
      return fail("reading the module back: " + toString(parsed.takeError()));
    Module &m = **parsed;
    for (Function &f : m)
      if (!f.isDeclaration() && partitionOf.lookup(f.getName()) != part)
        f.deleteBody(); // an external declaration now
    // Defined external variables (none today) stay in the first object.
    if (part != 0)
      for (GlobalVariable &g : m.globals())
        if (!g.isDeclaration() && !g.hasLocalLinkage()) {
          g.setInitializer(nullptr);
          g.setLinkage(GlobalValue::ExternalLinkage);
          g.setComdat(nullptr);
        }
    Expected<std::unique_ptr<TargetMachine>> tm = createTargetMachine(options);
    if (!tm)
      return fail(toString(tm.takeError()));
    optimizeLLVMModule(m, **tm, options.optLevel);
    std::error_code ec;
    raw_fd_ostream os(objectPaths[part], ec);
    if (ec)
      return fail("cannot write '" + objectPaths[part] + "': " + ec.message());
    if (Error error = emitFile(m, **tm, OutputKind::Object, os))
      return fail(toString(std::move(error)));
    os.close();
    if (os.has_error())
      return fail("writing '" + objectPaths[part] + "' failed: " + os.error().message());
  };
  // The embedded data (the weights: most of the bytes, little work but
  // I/O) is assembled on a thread of its own.
  auto assembleData = [&] {
    Expected<std::unique_ptr<TargetMachine>> tm = createTargetMachine(options);
    if (!tm)
      return fail(toString(tm.takeError()));
    std::error_code ec;
    raw_fd_ostream os(dataPath, ec);
    if (ec)
      return fail("cannot write '" + dataPath + "': " + ec.message());
    if (Error error = assembleObject(dataAsm, **tm, os))
      return fail(toString(std::move(error)));
    os.close();
    if (os.has_error())
      return fail("writing '" + dataPath + "' failed: " + os.error().message());
  };
  std::vector<std::thread> threads;
  threads.emplace_back(assembleData);
  for (size_t part = 1; part < parts; ++part)
    threads.emplace_back(compile, part);
  compile(0);
  for (std::thread &thread : threads)
    thread.join();
  if (!firstError.empty())
    return createStringError(inconvertibleErrorCode(), firstError);
  return Error::success();
}
