//===- format.h - printf-style message building (runtime internal) -*- C++ -*-===//
//
// The one way runtime sources build error messages: snprintf into a
// std::string. Used only on error paths and at start-up, never per token.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNRT_SRC_FORMAT_H
#define ATTNRT_SRC_FORMAT_H

#include <cstdarg>
#include <cstdio>
#include <string>

namespace attnrt {

/// `fmt` and its arguments formatted as by printf.
__attribute__((format(printf, 1, 2))) inline std::string strformat(const char *fmt, ...) {
  va_list args;
  va_start(args, fmt);
  va_list again;
  va_copy(again, args);
  int n = std::vsnprintf(nullptr, 0, fmt, args);
  va_end(args);
  std::string out;
  if (n > 0) {
    out.resize(static_cast<size_t>(n));
    std::vsnprintf(out.data(), out.size() + 1, fmt, again);
  }
  va_end(again);
  return out;
}

} // namespace attnrt

#endif // ATTNRT_SRC_FORMAT_H
