//===- AttentionTable.cpp - An attention map as a table on the terminal ---===//
//
// One row per query token, one column per key token, the weight with two
// decimals; an exact 0 prints as "." so that a causal map reads as a lower
// triangle and a sliding window as a band, and a tiny weight that rounds to
// 0.00 can still be told from a masked one. Token strings are shown as the
// PNG labels are (printable ASCII, '?' for anything else, cut with ".."), so
// the columns line up on any terminal. Past `maxKeys` columns or
// `maxQueries` rows the table is cut, and says so.
//
//===----------------------------------------------------------------------===//
#include "tools/attnc/AttentionMap.h"
#include "tools/attnc/BitmapFont.h"

#include "llvm/Support/Format.h"

#include <algorithm>

using namespace llvm;

namespace attnc {

namespace {

/// Characters of a key column (its label is one fewer, right-aligned) and of
/// a query's label.
constexpr size_t kColumnWidth = 7, kQueryLabelWidth = 12;

/// `text` padded on the left to `width` characters.
std::string padLeft(const std::string &text, size_t width) {
  return text.size() >= width ? text : std::string(width - text.size(), ' ') + text;
}

/// `text` padded on the right to `width` characters.
std::string padRight(const std::string &text, size_t width) {
  return text.size() >= width ? text : text + std::string(width - text.size(), ' ');
}

} // namespace

void printAttentionTable(const AttentionRecord &record, const AttentionHeadMap &map,
                         raw_ostream &os, size_t maxKeys, size_t maxQueries) {
  size_t t = record.size();
  size_t keys = std::min(t, maxKeys), queries = std::min(t, maxQueries);
  size_t indexWidth = std::to_string(t - 1).size();
  os << "layer " << map.layer << " head " << map.head << " of " << record.model << " (mask "
     << record.mask;
  if (record.mask == "sliding_window")
    os << " " << record.window;
  os << ", " << t << " token" << (t == 1 ? "" : "s")
     << "): a row per query, its weight on each key ('.': exactly 0)\n";

  // The header: the key tokens over their columns.
  os << padRight("query \\ key", indexWidth + 1 + kQueryLabelWidth);
  for (size_t k = 0; k < keys; ++k)
    os << padLeft(toLabel(record.tokens[k], kColumnWidth - 1), kColumnWidth);
  os << "\n";

  for (size_t q = 0; q < queries; ++q) {
    os << padLeft(std::to_string(q), indexWidth) << " "
       << padRight(toLabel(record.tokens[q], kQueryLabelWidth - 1), kQueryLabelWidth);
    for (size_t k = 0; k < keys; ++k) {
      float weight = map.weights[q * t + k];
      if (weight == 0.0f)
        os << padLeft(".", kColumnWidth);
      else
        os << format("%7.2f", std::max(0.0, double(weight))); // -1e-7 is no "-0.00"
    }
    os << "\n";
  }
  if (keys < t)
    os << "(keys " << keys << ".." << t - 1 << " not shown: the table has the first " << keys
       << " of " << t << " keys; the PNG has them all)\n";
  if (queries < t)
    os << "(queries " << queries << ".." << t - 1 << " not shown: the table has the first "
       << queries << " of " << t << " queries; the PNG has them all)\n";
}

} // namespace attnc
