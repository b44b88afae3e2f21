//===- status.h - Error values returned by the runtime ----------*- C++ -*-===//
//
// The runtime never throws: every call that can fail on user input (a bad
// flag, a truncated tokenizer, a prompt longer than the context) returns a
// Status holding the one-line message that `main` prints after "error: ".
// Messages are built only on the error path, never per generated token.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNRT_STATUS_H
#define ATTNRT_STATUS_H

#include <string>
#include <utility>

namespace attnrt {

/// Success, or a failure carrying a message for the user (no "error: "
/// prefix, no trailing newline). [[nodiscard]]: a dropped Status is a bug.
class [[nodiscard]] Status {
public:
  /// The success value.
  static Status success() { return Status(); }
  /// A failure with `message`.
  static Status error(std::string message) {
    Status s;
    s.failed = true;
    s.text = std::move(message);
    return s;
  }

  bool ok() const { return !failed; }
  /// The failure message; empty on success.
  const std::string &message() const { return text; }

private:
  bool failed = false;
  std::string text;
};

} // namespace attnrt

#endif // ATTNRT_STATUS_H
