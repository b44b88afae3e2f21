//===- cli.h - The whole program of a compiled model ------------*- C++ -*-===//
//
// What `main` of a generated executable does, as a function of the model so
// that tests can run it on a fake one: parse the flags, check the model and
// its embedded tokenizer, turn the prompt into ids, generate, and report the
// seed and timings on stderr. Every failure is one "error: ..." line on
// stderr and exit code 1.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNRT_CLI_H
#define ATTNRT_CLI_H

#include "runtime/include/attnrt/generate.h"

#include <cstdio>

namespace attnrt {

/// Runs the program with arguments argv[0..argc) on `model`. Generated text
/// goes to `out`, everything else to `err`. Returns the process exit code:
/// 0 on success (and for --help), 1 on any error.
int run_cli(int argc, const char *const *argv, const Model &model, FILE *out, FILE *err);

/// main() of a generated executable: prepares the process (SIGPIPE back to
/// its default action, so `| head` ends it silently as it ends `yes`; a
/// closed stdout is an error up front; a closed stdin or stderr is filled
/// with /dev/null so files opened later never take their numbers), runs
/// run_cli on stdout and stderr, and reports a failure to close stdout.
int run_main(int argc, char **argv, const Model &model);

} // namespace attnrt

#endif // ATTNRT_CLI_H
