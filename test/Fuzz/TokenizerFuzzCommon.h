//===- TokenizerFuzzCommon.h - What the tokenizer import fuzzers share -*- C++ -*-===//
//
// convertTokenizer on the input with diagnostics swallowed, then, when it
// converts, the embedded bytes loaded by the runtime's parser (which must
// accept them: the compiler checked them with it) and a few texts encoded
// and decoded; every id must be in range.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_TEST_FUZZ_TOKENIZERFUZZCOMMON_H
#define ATTNC_TEST_FUZZ_TOKENIZERFUZZCOMMON_H

#include "compiler/Frontend/TokenizerImport.h"
#include "runtime/include/attnrt/tokenizer.h"

#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace attnc_fuzz {

inline void require(bool ok, const char *what) {
  if (!ok) {
    std::fprintf(stderr, "tokenizer import fuzzer: %s\n", what);
    std::abort();
  }
}

inline int convertAndUse(attnc::TokenizerFormat format, const uint8_t *data, size_t size) {
  constexpr int64_t kVocab = 1 << 20;
  llvm::SourceMgr sm;
  bool reported = false;
  sm.setDiagHandler([](const llvm::SMDiagnostic &, void *ctx) { *static_cast<bool *>(ctx) = true; },
                    &reported);
  attnc::TokenizerInfo info;
  auto buffer = llvm::MemoryBuffer::getMemBufferCopy(
      llvm::StringRef(reinterpret_cast<const char *>(data), size), "fuzz");
  if (!attnc::convertTokenizer(format, std::move(buffer), "fuzz", kVocab, sm, llvm::SMLoc(), info)) {
    require(reported, "a refused tokenizer without a message");
    return 0;
  }
  require(info.bytes && info.tokens >= 1 && info.tokens <= kVocab, "converted without bytes");
  llvm::StringRef bytes = info.bytes->getBuffer();
  attnrt::Tokenizer t;
  attnrt::Status st = attnrt::tokenizer_create_embedded(
      &t, reinterpret_cast<const unsigned char *>(bytes.data()), bytes.size(), int32_t(kVocab));
  require(st.ok(), "the runtime refuses what the compiler converted");
  static const std::string_view texts[] = {"Hello world, it's 2024!  \n x",
                                           "\xc3\xa9t\xc3\xa9 \xe6\x97\xa5 \xf0\x9f\x98\x80",
                                           std::string_view("\xff\x00z", 3)};
  for (std::string_view text : texts) {
    std::vector<int32_t> ids;
    if (!attnrt::encode(t, text, true, true, &ids).ok())
      continue;
    attnrt::TextStream stream;
    std::string out;
    for (int32_t id : ids) {
      require(id >= 0 && id < t.vocab_size, "an id out of range");
      attnrt::text_stream_put(&stream, attnrt::decode(t, -1, id), &out);
    }
    attnrt::text_stream_finish(&stream, &out);
  }
  attnrt::tokenizer_destroy(&t);
  return 0;
}

} // namespace attnc_fuzz

#endif // ATTNC_TEST_FUZZ_TOKENIZERFUZZCOMMON_H
