//===- AttentionMap.cpp - Reading a recording, and the subcommand ---------===//
//
// The recording is read with the frontend's bounded JSON reader (Json.h) and
// checked whole before anything is written: every key, every row length and
// every weight, so that a truncated or hand-edited file is refused with the
// key path of what is wrong (`'maps[2].weights[1]' has 2 weights, expected
// 3`) instead of being drawn wrong. The outputs are all checked
// (checkOutputPath) before the first is written, and each is written through
// writeOutput, like every file attnc writes.
//
//===----------------------------------------------------------------------===//
#include "tools/attnc/AttentionMap.h"

#include "compiler/Frontend/Diagnostics.h"
#include "compiler/Frontend/Json.h"
#include "compiler/Support/OutputFile.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/Path.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <map>

using namespace llvm;

namespace attnc {

namespace {

/// A recording of 4096 tokens is 16M weights a map; more than this is not a
/// recording attnc wrote.
constexpr uint64_t kMaxRecordingBytes = uint64_t(1) << 30;

/// How far a weight may be outside [0, 1]: the runtime prints floats with
/// %.9g, which rounds to about 1e-9, and a softmax in float rounds to 1e-7.
constexpr double kWeightSlack = 1e-6;

/// How far a row's sum may be from 1 before a warning: issue 8's 1e-5, plus
/// half a float ulp of 1 per weight, which the runtime's float sums may lose.
constexpr double kRowSumSlack = 1e-5, kRowSumSlackPerWeight = 6e-8;

/// The widest grid drawn with the default cell size, and with any.
constexpr int64_t kDefaultGridPixels = 4096, kMaxGridPixels = 8192;

/// "[i]" appended to a key path.
std::string indexed(StringRef path, size_t i) { return (path + "[" + Twine(i) + "]").str(); }

/// Reports `msg`; the exit status 1.
int fail(SourceMgr &sm, const Twine &msg) {
  reportError(sm, SMLoc(), msg);
  return 1;
}

/// `value` with up to 9 significant digits, as the runtime prints weights.
std::string number(double value) {
  std::string text;
  raw_string_ostream(text) << format("%.9g", value);
  return text;
}

/// Reads `value`, the array at key path `path`, as T rows of T weights.
bool readWeights(const json::Value &value, const std::string &path, size_t tokens,
                 const JsonSource &source, std::vector<float> &out) {
  const json::Array *rows = value.getAsArray();
  if (!rows)
    return source.fail("'" + path + "' must be an array of rows, got " + describeJson(value));
  if (rows->size() != tokens)
    return source.fail("'" + path + "' has " + Twine(rows->size()) + " rows, expected " +
                       Twine(tokens) + " (one per token)");
  out.assign(tokens * tokens, 0.0f);
  for (size_t q = 0; q < tokens; ++q) {
    std::string rowPath = indexed(path, q);
    const json::Array *row = (*rows)[q].getAsArray();
    if (!row)
      return source.fail("'" + rowPath + "' must be an array of weights, got " +
                         describeJson((*rows)[q]));
    if (row->size() != tokens)
      return source.fail("'" + rowPath + "' has " + Twine(row->size()) + " weights, expected " +
                         Twine(tokens) + " (one per token)");
    for (size_t k = 0; k < tokens; ++k) {
      std::optional<double> weight = (*row)[k].getAsNumber();
      if (!weight || !std::isfinite(*weight) || *weight < -kWeightSlack ||
          *weight > 1 + kWeightSlack)
        return source.fail("'" + indexed(rowPath, k) + "' must be a number in [0, 1], got " +
                           describeJson((*row)[k]));
      out[q * tokens + k] = float(*weight);
    }
  }
  return true;
}

/// Warns (once per map and kind) about weights the mask says cannot be there
/// and rows that do not sum to 1: the recording is drawn anyway, since
/// showing such a fault is what the map is for.
void warnAboutMap(const AttentionRecord &record, const AttentionHeadMap &map, size_t index,
                  StringRef path) {
  size_t t = record.size();
  auto warn = [&](const Twine &msg) {
    errs() << "warning: " << path << ": 'maps[" << index << "]' (layer " << map.layer
           << " head " << map.head << ") " << msg << "\n";
  };
  // README, "Description files": causal sees keys <= query, a sliding
  // window of W the keys query-W+1 .. query.
  auto masked = [&](size_t q, size_t k) {
    if (record.mask == "none")
      return false;
    return k > q || (record.mask == "sliding_window" && q - k >= size_t(record.window));
  };
  for (size_t q = 0, done = 0; q < t && !done; ++q)
    for (size_t k = 0; k < t && !done; ++k)
      if (float w = map.weights[q * t + k]; w != 0.0f && masked(q, k)) {
        warn("has weight " + number(w) + " on key " + Twine(k) + " for query " + Twine(q) +
             ", which the mask (" + record.mask + ") hides");
        done = 1; // once per map
      }
  for (size_t q = 0; q < t; ++q) {
    double sum = 0;
    for (size_t k = 0; k < t; ++k)
      sum += map.weights[q * t + k];
    double slack = kRowSumSlack + kRowSumSlackPerWeight * double(t);
    if (std::fabs(sum - 1.0) > slack) {
      warn("row " + Twine(q) + " sums to " + number(sum) + ", not 1 within " + number(slack));
      break;
    }
  }
}

/// The file name of one map's PNG.
std::string pngName(const AttentionHeadMap &map) {
  return ("attention-L" + Twine(map.layer) + "-H" + Twine(map.head) + ".png").str();
}

} // namespace

bool readAttentionRecord(StringRef path, SourceMgr &sm, AttentionRecord &record) {
  JsonSource source{path.str(), SMLoc(), &sm};
  std::optional<json::Value> document =
      readJsonFile(path, "attention recording", kMaxRecordingBytes, source);
  if (!document)
    return false;
  const json::Object *root = document->getAsObject();
  if (!root)
    return source.fail("the recording must be a JSON object, got " + describeJson(*document));
  JsonObjectReader reader(*root, source);

  std::string format;
  int64_t version = 0;
  if (!reader.getString("format", format))
    return false;
  if (format != "attnc-attention")
    return reader.failKey("format", "\"attnc-attention\" (a recording of --attention-out)");
  if (!reader.getInt("version", version))
    return false;
  if (version != 1)
    return reader.failKey("version", "1 (the version this attnc reads)");

  if (!reader.getString("model", record.model) || !reader.getString("mask", record.mask))
    return false;
  bool sliding = record.mask == "sliding_window";
  if (record.mask != "causal" && record.mask != "none" && !sliding)
    return reader.failKey("mask", "\"causal\", \"none\" or \"sliding_window\"");
  if (!reader.getInt("window", record.window, Need::Required, sliding ? 1 : 0,
                     sliding ? std::numeric_limits<int64_t>::max() : 0) ||
      !reader.getPositiveInt("layers", record.layers) ||
      !reader.getPositiveInt("heads", record.heads))
    return false;

  const json::Array *tokens, *ids, *maps;
  if (!reader.getArray("tokens", tokens) || !reader.getArray("token_ids", ids) ||
      !reader.getArray("maps", maps))
    return false;
  if (tokens->empty())
    return source.fail("'tokens' is empty: a recording needs at least one prompt token");
  if (tokens->size() > size_t(kMaxAttentionTokens))
    return source.fail("'tokens' has " + Twine(tokens->size()) + " tokens, more than the " +
                       Twine(kMaxAttentionTokens) + " attention-map reads");
  for (size_t i = 0; i < tokens->size(); ++i) {
    std::optional<StringRef> token = (*tokens)[i].getAsString();
    if (!token)
      return source.fail("'tokens[" + Twine(i) + "]' must be a string, got " +
                         describeJson((*tokens)[i]));
    record.tokens.push_back(token->str());
  }
  if (ids->size() != tokens->size())
    return source.fail("'token_ids' has " + Twine(ids->size()) + " ids, expected " +
                       Twine(tokens->size()) + " (one per token)");
  for (size_t i = 0; i < ids->size(); ++i) {
    std::optional<int64_t> id = (*ids)[i].getAsInteger();
    if (!id || *id < 0)
      return source.fail("'token_ids[" + Twine(i) + "]' must be a non-negative integer, got " +
                         describeJson((*ids)[i]));
    record.tokenIds.push_back(*id);
  }

  if (maps->empty())
    return source.fail("'maps' is empty: nothing was recorded");
  std::map<std::pair<int64_t, int64_t>, size_t> seen;
  for (size_t i = 0; i < maps->size(); ++i) {
    std::string mapPath = indexed("maps", i);
    const json::Object *object = (*maps)[i].getAsObject();
    if (!object)
      return source.fail("'" + mapPath + "' must be an object, got " + describeJson((*maps)[i]));
    JsonObjectReader mapReader(*object, source, mapPath);
    AttentionHeadMap map;
    const json::Value *weights = object->get("weights");
    if (!mapReader.getInt("layer", map.layer, Need::Required, 0, record.layers - 1) ||
        !mapReader.getInt("head", map.head, Need::Required, 0, record.heads - 1))
      return false;
    if (!weights)
      return mapReader.failKey("weights", "an array of rows");
    if (!readWeights(*weights, mapPath + ".weights", record.size(), source, map.weights))
      return false;
    auto [it, inserted] = seen.try_emplace({map.layer, map.head}, i);
    if (!inserted)
      return source.fail("'" + mapPath + "' records layer " + Twine(map.layer) + " head " +
                         Twine(map.head) + " again (as 'maps[" + Twine(it->second) + "]' did)");
    record.maps.push_back(std::move(map));
  }
  for (size_t i = 0; i < record.maps.size(); ++i)
    warnAboutMap(record, record.maps[i], i, path);
  return true;
}

CLI::App *addAttentionMapCommand(CLI::App &app, AttentionMapOptions &o) {
  CLI::App *cmd = app.add_subcommand(
      "attention-map", "Render attention weights recorded by a compiled model's --attention-out: "
                       "a PNG heat map per layer and head, and a table on stdout");
  cmd->add_option("file", o.input, "The recording (JSON, format attnc-attention)")->required();
  cmd->add_option("-o", o.outputDir,
                  "Directory of the PNGs, attention-L<layer>-H<head>.png (created if missing)")
      ->capture_default_str();
  // One value per occurrence (CLI11 would otherwise let `--layer 0 FILE`
  // take FILE as a second layer), repeatable, or comma-separated.
  const CLI::Validator nonNegative(
      [](std::string &text) -> std::string {
        int64_t value;
        if (StringRef(text).getAsInteger(10, value) || value < 0)
          return "expected a non-negative integer, got '" + text + "'";
        return "";
      },
      "");
  cmd->add_option("--layer", o.layers, "Only this layer (repeatable, or L1,L2)")
      ->expected(1)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
      ->delimiter(',')
      ->check(nonNegative);
  cmd->add_option("--head", o.heads, "Only this head (repeatable, or H1,H2)")
      ->expected(1)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
      ->delimiter(',')
      ->check(nonNegative);
  cmd->add_flag("--no-png", o.noPng, "Do not write PNGs");
  cmd->add_flag("--no-table", o.noTable, "Do not print the tables");
  cmd->add_option("--cell", o.cell,
                  "Side of a cell in pixels (default 16, smaller for long prompts)")
      ->check(CLI::Range(1, 64));
  return cmd;
}

int runAttentionMap(const AttentionMapOptions &o, SourceMgr &sm) {
  AttentionRecord record;
  if (!readAttentionRecord(o.input, sm, record))
    return 1;

  // The selection: every requested layer and head must be in the model and
  // have at least one recorded map.
  for (int64_t layer : o.layers)
    if (layer >= record.layers)
      return fail(sm, "--layer " + Twine(layer) + " is out of range: '" +
                                          o.input + "' has layers 0.." +
                                          Twine(record.layers - 1));
  for (int64_t head : o.heads)
    if (head >= record.heads)
      return fail(sm, "--head " + Twine(head) + " is out of range: '" + o.input +
                                          "' has heads 0.." + Twine(record.heads - 1));
  std::vector<const AttentionHeadMap *> selected;
  for (const AttentionHeadMap &map : record.maps)
    if ((o.layers.empty() || is_contained(o.layers, map.layer)) &&
        (o.heads.empty() || is_contained(o.heads, map.head)))
      selected.push_back(&map);
  for (int64_t layer : o.layers)
    if (none_of(selected, [&](const AttentionHeadMap *m) { return m->layer == layer; }))
      return fail(sm, "'" + o.input + "' has no recorded map of layer " +
                                          Twine(layer) + " for the heads asked for");
  for (int64_t head : o.heads)
    if (none_of(selected, [&](const AttentionHeadMap *m) { return m->head == head; }))
      return fail(sm, "'" + o.input + "' has no recorded map of head " +
                                          Twine(head) + " for the layers asked for");

  int64_t t = int64_t(record.size());
  AttentionImageOptions image;
  if (o.cell) {
    if (o.cell * t > kMaxGridPixels)
      return fail(sm, "--cell " + Twine(o.cell) + " makes the grid of " +
                                          Twine(t) + " tokens " + Twine(o.cell * t) +
                                          " pixels wide, more than " + Twine(kMaxGridPixels) +
                                          "; use a smaller --cell");
    image.cell = int(o.cell);
  } else {
    image.cell = int(std::clamp<int64_t>(kDefaultGridPixels / t, 1, 16));
  }

  if (!o.noPng) {
    // Nothing is written unless every output can be.
    if (std::error_code ec = sys::fs::create_directories(o.outputDir))
      return fail(sm, "cannot create -o '" + o.outputDir + "': " + ec.message());
    if (!sys::fs::is_directory(o.outputDir))
      return fail(sm, "cannot create -o '" + o.outputDir +
                                          "': it exists and is not a directory");
    std::vector<std::string> paths;
    for (const AttentionHeadMap *map : selected) {
      SmallString<256> path(o.outputDir);
      sys::path::append(path, pngName(*map));
      if (Error error = checkOutputPath(path))
        return fail(sm, toString(std::move(error)));
      paths.push_back(path.str().str());
    }
    for (size_t i = 0; i < selected.size(); ++i) {
      Expected<std::string> png = renderAttentionPng(record, *selected[i], image);
      if (!png)
        return fail(sm, "cannot render '" + paths[i] +
                                            "': " + toString(png.takeError()));
      Error error = writeOutput(paths[i], [&](raw_fd_ostream &os) {
        os << *png;
        return Error::success();
      });
      if (error)
        return fail(sm, toString(std::move(error)));
    }
    errs() << "attention-map: wrote " << selected.size() << " PNG file"
           << (selected.size() == 1 ? "" : "s") << " to '" << o.outputDir
           << "' (attention-L<layer>-H<head>.png, cells of " << image.cell << " px)\n";
  }

  if (!o.noTable) {
    for (size_t i = 0; i < selected.size(); ++i) {
      if (i)
        outs() << "\n";
      printAttentionTable(record, *selected[i], outs());
    }
    outs().flush();
    if (outs().has_error()) {
      outs().clear_error();
      return fail(sm, "cannot write the table to stdout");
    }
  }
  return 0;
}

} // namespace attnc
