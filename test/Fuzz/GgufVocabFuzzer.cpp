//===- GgufVocabFuzzer.cpp - libFuzzer target: GGUF vocabularies -----------===//
//
// Converts the input as the vocabulary of a .gguf file with attnc's
// convertTokenizer (the path of `tokenizer: {format: gguf}`: the GGUF
// container reader, then tokenizer.ggml.*), then loads the result as the
// executable would and encodes and decodes a few texts.
//
//===----------------------------------------------------------------------===//
#include "compiler/Frontend/TokenizerImport.h"

#include "test/Fuzz/TokenizerFuzzCommon.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  return attnc_fuzz::convertAndUse(attnc::TokenizerFormat::Gguf, data, size);
}
