//===- Diagnostics.h - The frontend's one way to report an error -*- C++ -*-===//
//
// Every user-facing error of the frontend and the driver goes through
// reportError, so that all of them reach the caller's llvm::SourceMgr (and its
// diagnostic handler, if one is installed) and look the same: with a location
// in a description file `file:line:col: error: message` followed by the source
// line and a caret, without one a bare `error: message` line. Messages about a
// file name the file themselves, so they read the same with and without a
// location (a path from the command line has none).
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_FRONTEND_DIAGNOSTICS_H
#define ATTNC_FRONTEND_DIAGNOSTICS_H

#include "llvm/ADT/Twine.h"
#include "llvm/Support/SMLoc.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

namespace attnc {

/// Reports `msg` as an error at `loc`, or as a bare `error: msg` line when
/// `loc` is invalid. Returns false so that callers can `return reportError(...)`.
inline bool reportError(llvm::SourceMgr &sm, llvm::SMLoc loc, const llvm::Twine &msg) {
  if (loc.isValid())
    sm.PrintMessage(loc, llvm::SourceMgr::DK_Error, msg);
  else // SMLoc() would print "<unknown>:" before the message; an empty file name prints nothing.
    sm.PrintMessage(llvm::errs(), llvm::SMDiagnostic("", llvm::SourceMgr::DK_Error, msg.str()));
  return false;
}

} // namespace attnc

#endif // ATTNC_FRONTEND_DIAGNOSTICS_H
