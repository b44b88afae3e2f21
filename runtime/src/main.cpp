//===- main.cpp - main() of an executable produced by attnc ----------------===//
//
// Linked as libattnrt_main.a after the compiled model object: it hands the
// symbols that object exports (abi.h) to run_main, which does the rest.
//
//===----------------------------------------------------------------------===//
#include "runtime/include/attnrt/abi.h"
#include "runtime/include/attnrt/cli.h"

int main(int argc, char **argv) {
  attnrt::Model model;
  model.info = &attn_model_info;
  model.weights = attn_weights;
  model.tokenizer = attn_tokenizer;
  model.prefill = _mlir_ciface_attn_prefill;
  model.decode = _mlir_ciface_attn_decode;
  model.trace = _mlir_ciface_attn_trace; // null unless compiled with --trace
  return attnrt::run_main(argc, argv, model);
}
