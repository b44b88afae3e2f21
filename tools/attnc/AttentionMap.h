//===- AttentionMap.h - `attnc attention-map`: recorded attention shown -*- C++ -*-===//
//
// A generated executable run with `--attention-out FILE` records the
// attention weights of the prompt, per layer and head, as one JSON document
// (format "attnc-attention", version 1; README, "Inspecting a model").
// `attnc attention-map FILE` reads it, refuses anything inconsistent with a
// message naming the file and the key, and renders each recorded (layer,
// head) as a PNG heat map (queries down, keys across, token strings as
// labels, a colour bar) and as a table on stdout.
//
// The PNG's colour of a weight of exactly 0 is pure white and no other weight
// gets it, so that a zero (a masked key) can be told from a small weight by
// the colour alone; the grid's geometry is in a tEXt chunk `attnc-grid`
// ("x0 y0 cell T": the top-left pixel of cell (0, 0), the cell's side, the
// token count) so that tests and users can find the cell of (query, key).
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_TOOLS_ATTNC_ATTENTIONMAP_H
#define ATTNC_TOOLS_ATTNC_ATTENTIONMAP_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <string>
#include <vector>

namespace CLI {
class App;
} // namespace CLI

namespace attnc {

/// The most prompt tokens a recording may have (a 4096 x 4096 map is 16M
/// weights, already some 200 MB of JSON).
constexpr int64_t kMaxAttentionTokens = 4096;

/// The weights of one attention head of one layer over the prompt.
struct AttentionHeadMap {
  int64_t layer = 0, head = 0;
  std::vector<float> weights; // (query, key) = (T, T), row-major
};

/// One recording, as read from its file and checked.
struct AttentionRecord {
  std::string model, mask; // mask: "causal", "none" or "sliding_window"
  int64_t window = 0, layers = 0, heads = 0;
  std::vector<std::string> tokens; // T decoded pieces, T >= 1
  std::vector<int64_t> tokenIds;   // T ids
  std::vector<AttentionHeadMap> maps;

  size_t size() const { return tokens.size(); }
};

/// Reads and checks the recording `path`; false after reporting an error.
bool readAttentionRecord(llvm::StringRef path, llvm::SourceMgr &sm, AttentionRecord &record);

/// Prints `map` as a table: a header of key tokens, then one row per query
/// token with its weight on each key ("." for an exact 0). At most
/// `maxKeys` key columns and `maxQueries` rows; a cut is said in a line.
void printAttentionTable(const AttentionRecord &record, const AttentionHeadMap &map,
                         llvm::raw_ostream &os, size_t maxKeys = 16, size_t maxQueries = 64);

/// How the PNG is laid out.
struct AttentionImageOptions {
  int cell = 16; // side of a cell in pixels
};

/// The RGB colour of `weight`: exactly 0 is white (255, 255, 255); any other
/// weight (clamped to (0, 1]) runs from light blue to dark blue, none white.
void attentionColour(float weight, uint8_t rgb[3]);

/// Renders `map` as the bytes of a PNG file.
llvm::Expected<std::string> renderAttentionPng(const AttentionRecord &record,
                                               const AttentionHeadMap &map,
                                               const AttentionImageOptions &options);

/// What `attnc attention-map` takes.
struct AttentionMapOptions {
  std::string input;
  std::string outputDir = ".";
  std::vector<int64_t> layers, heads; // empty: all
  bool noPng = false, noTable = false;
  int64_t cell = 0; // 0: not given (16, smaller for long prompts)
};

/// Adds the `attention-map` subcommand to `app`, filling `options`.
CLI::App *addAttentionMapCommand(CLI::App &app, AttentionMapOptions &options);

/// Runs `attnc attention-map`; the exit status.
int runAttentionMap(const AttentionMapOptions &options, llvm::SourceMgr &sm);

} // namespace attnc

#endif // ATTNC_TOOLS_ATTNC_ATTENTIONMAP_H
