//===- main.cpp - main() of an executable produced by attnc ----------------===//
//
// Linked as libattnrt_main.a after the compiled model object: it hands the
// symbols that object exports (abi.h), and the weights appended to the
// executable where the object has none, to run_main, which does the rest.
//
//===----------------------------------------------------------------------===//
#include "runtime/include/attnrt/abi.h"
#include "runtime/include/attnrt/cli.h"

#include <cstdio>

// Not defined by an executable whose weights are appended (abi.h).
#pragma weak attn_weights

int main(int argc, char **argv) {
  attnrt::Model model;
  model.info = &attn_model_info;
  model.weights = attn_weights;
  if (!model.weights) {
    attnrt::Status st =
        attnrt::weights_map_appended("/proc/self/exe", attn_model_info.weights_bytes, &model.weights);
    if (!st.ok()) {
      std::fprintf(stderr, "error: %s\n", st.message().c_str());
      return 1;
    }
  }
  model.tokenizer = attn_tokenizer;
  model.prefill = _mlir_ciface_attn_prefill;
  model.decode = _mlir_ciface_attn_decode;
  model.trace = _mlir_ciface_attn_trace; // null unless compiled with --trace
  return attnrt::run_main(argc, argv, model);
}
