//===- attnc-opt.cpp - mlir-opt with the attn dialect and passes ----------===//
//
// The driver for lit tests: parses MLIR, runs the passes and pipelines named on
// the command line, prints the result. Everything it knows comes from
// compiler/InitAll.h, the registration every attnc tool shares.
//
//===----------------------------------------------------------------------===//
#include "compiler/InitAll.h"

#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  attnc::registerAllPasses();
  mlir::DialectRegistry registry;
  attnc::registerAllDialects(registry);
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "attnc optimizer driver\n", registry));
}
