//===- TokenizerJsonFuzzer.cpp - libFuzzer target: tokenizer.json ----------===//
//
// Converts the input as a Hugging Face tokenizer.json with attnc's
// convertTokenizer (the path of `tokenizer: {format: hf}`), then loads the
// result as the executable would and encodes and decodes a few texts.
// A converted tokenizer must load: the compiler and the runtime agree.
//
//===----------------------------------------------------------------------===//
#include "compiler/Frontend/TokenizerImport.h"

#include "test/Fuzz/TokenizerFuzzCommon.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  return attnc_fuzz::convertAndUse(attnc::TokenizerFormat::HuggingFace, data, size);
}
