//===- BitmapFont.h - A 5x7 ASCII font for labels in images -----*- C++ -*-===//
//
// The attention maps label their rows and columns with token strings and
// need a few words of text (title, colour-bar ticks). A font library (and a
// font file found at run time) would be a large dependency for that, so the
// printable ASCII characters are drawn from one small table of 5x7 glyphs,
// each glyph in a 6x8 box (a blank column and row separate neighbours).
// Anything else (control characters, bytes of multi-byte UTF-8 sequences) is
// meant to be replaced by the caller (see toLabel).
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_TOOLS_ATTNC_BITMAPFONT_H
#define ATTNC_TOOLS_ATTNC_BITMAPFONT_H

#include "llvm/ADT/StringRef.h"
#include <cstdint>
#include <string>

namespace attnc {

/// The size of one glyph's box in pixels, including the spacing.
constexpr int kGlyphWidth = 6, kGlyphHeight = 8;

/// Whether pixel (`x`, `y`) of printable ASCII character `c` is set (x in
/// [0, 5), y in [0, 7), y downwards). Characters outside 0x20..0x7e draw as '?'.
bool glyphPixel(char c, int x, int y);

/// `text` as printable ASCII of at most `maxChars` characters: each control
/// character and each UTF-8 sequence (or stray byte) outside ASCII becomes
/// one '?', and a longer result is cut, ending with "..".
std::string toLabel(llvm::StringRef text, size_t maxChars);

} // namespace attnc

#endif // ATTNC_TOOLS_ATTNC_BITMAPFONT_H
