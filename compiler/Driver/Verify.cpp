//===- Verify.cpp - attnc verify ------------------------------------------===//
//
// See Verify.h. Both builds are real executables run as child processes, so
// what is verified is what `attnc compile` produces (the runtime, the
// threads, the embedded weights), not an in-process imitation of it.
//
//===----------------------------------------------------------------------===//
#include "compiler/Driver/Verify.h"

#include "compiler/Builder/ModelBuilder.h"
#include "compiler/Frontend/Diagnostics.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <optional>

using namespace attnc;

namespace {

/// One thing attn_trace records (abi.h's layout), or the logits after it.
struct Point {
  std::string name;     // "layers.0.attention.probs"
  std::string key;      // the description key it comes from
  std::string what;     // for the report: "layer 0's attention op"
  int64_t offset = 0;   // in floats, in the --trace-out file
  std::vector<int64_t> shape;
  std::vector<std::string> axes; // names of the shape's axes
};

/// The points of a T-token trace at position 0, in the order they are
/// computed, then the logits of every position.
std::vector<Point> tracePoints(const ModelSpec &spec, int64_t T) {
  const int64_t dim = spec.dim, heads = spec.attention.heads, hd = spec.headDim();
  std::vector<Point> points;
  int64_t offset = 0;
  auto add = [&](std::string name, std::string key, std::string what,
                 std::vector<int64_t> shape, std::vector<std::string> axes) {
    Point p{std::move(name), std::move(key), std::move(what), offset, std::move(shape),
            std::move(axes)};
    int64_t size = 1;
    for (int64_t d : p.shape)
      size *= d;
    offset += size;
    points.push_back(std::move(p));
  };
  add("embedding", "vocab_size", "the embedding", {T, dim}, {"token", "feature"});
  for (int64_t l = 0; l < spec.layers; ++l) {
    std::string layer = "layers." + std::to_string(l);
    std::string of = "layer " + std::to_string(l) + "'s ";
    add(layer + ".attention.probs", "attention", of + "attention op (its weights)",
        {heads, T, T}, {"head", "query", "key"});
    add(layer + ".attention", "attention", of + "attention op", {T, heads, hd},
        {"token", "head", "feature"});
    add(layer + ".mlp", "mlp", of + "MLP", {T, dim}, {"token", "feature"});
    add(layer + ".residual", "layers", of + "output (the residual stream)", {T, dim},
        {"token", "feature"});
  }
  add("logits", spec.origin.keys.count("tie_embeddings") ? "tie_embeddings" : "vocab_size",
      "the classifier", {T, spec.vocabSize}, {"token", "id"});
  return points;
}

std::string indexText(const Point &p, int64_t flat) {
  std::string text;
  for (int64_t d = int64_t(p.shape.size()) - 1; d >= 0; --d) {
    std::string part = p.axes[d] + " " + std::to_string(flat % p.shape[d]);
    text = text.empty() ? part : part + ", " + text;
    flat /= p.shape[d];
  }
  return "[" + text + "]";
}

/// A pseudo-random prompt of `count` ids below `vocab` (a fixed LCG, so every
/// run checks the same prompt), BOS first when the model has one.
std::vector<int32_t> defaultPrompt(const ModelSpec &spec, int64_t count) {
  std::vector<int32_t> ids;
  uint64_t state = 0x2545F4914F6CDD1Dull;
  for (int64_t i = 0; i < count; ++i) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    ids.push_back(int32_t((state >> 33) % uint64_t(spec.vocabSize)));
  }
  if (spec.tokens.bos >= 0 && !ids.empty())
    ids[0] = int32_t(spec.tokens.bos);
  return ids;
}

std::string idList(const std::vector<int32_t> &ids) {
  std::string text;
  for (int32_t id : ids)
    text += (text.empty() ? "" : ",") + std::to_string(id);
  return text;
}

class Verifier {
public:
  Verifier(const ModelSpec &spec, const ModelWeights &weights, llvm::StringRef tokenizerBytes,
           const VerifyOptions &options, llvm::SourceMgr &sm)
      : spec(spec), weights(weights), tokenizerBytes(tokenizerBytes), options(options), sm(sm) {}
  ~Verifier() {
    if (!removeDir.empty())
      llvm::sys::fs::remove_directories(removeDir);
  }

  int run();

private:
  bool fail(const llvm::Twine &message) { return reportError(sm, llvm::SMLoc(), message); }
  /// fail, as the exit code of a command.
  int failed(const llvm::Twine &message) {
    fail(message);
    return 1;
  }
  bool makeDir();
  /// Compiles `exe` (with attn_trace) through the reference or the
  /// optimized path.
  bool compile(const std::string &exe, bool reference);
  /// Runs `exe` on `ids` with `flags` (-n 0); false with an error on a
  /// non-zero exit, a signal or a timeout.
  bool runExe(const std::string &exe, const std::vector<int32_t> &ids,
              const std::vector<std::string> &flags);
  bool readFloats(const std::string &path, int64_t count, std::vector<float> *out);
  /// Prints "FILE:LINE:COL: note: ..." with the description line of `key`.
  void noteLocation(const std::string &key, const llvm::Twine &message);

  int differential();
  int causality();

  const ModelSpec &spec;
  const ModelWeights &weights;
  llvm::StringRef tokenizerBytes;
  const VerifyOptions &options;
  llvm::SourceMgr &sm;
  std::string dir, removeDir;
  unsigned runs = 0;
};

bool Verifier::makeDir() {
  if (!options.keepDir.empty()) {
    if (std::error_code ec = llvm::sys::fs::create_directories(options.keepDir))
      return fail("cannot create --keep directory '" + options.keepDir + "': " + ec.message());
    if (!llvm::sys::fs::is_directory(options.keepDir))
      return fail("--keep '" + options.keepDir + "' exists and is not a directory");
    dir = options.keepDir;
    return true;
  }
  llvm::SmallString<128> path;
  if (std::error_code ec = llvm::sys::fs::createUniqueDirectory("attnc-verify", path))
    return fail("cannot create a temporary directory: " + ec.message());
  dir = removeDir = std::string(path);
  return true;
}

bool Verifier::compile(const std::string &exe, bool reference) {
  CompileOptions compile = options.compile;
  compile.output = exe;
  compile.emit = "exe";
  compile.dumpDir.clear();
  compile.timing = compile.printIRAfterAll = false;
  compile.trace = true;
  compile.reference = reference;
  if (reference)
    compile.injectFault.clear();
  return compileModel(spec, weights, tokenizerBytes, compile, sm);
}

bool Verifier::runExe(const std::string &exe, const std::vector<int32_t> &ids,
                      const std::vector<std::string> &flags) {
  std::string out = dir + "/run.out", err = dir + "/run.err";
  std::vector<std::string> storage = {exe, "--prompt-ids", idList(ids), "-n", "0",
                                      "--temp", "0", "--seed", "1"};
  storage.insert(storage.end(), flags.begin(), flags.end());
  std::vector<llvm::StringRef> args(storage.begin(), storage.end());
  std::optional<llvm::StringRef> redirects[] = {llvm::StringRef(""), llvm::StringRef(out),
                                                llvm::StringRef(err)};
  std::string message;
  bool failedToStart = false;
  ++runs;
  int code = llvm::sys::ExecuteAndWait(exe, args, std::nullopt, redirects,
                                       /*SecondsToWait=*/600, /*MemoryLimit=*/0, &message,
                                       &failedToStart);
  if (code == 0)
    return true;
  std::string stderrText;
  if (auto buffer = llvm::MemoryBuffer::getFile(err))
    stderrText = llvm::StringRef((*buffer)->getBuffer()).trim().str();
  if (failedToStart || code < 0)
    return fail("running " + exe + " failed: " + (message.empty() ? "timeout" : message) +
                (stderrText.empty() ? "" : "\n" + stderrText));
  return fail("running " + exe + " failed (exit " + llvm::Twine(code) + ")" +
              (stderrText.empty() ? "" : ": " + stderrText));
}

bool Verifier::readFloats(const std::string &path, int64_t count, std::vector<float> *out) {
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                            /*RequiresNullTerminator=*/false);
  if (!buffer)
    return fail("cannot read " + path + ": " + buffer.getError().message());
  if (int64_t((*buffer)->getBufferSize()) != count * int64_t(sizeof(float)))
    return fail(path + " has " + llvm::Twine((*buffer)->getBufferSize()) + " bytes, expected " +
                llvm::Twine(count * int64_t(sizeof(float))));
  out->resize(size_t(count));
  std::memcpy(out->data(), (*buffer)->getBufferStart(), size_t(count) * sizeof(float));
  return true;
}

void Verifier::noteLocation(const std::string &key, const llvm::Twine &message) {
  auto it = spec.origin.keys.find(key);
  if (it == spec.origin.keys.end())
    it = spec.origin.keys.find("layers");
  for (unsigned id = 1; it != spec.origin.keys.end() && id <= sm.getNumBuffers(); ++id) {
    if (sm.getMemoryBuffer(id)->getBufferIdentifier() != spec.origin.file)
      continue;
    llvm::SMLoc loc = sm.FindLocForLineAndColumn(id, it->second.line, it->second.column);
    if (loc.isValid()) {
      sm.PrintMessage(llvm::outs(), loc, llvm::SourceMgr::DK_Note, message);
      return;
    }
  }
  llvm::outs() << (spec.origin.file.empty() ? spec.name : spec.origin.file)
               << ": note: " << message << "\n";
}

int Verifier::differential() {
  std::vector<int32_t> ids = options.promptIds.empty()
                                 ? defaultPrompt(spec, options.promptTokens)
                                 : options.promptIds;
  const int64_t T = int64_t(ids.size());
  if (T < 1 || T > spec.contextLength)
    return failed("the prompt has " + llvm::Twine(T) + " tokens; it needs 1 to " +
                  llvm::Twine(spec.contextLength));
  if (T > kPrefillChunk)
    return failed("the prompt has " + llvm::Twine(T) + " tokens; attn_prefill takes at most " +
                  llvm::Twine(kPrefillChunk) + " in one call");
  std::string optimized = dir + "/optimized", reference = dir + "/reference";
  if (!compile(optimized, /*reference=*/false) || !compile(reference, /*reference=*/true))
    return 1;
  std::vector<Point> points = tracePoints(spec, T);
  const int64_t traceFloats = points.back().offset + T * spec.vocabSize;
  // Each build: the trace (attn_trace), and the logits of attn_prefill.
  std::vector<float> trace[2], logits[2];
  const std::string exes[2] = {optimized, reference};
  for (int i = 0; i < 2; ++i) {
    std::string traceFile = exes[i] + ".trace", logitsFile = exes[i] + ".logits";
    if (!runExe(exes[i], ids, {"--trace-out", traceFile}) ||
        !runExe(exes[i], ids, {"--logits-out", logitsFile}) ||
        !readFloats(traceFile, traceFloats, &trace[i]) ||
        !readFloats(logitsFile, T * spec.vocabSize, &logits[i]))
      return 1;
  }
  Point prefill = points.back();
  prefill.name = "logits (attn_prefill)";
  points.back().name = "logits (attn_trace)";

  llvm::outs() << "verify " << spec.name << ": optimized vs reference build on a " << T
               << "-token prompt (ids " << idList(ids) << ")\n"
               << "  error = |optimized - reference| / max(1, |reference|), tolerance "
               << llvm::format("%g", options.tolerance) << "\n";
  double largest = 0;
  std::string largestAt;
  const Point *first = nullptr;
  int64_t firstIndex = 0;
  auto compare = [&](const Point &p, const float *a, const float *b) {
    double worst = 0;
    int64_t worstIndex = 0, bad = -1, size = 1;
    for (int64_t d : p.shape)
      size *= d;
    for (int64_t i = 0; i < size; ++i) {
      double error = std::fabs(double(a[i]) - double(b[i])) /
                     std::max(1.0, std::fabs(double(b[i])));
      if (std::isnan(a[i]) != std::isnan(b[i]) || std::isnan(error))
        error = INFINITY;
      if (error > worst) {
        worst = error;
        worstIndex = i;
      }
      if (bad < 0 && error > options.tolerance)
        bad = i;
    }
    llvm::outs() << llvm::format("  %-32s max error %-10.3g", p.name.c_str(), worst)
                 << (bad >= 0 ? "  EXCEEDS, worst at " + indexText(p, worstIndex)
                              : std::string())
                 << "\n";
    if (worst > largest) {
      largest = worst;
      largestAt = p.name;
    }
    if (bad >= 0 && !first) {
      first = &p;
      firstIndex = bad;
    }
    return bad;
  };
  for (const Point &p : points)
    compare(p, trace[0].data() + p.offset, trace[1].data() + p.offset);
  compare(prefill, logits[0].data(), logits[1].data());

  if (!first) {
    llvm::outs() << "OK: the two builds agree at every point (largest error "
                 << llvm::format("%.3g", largest) << (largestAt.empty() ? "" : ", at ")
                 << largestAt << ")\n";
    return 0;
  }
  const float *a = first == &prefill ? logits[0].data() : trace[0].data() + first->offset;
  const float *b = first == &prefill ? logits[1].data() : trace[1].data() + first->offset;
  llvm::outs() << "FAIL: the first point that differs is " << first->name << " ("
               << first->what << "): at " << indexText(*first, firstIndex) << " optimized "
               << llvm::format("%.9g", a[firstIndex]) << ", reference "
               << llvm::format("%.9g", b[firstIndex]) << "\n";
  noteLocation(first->key, first->name + ": " + first->what + " is described here");
  return 1;
}

int Verifier::causality() {
  const int64_t T = std::min<int64_t>({kPrefillChunk, spec.contextLength, 64});
  std::vector<int32_t> base = options.promptIds.empty() ? defaultPrompt(spec, T)
                                                         : options.promptIds;
  if (int64_t(base.size()) != T)
    return failed("--causality needs a prompt of exactly " + llvm::Twine(T) + " tokens (one " +
                  "attn_prefill call), got " + llvm::Twine(base.size()));
  if (T < 2)
    return failed("--causality needs a context of at least 2 positions");
  std::string exe = dir + "/optimized";
  if (!compile(exe, /*reference=*/false))
    return 1;
  const int64_t vocab = spec.vocabSize;
  std::vector<float> baseLogits, logits;
  std::string file = exe + ".logits";
  if (!runExe(exe, base, {"--logits-out", file}) || !readFloats(file, T * vocab, &baseLogits))
    return 1;
  const MaskKind mask = spec.attention.mask;
  const char *maskName = mask == MaskKind::Causal ? "causal"
                         : mask == MaskKind::None ? "none"
                                                  : "sliding_window";
  llvm::outs() << "verify --causality " << spec.name << " (mask " << maskName
               << "): a " << T << "-token prompt in one attn_prefill call; for every p the "
               << "tokens after p are changed\n";

  // The first position whose logits change when only later tokens change.
  int64_t leak = -1, leakP = -1;
  double leakDiff = 0;
  for (int64_t p = 0; p + 1 < T; ++p) {
    std::vector<int32_t> changed = base;
    for (int64_t j = p + 1; j < T; ++j)
      changed[j] = int32_t((base[j] + 1 + j % std::min<int64_t>(7, vocab - 1)) % vocab);
    if (!runExe(exe, changed, {"--logits-out", file}) || !readFloats(file, T * vocab, &logits))
      return 1;
    for (int64_t r = 0; r <= p; ++r) {
      if (std::memcmp(&logits[r * vocab], &baseLogits[r * vocab], vocab * sizeof(float)) == 0)
        continue;
      if (leak < 0 || r < leak) {
        leak = r;
        leakP = p;
        leakDiff = 0;
        for (int64_t i = 0; i < vocab; ++i)
          leakDiff = std::max(leakDiff, double(std::fabs(logits[r * vocab + i] -
                                                         baseLogits[r * vocab + i])));
      }
      break;
    }
    // A bidirectional model shows it at p = 0: nothing more to learn.
    if (mask == MaskKind::None && leak >= 0)
      break;
  }

  // The recorded attention weights of the same prompt.
  std::vector<Point> points = tracePoints(spec, T);
  std::vector<float> trace;
  std::string traceFile = exe + ".trace";
  if (!runExe(exe, base, {"--trace-out", traceFile}) ||
      !readFloats(traceFile, points.back().offset + T * vocab, &trace))
    return 1;
  const int64_t window = mask == MaskKind::SlidingWindow ? spec.attention.window : 0;
  double worstSum = 0;
  std::string hiddenError;
  for (const Point &p : points) {
    if (p.axes.size() != 3 || p.axes[0] != "head")
      continue;
    const int64_t heads = p.shape[0];
    for (int64_t h = 0; h < heads && hiddenError.empty(); ++h)
      for (int64_t q = 0; q < T && hiddenError.empty(); ++q) {
        double sum = 0;
        for (int64_t k = 0; k < T; ++k) {
          float w = trace[p.offset + (h * T + q) * T + k];
          sum += w;
          bool hidden = mask != MaskKind::None && (k > q || (window > 0 && k <= q - window));
          if (hidden && w != 0.0f && hiddenError.empty())
            hiddenError = p.name + " " + indexText(p, (h * T + q) * T + k) + " is " +
                          llvm::formatv("{0:g}", w).str() + ", but the mask hides key " +
                          std::to_string(k) + " from query " + std::to_string(q);
        }
        worstSum = std::max(worstSum, std::fabs(sum - 1.0));
      }
  }

  bool ok = true;
  if (mask == MaskKind::None) {
    if (leak == 0) {
      llvm::outs() << "  bidirectional as described: position 0's logits change with the "
                      "tokens after it\n";
    } else {
      ok = false;
      llvm::outs() << "FAIL: the mask is none, yet position 0's logits did not change when "
                      "every later token changed\n";
    }
  } else if (leak >= 0) {
    ok = false;
    llvm::outs() << "FAIL: position " << leak << " sees the future: changing the tokens after "
                 << "position " << leakP << " changed its logits (by up to "
                 << llvm::format("%.3g", leakDiff) << ")\n";
    noteLocation("attention", "the attention and its mask are described here");
  } else {
    llvm::outs() << "  logits at positions 0..p bitwise identical for every p in 0.."
                 << (T - 2) << " (" << (T - 1) << " changed prompts)\n";
  }
  if (!hiddenError.empty()) {
    ok = false;
    llvm::outs() << "FAIL: attention weights: " << hiddenError << "\n";
  } else {
    llvm::outs() << "  attention weights: every key the mask hides has weight exactly 0 ("
                 << spec.layers << " layers x " << spec.attention.heads << " heads x " << T
                 << " queries)\n";
  }
  if (worstSum > 1e-5) {
    ok = false;
    llvm::outs() << "FAIL: an attention row sums to 1 +- " << llvm::format("%.3g", worstSum)
                 << " (more than 1e-5)\n";
  } else {
    llvm::outs() << "  every row of attention weights sums to 1 within "
                 << llvm::format("%.2g", worstSum) << "\n";
  }
  llvm::outs() << (ok ? "OK" : "FAILED") << " (" << runs << " runs of the compiled model)\n";
  return ok ? 0 : 1;
}

int Verifier::run() {
  if (!makeDir())
    return 1;
  return options.causality ? causality() : differential();
}

} // namespace

int attnc::verifyModel(const ModelSpec &spec, const ModelWeights &weights,
                       llvm::StringRef tokenizerBytes, const VerifyOptions &options,
                       llvm::SourceMgr &sm) {
  Verifier verifier(spec, weights, tokenizerBytes, options, sm);
  return verifier.run();
}
