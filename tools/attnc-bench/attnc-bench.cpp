//===- attnc-bench.cpp - Measure the packed linear kernel -----------------===//
//
// The design check for attnc's vector code. Decode is bound by how fast the
// weights stream from memory, so the linear layer (>95% of decode time) must
// run near the single-thread read bandwidth (~24 GB/s on the reference
// machine); prefill multiplies a block of T tokens by each weight matrix, so
// it is bound by the FMA units and must run near their peak. This tool
// generates the packed linear generic exactly as convert-attn-to-linalg
// emits it (dims (nb, t, j, k), W as NB x K x B blocks), once with T = 1
// (decode) and once with a dynamic T (prefill), compiles it with the real
// attnc pipeline and codegen into a shared library, loads it, checks it
// against a scalar reference, and prints, for the stories15M shapes:
// decode's weight bandwidth for each matrix alone (hot in cache), the
// classifier alone (36.9 MB), whole decode steps (6 layers x 7 matrices +
// classifier, 60 MB, four distinct copies used in turn so that the weights
// stream from DRAM) against a plain read loop over the same bytes; and
// prefill's GFLOP/s for T tokens (default 128) against the single-core FMA
// peak measured in the same run (12 independent chains of 512-bit FMAs).
//
//   attnc-bench [--iters N] [--roofline GBPS] [--tokens T] [--token-block B]
//               [--keep DIR]
//
//===----------------------------------------------------------------------===//

#include "compiler/Codegen/Codegen.h"
#include "compiler/InitAll.h"
#include "compiler/Pipelines/Pipelines.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <cmath>
#include <dlfcn.h>
#include <immintrin.h>
#include <random>
#include <string>
#include <vector>

using namespace llvm;

namespace {

cl::opt<int> iterations("iters", cl::desc("Timed repetitions per measurement"),
                        cl::init(50));
cl::opt<double> roofline("roofline",
                         cl::desc("Single-thread read bandwidth, GB/s"),
                         cl::init(24.0));
cl::opt<int> prefillTokens("tokens", cl::desc("Tokens of the prefill case"),
                           cl::init(128));
cl::opt<int> tokenBlock("token-block",
                        cl::desc("Tokens per register tile of the linear "
                                 "layers (attn-tile-and-vectorize)"),
                        cl::init(mlir::attnc::PipelineOptions().tokenBlock));
cl::opt<std::string> keepDir("keep", cl::desc("Keep the .mlir/.o/.so here"),
                             cl::init(""));

/// A linear layer K -> N with N packed in blocks of B (as the importer does).
struct Shape {
  const char *name;
  int64_t k, n;
  int64_t block() const {
    for (int64_t b : {16, 8, 4, 2})
      if (n % b == 0)
        return b;
    return 1;
  }
  std::string symbol(bool prefill) const {
    return formatv("{0}_{1}_{2}", prefill ? "prefill" : "linear", k, n).str();
  }
};

/// stories15M: dim 288, hidden 768, 6 layers, vocabulary 32000.
const Shape kQKVO{"wq/wk/wv/wo", 288, 288};
const Shape kUpGate{"w1/w3", 288, 768};
const Shape kDown{"w2", 768, 288};
const Shape kClassifier{"classifier", 288, 32000};
constexpr int kLayers = 6;

/// The packed linear generic of convert-attn-to-linalg for T = 1 (decode) or
/// a dynamic T (prefill), written into an out-memref like the entry points
/// write their results.
std::string linearFunction(const Shape &s, bool prefill) {
  int64_t b = s.block(), nb = s.n / b;
  std::string text = R"mlir(
func.func @$NAME(%x: tensor<$Tx$Kxf32>, %w: tensor<$NBx$Kx$Bxf32>, %out: memref<$Tx$Nxf32>)
    attributes {llvm.emit_c_interface} {
  %zero = arith.constant 0.0 : f32
  $EMPTY
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<$Tx$NBx$Bxf32>) -> tensor<$Tx$NBx$Bxf32>
  %r = linalg.generic {
      indexing_maps = [affine_map<(nb, t, j, k) -> (t, k)>,
                       affine_map<(nb, t, j, k) -> (nb, k, j)>,
                       affine_map<(nb, t, j, k) -> (t, nb, j)>],
      iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%x, %w : tensor<$Tx$Kxf32>, tensor<$NBx$Kx$Bxf32>)
      outs(%init : tensor<$Tx$NBx$Bxf32>) {
  ^bb0(%a: f32, %bw: f32, %c: f32):
    %m = arith.mulf %a, %bw : f32
    %s = arith.addf %c, %m : f32
    linalg.yield %s : f32
  } -> tensor<$Tx$NBx$Bxf32>
  %y = tensor.collapse_shape %r [[0], [1, 2]] : tensor<$Tx$NBx$Bxf32> into tensor<$Tx$Nxf32>
  bufferization.materialize_in_destination %y in restrict writable %out
      : (tensor<$Tx$Nxf32>, memref<$Tx$Nxf32>) -> ()
  return
}
)mlir";
  std::string empty =
      prefill ? "%c0 = arith.constant 0 : index\n"
                "  %tokens = tensor.dim %x, %c0 : tensor<?x$Kxf32>\n"
                "  %e = tensor.empty(%tokens) : tensor<?x$NBx$Bxf32>"
              : "%e = tensor.empty() : tensor<1x$NBx$Bxf32>";
  // $NAME, $EMPTY, $T, $K, $N, $NB, $B placeholders (the text is full of
  // braces, which formatv would take for replacement fields).
  for (auto [key, value] :
       {std::pair<std::string, std::string>{"$NAME", s.symbol(prefill)},
        {"$EMPTY", empty}, {"$T", prefill ? "?" : "1"},
        {"$NB", std::to_string(nb)}, {"$K", std::to_string(s.k)},
        {"$N", std::to_string(s.n)}, {"$B", std::to_string(b)}})
    for (size_t at; (at = text.find(key)) != std::string::npos;)
      text.replace(at, key.size(), value);
  return text;
}

template <int Rank> struct MemRef {
  float *allocated, *aligned;
  int64_t offset, sizes[Rank], strides[Rank];
};
MemRef<2> memref2(float *p, int64_t d0, int64_t d1) {
  return {p, p, 0, {d0, d1}, {d1, 1}};
}
MemRef<3> memref3(float *p, int64_t d0, int64_t d1, int64_t d2) {
  return {p, p, 0, {d0, d1, d2}, {d1 * d2, d2, 1}};
}
using LinearFn = void (*)(MemRef<2> *, MemRef<3> *, MemRef<2> *);

/// 64-byte aligned float buffer (as attn_weights is).
struct Buffer {
  std::vector<float> storage;
  float *data;
  explicit Buffer(size_t n) : storage(n + 16) {
    auto addr = reinterpret_cast<uintptr_t>(storage.data());
    data = storage.data() + ((64 - addr % 64) % 64) / sizeof(float);
  }
};

struct Kernel {
  Shape shape;
  LinearFn fn;
  void run(float *x, float *w, float *y, int64_t tokens = 1) const {
    MemRef<2> mx = memref2(x, tokens, shape.k), my = memref2(y, tokens, shape.n);
    MemRef<3> mw = memref3(w, shape.n / shape.block(), shape.k, shape.block());
    fn(&mx, &mw, &my);
  }
};

Error fail(const Twine &message) {
  return createStringError(inconvertibleErrorCode(), message);
}

/// Compiles all shapes, for decode then for prefill, into one shared library
/// and returns their kernels in that order.
Expected<std::vector<Kernel>> compile(ArrayRef<Shape> shapes, StringRef dir) {
  std::string source;
  for (bool prefill : {false, true})
    for (const Shape &s : shapes)
      source += linearFunction(s, prefill);

  mlir::DialectRegistry registry;
  attnc::registerAllDialects(registry);
  mlir::MLIRContext context(registry);
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceString<mlir::ModuleOp>(source, &context);
  if (!module)
    return fail("cannot parse the generated linear kernels");

  mlir::PassManager pm(&context);
  mlir::attnc::PipelineOptions options;
  options.tokenBlock = tokenBlock;
  mlir::attnc::buildLinalgToVectorPipeline(pm, options);
  mlir::attnc::buildVectorToLLVMPipeline(pm, options);
  if (failed(pm.run(*module)))
    return fail("the attnc pipeline failed on the linear kernels");

  SmallString<128> object(dir), library(dir);
  sys::path::append(object, "linear.o");
  sys::path::append(library, "linear.so");
  if (Error e = attnc::compileToFile(*module, nullptr, attnc::OutputKind::Object,
                                     object))
    return std::move(e);
  if (Error e = attnc::linkSharedLibrary({std::string(object)}, library))
    return std::move(e);

  void *handle = dlopen(library.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle)
    return fail(Twine("dlopen: ") + dlerror());
  std::vector<Kernel> kernels;
  for (bool prefill : {false, true}) {
    for (const Shape &s : shapes) {
      std::string name = "_mlir_ciface_" + s.symbol(prefill);
      auto fn = reinterpret_cast<LinearFn>(dlsym(handle, name.c_str()));
      if (!fn)
        return fail("missing symbol " + name);
      kernels.push_back({s, fn});
    }
  }
  return kernels;
}

/// Scalar reference on the packed layout for `tokens` tokens; returns the
/// max relative error.
double check(const Kernel &kernel, int64_t tokens, std::mt19937 &rng) {
  const Shape &s = kernel.shape;
  int64_t b = s.block();
  std::uniform_real_distribution<float> dist(-1, 1);
  Buffer x(tokens * s.k), w(s.k * s.n), y(tokens * s.n);
  for (int64_t i = 0; i < tokens * s.k; ++i)
    x.data[i] = dist(rng);
  for (int64_t i = 0; i < s.k * s.n; ++i)
    w.data[i] = dist(rng);
  kernel.run(x.data, w.data, y.data, tokens);
  double worst = 0;
  for (int64_t t = 0; t < tokens; ++t) {
    for (int64_t o = 0; o < s.n; ++o) {
      double ref = 0, mag = 0;
      for (int64_t k = 0; k < s.k; ++k) {
        double p = double(x.data[t * s.k + k]) *
                   w.data[(o / b) * s.k * b + k * b + o % b];
        ref += p;
        mag += std::fabs(p);
      }
      worst = std::max(worst,
                       std::fabs(ref - y.data[t * s.n + o]) / std::max(mag, 1e-30));
    }
  }
  return worst;
}

/// 12 independent chains of 512-bit FMAs (enough to cover the FMA latency
/// on current x86 cores): the machine's single-core fp32 FMA peak in
/// GFLOP/s, or 0 without AVX-512.
__attribute__((target("avx512f"))) double fmaPeakAvx512(int64_t steps) {
  __m512 acc[12];
  for (int i = 0; i < 12; ++i)
    acc[i] = _mm512_set1_ps(0.001f * i);
  __m512 a = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-7f);
  auto start = std::chrono::steady_clock::now();
  for (int64_t s = 0; s < steps; ++s) {
    for (int i = 0; i < 12; ++i)
      acc[i] = _mm512_fmadd_ps(acc[i], a, b);
    // An empty asm that "reads" the accumulators keeps the compiler from
    // folding the loop.
    for (int i = 0; i < 12; ++i)
      asm volatile("" : "+v"(acc[i]));
  }
  double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  __m512 sum = acc[0];
  for (int i = 1; i < 12; ++i)
    sum = _mm512_add_ps(sum, acc[i]);
  volatile float sink = _mm512_reduce_add_ps(sum);
  (void)sink;
  return 12.0 * 16 * 2 * steps / elapsed / 1e9;
}

double fmaPeak() {
  if (!__builtin_cpu_supports("avx512f"))
    return 0;
  // Short rounds (~10 ms), best of many, for the same reason as measure().
  double best = 0;
  for (int round = 0; round < 50; ++round)
    best = std::max(best, fmaPeakAvx512(1'000'000));
  return best;
}

double seconds(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

/// Units (bytes, flops) per second / 1e9 of `body`, each call timed on its
/// own and the fastest of 3 x iterations kept: on a shared, busy machine a
/// single call is less likely to be preempted than a long round.
template <typename F> double measure(double unitsPerCall, F &&body) {
  body(); // warm up: page faults, caches
  double best = 1e30;
  for (int i = 0; i < 3 * iterations; ++i) {
    auto start = std::chrono::steady_clock::now();
    body();
    best = std::min(best, seconds(std::chrono::steady_clock::now() - start));
  }
  return unitsPerCall / best / 1e9;
}

void report(StringRef what, double mb, double gbps) {
  outs() << formatv("  {0,-34} {1,7:f1} MB  {2,6:f1} GB/s  {3,5:f0}% of {4:f0} GB/s\n",
                    what, mb, gbps, 100 * gbps / roofline, double(roofline));
}

} // namespace

int main(int argc, char **argv) {
  cl::ParseCommandLineOptions(argc, argv, "attnc linear-kernel benchmark\n");
  attnc::registerAllPasses();

  SmallString<128> dir(keepDir);
  if (dir.empty()) {
    if (std::error_code ec = sys::fs::createUniqueDirectory("attnc-bench", dir)) {
      errs() << "attnc-bench: cannot create a temporary directory: "
             << ec.message() << "\n";
      return 1;
    }
  } else {
    sys::fs::create_directories(dir);
  }

  std::vector<Shape> shapes = {kQKVO, kUpGate, kDown, kClassifier};
  Expected<std::vector<Kernel>> kernels = compile(shapes, dir);
  if (keepDir.empty())
    sys::fs::remove_directories(dir);
  if (!kernels) {
    errs() << "attnc-bench: " << toString(kernels.takeError()) << "\n";
    return 1;
  }

  std::mt19937 rng(42);
  outs() << "correctness (max |y - ref| / sum |x*w|, fp32 accumulation):\n";
  bool ok = true;
  size_t count = shapes.size();
  for (size_t i = 0; i < kernels->size(); ++i) {
    const Kernel &k = (*kernels)[i];
    bool prefill = i >= count;
    // Prefill: a token count that leaves a remainder for every token block
    // up to 16 (full tiles and the left-over tokens are both checked).
    int64_t tokens = prefill ? 133 : 1;
    if (prefill && k.shape.n > 4096)
      continue; // the scalar reference of the classifier is slow; its tiles are those of w1
    double err = check(k, tokens, rng);
    ok &= err < 1e-5; // fp32 rounding over <= 768 terms stays far below this
    outs() << formatv("  {0,-12} K={1,-4} N={2,-5} B={3,-2} T={4,-3} {5:e2}\n",
                      k.shape.name, k.shape.k, k.shape.n, k.shape.block(), tokens, err);
  }
  if (!ok) {
    errs() << "attnc-bench: the compiled kernel disagrees with the reference\n";
    return 1;
  }

  outs() << "weight bandwidth, T = 1 (decode), single thread:\n";
  Buffer x(768), y(32000);
  for (int64_t i = 0; i < 768; ++i)
    x.data[i] = 0.01f * i;
  for (const Kernel &k : ArrayRef(*kernels).take_front(count)) {
    Buffer w(k.shape.k * k.shape.n);
    for (int64_t i = 0; i < k.shape.k * k.shape.n; ++i)
      w.data[i] = 1e-3f * (i % 97);
    double bytes = 4.0 * k.shape.k * k.shape.n;
    double gbps = measure(bytes, [&] { k.run(x.data, w.data, y.data); });
    std::string label = formatv("{0} {1}x{2}{3}", k.shape.name, k.shape.k, k.shape.n,
                                bytes < 2e6 ? " (cache-hot)" : " (~L3 size)")
                            .str();
    report(label, bytes / 1e6, gbps);
  }

  // Whole decode steps: the 43 matrices of stories15M, in several distinct
  // copies (>= 240 MB, 7x the L3) used in turn, so that every weight comes
  // from DRAM as in real decoding of a model larger than the cache.
  const Kernel &qkvo = (*kernels)[0], &upGate = (*kernels)[1],
               &down = (*kernels)[2], &classifier = (*kernels)[3];
  struct Step { const Kernel *kernel; Buffer w; };
  constexpr int kCopies = 4;
  std::vector<std::vector<Step>> models(kCopies);
  double stepBytes = 0;
  for (std::vector<Step> &steps : models) {
    for (int l = 0; l < kLayers; ++l) {
      for (int m = 0; m < 4; ++m)
        steps.push_back({&qkvo, Buffer(288 * 288)});
      for (int m = 0; m < 2; ++m)
        steps.push_back({&upGate, Buffer(288 * 768)});
      steps.push_back({&down, Buffer(768 * 288)});
    }
    steps.push_back({&classifier, Buffer(288 * 32000)});
    stepBytes = 0;
    for (Step &s : steps) {
      size_t n = s.kernel->shape.k * s.kernel->shape.n;
      for (size_t i = 0; i < n; ++i)
        s.w.data[i] = 1e-3f * (i % 89);
      stepBytes += 4.0 * n;
    }
  }
  int copy = 0;
  double gbps = measure(stepBytes, [&] {
    for (Step &s : models[copy])
      s.kernel->run(x.data, s.w.data, y.data);
    copy = (copy + 1) % kCopies;
  });
  report(formatv("stories15M decode step ({0} copies)", kCopies).str(),
         stepBytes / 1e6, gbps);

  // The same machine's plain read bandwidth over the same bytes, for
  // comparison with the roofline given on the command line.
  double read = measure(stepBytes, [&] {
    uint64_t sum[8] = {};
    for (Step &s : models[copy]) {
      size_t words = s.kernel->shape.k * s.kernel->shape.n / 2;
      const uint64_t *p = reinterpret_cast<const uint64_t *>(s.w.data);
      for (size_t i = 0; i + 8 <= words; i += 8)
        for (int j = 0; j < 8; ++j)
          sum[j] += p[i + j];
    }
    copy = (copy + 1) % kCopies;
    volatile uint64_t sink = sum[0] ^ sum[7];
    (void)sink;
  });
  report("plain read loop, same bytes", stepBytes / 1e6, read);
  outs() << formatv("  => {0:f0} tokens/s upper bound from the linear layers "
                    "(linear kernel at {1:f0}% of the measured read loop)\n",
                    gbps * 1e9 / stepBytes, 100 * gbps / read);

  // Prefill: T tokens through each matrix (weights and activations hot in
  // cache, as in a prefill of a model of this size), and the 42 layer
  // matrices of a whole prefill in turn, against the FMA peak.
  int64_t tokens = prefillTokens;
  double peak = fmaPeak();
  outs() << formatv("prefill, T = {0}, single thread (FMA peak measured in this "
                    "run: {1:f1} GFLOP/s):\n",
                    tokens, peak);
  auto gflops = [&](StringRef what, double flop, double rate) {
    outs() << formatv("  {0,-34} {1,7:f1} MFLOP {2,6:f1} GFLOP/s", what, flop / 1e6, rate);
    if (peak > 0)
      outs() << formatv("  {0,5:f1}% of peak", 100 * rate / peak);
    outs() << "\n";
  };
  Buffer xs(tokens * 768), ys(tokens * 32000);
  for (int64_t i = 0; i < tokens * 768; ++i)
    xs.data[i] = 1e-3f * (i % 101);
  std::vector<Buffer> layer;
  for (const Kernel &k : ArrayRef(*kernels).drop_front(count)) {
    if (k.shape.n > 4096)
      continue; // prefill computes the logits of the last position only
    Buffer w(k.shape.k * k.shape.n);
    for (int64_t i = 0; i < k.shape.k * k.shape.n; ++i)
      w.data[i] = 1e-3f * (i % 97);
    double flop = 2.0 * tokens * k.shape.k * k.shape.n;
    double rate = measure(flop, [&] { k.run(xs.data, w.data, ys.data, tokens); });
    gflops(formatv("{0} {1}x{2}", k.shape.name, k.shape.k, k.shape.n).str(), flop,
           rate);
  }
  const Kernel &pQKVO = (*kernels)[count], &pUpGate = (*kernels)[count + 1],
               &pDown = (*kernels)[count + 2];
  double layerFlop = 0;
  std::vector<Step> prefillSteps;
  for (int l = 0; l < kLayers; ++l) {
    for (int m = 0; m < 4; ++m)
      prefillSteps.push_back({&pQKVO, Buffer(288 * 288)});
    for (int m = 0; m < 2; ++m)
      prefillSteps.push_back({&pUpGate, Buffer(288 * 768)});
    prefillSteps.push_back({&pDown, Buffer(768 * 288)});
  }
  for (Step &s : prefillSteps) {
    size_t n = s.kernel->shape.k * s.kernel->shape.n;
    for (size_t i = 0; i < n; ++i)
      s.w.data[i] = 1e-3f * (i % 89);
    layerFlop += 2.0 * tokens * n;
  }
  double rate = measure(layerFlop, [&] {
    for (Step &s : prefillSteps)
      s.kernel->run(xs.data, s.w.data, ys.data, tokens);
  });
  gflops(formatv("stories15M prefill, {0} layers", kLayers).str(), layerFlop, rate);
  // The same calls on one weight copy per shape: the difference to the line
  // above is the cost of bringing 24 MB of distinct weights in from L3/DRAM.
  double hot = measure(layerFlop, [&] {
    for (size_t i = 0; i < prefillSteps.size(); ++i)
      prefillSteps[i].kernel->run(xs.data, prefillSteps[i % 7].w.data, ys.data, tokens);
  });
  gflops("  same, weights of layer 0 only", layerFlop, hot);
  outs() << formatv("  => {0:f0} tokens/s upper bound from the layers' linear "
                    "matrices\n",
                    rate * 1e9 / (layerFlop / tokens));
  return 0;
}
