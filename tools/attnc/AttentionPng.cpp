//===- AttentionPng.cpp - An attention map as a PNG heat map --------------===//
//
// The picture, top to bottom: a title ("layer L head H") and a line naming
// the model and mask; the key tokens, written upwards, over their columns;
// then the grid, one `cell` x `cell` square per (query, key), the query
// tokens at the left of their rows; at the right a colour bar from 1 (top) to
// the smallest positive weight, ticks 1, 0.5 and 0, and under it the swatch
// of an exact 0. With cells smaller than a glyph every k-th label is drawn.
//
// The pixels are RGB, 8 bits a channel, encoded by libpng into memory (the
// caller writes the bytes through writeOutput). libpng reports errors by
// longjmp; the one function that calls it holds no object with a destructor
// between its setjmp and the calls that may jump.
//
//===----------------------------------------------------------------------===//
#include "tools/attnc/AttentionMap.h"
#include "tools/attnc/BitmapFont.h"

#include "llvm/ADT/Twine.h"

#include <algorithm>
#include <png.h>

using namespace llvm;

namespace attnc {

namespace {

/// An RGB image, (height, width, 3) row-major.
struct Image {
  int width = 0, height = 0;
  std::vector<uint8_t> pixels;

  Image(int width, int height)
      : width(width), height(height), pixels(size_t(width) * size_t(height) * 3, 255) {}

  void set(int x, int y, const uint8_t rgb[3]) {
    if (x < 0 || y < 0 || x >= width || y >= height)
      return;
    uint8_t *p = &pixels[(size_t(y) * size_t(width) + size_t(x)) * 3];
    p[0] = rgb[0], p[1] = rgb[1], p[2] = rgb[2];
  }

  void fill(int x, int y, int w, int h, const uint8_t rgb[3]) {
    for (int j = y; j < y + h; ++j)
      for (int i = x; i < x + w; ++i)
        set(i, j, rgb);
  }

  /// A one-pixel outline just outside the rectangle (x, y, w, h).
  void outline(int x, int y, int w, int h, const uint8_t rgb[3]) {
    fill(x - 1, y - 1, w + 2, 1, rgb);
    fill(x - 1, y + h, w + 2, 1, rgb);
    fill(x - 1, y, 1, h, rgb);
    fill(x + w, y, 1, h, rgb);
  }

  /// `text` (printable ASCII) from (x, y), its top-left, each glyph pixel
  /// drawn as a `scale` x `scale` square.
  void text(int x, int y, StringRef text, const uint8_t rgb[3], int scale = 1) {
    for (size_t i = 0; i < text.size(); ++i)
      for (int gy = 0; gy < 7; ++gy)
        for (int gx = 0; gx < 5; ++gx)
          if (glyphPixel(text[i], gx, gy))
            fill(x + (int(i) * kGlyphWidth + gx) * scale, y + gy * scale, scale, scale, rgb);
  }

  /// `text` written upwards (turned a quarter counterclockwise): its first
  /// character's bottom edge at `bottom`, the glyphs' tops at column `x`.
  void textUp(int x, int bottom, StringRef text, const uint8_t rgb[3]) {
    for (size_t i = 0; i < text.size(); ++i)
      for (int gy = 0; gy < 7; ++gy)
        for (int gx = 0; gx < 5; ++gx)
          if (glyphPixel(text[i], gx, gy))
            set(x + gy, bottom - 1 - (int(i) * kGlyphWidth + gx), rgb);
  }
};

constexpr uint8_t kBlack[3] = {0, 0, 0}, kGrey[3] = {128, 128, 128};

/// The longest label drawn, in characters.
constexpr size_t kMaxLabelChars = 16;
constexpr int kMargin = 8, kGap = 4;
/// The colour bar: its width, its least height, and the zero swatch's height.
constexpr int kBarWidth = 14, kMinBarHeight = 96, kSwatchHeight = 10;

/// The tEXt chunks: keys and values, kept alive for libpng.
struct TextChunks {
  std::vector<std::pair<std::string, std::string>> entries;
};

/// Encodes `image` as PNG into `out`; false with `error` set on failure.
/// Only plain data lives in this frame across the setjmp (see the top).
bool encodePng(const Image &image, const TextChunks &chunks, std::string &out,
               std::string &error) {
  struct Sink {
    std::string *out;
    std::string *error;
  } sink{&out, &error};
  png_structp png = png_create_write_struct(
      PNG_LIBPNG_VER_STRING, &sink,
      [](png_structp png, png_const_charp message) {
        static_cast<Sink *>(png_get_error_ptr(png))->error->assign(message);
        png_longjmp(png, 1);
      },
      [](png_structp, png_const_charp) {});
  if (!png) {
    error = "libpng cannot create a writer";
    return false;
  }
  png_infop info = png_create_info_struct(png);
  // Filled before setjmp, read after a jump: no local changes in between.
  std::vector<png_bytep> rows(size_t(image.height));
  for (int y = 0; y < image.height; ++y)
    rows[size_t(y)] = const_cast<png_bytep>(&image.pixels[size_t(y) * size_t(image.width) * 3]);
  std::vector<png_text> texts(chunks.entries.size());
  for (size_t i = 0; i < texts.size(); ++i) {
    texts[i] = png_text{};
    texts[i].compression = PNG_TEXT_COMPRESSION_NONE;
    texts[i].key = const_cast<png_charp>(chunks.entries[i].first.c_str());
    texts[i].text = const_cast<png_charp>(chunks.entries[i].second.c_str());
    texts[i].text_length = chunks.entries[i].second.size();
  }
  if (!info || setjmp(png_jmpbuf(png))) {
    if (error.empty())
      error = "libpng cannot create the image header";
    png_destroy_write_struct(&png, &info);
    return false;
  }
  png_set_write_fn(
      png, &sink,
      [](png_structp png, png_bytep data, size_t length) {
        static_cast<Sink *>(png_get_io_ptr(png))->out->append(reinterpret_cast<char *>(data),
                                                               length);
      },
      [](png_structp) {});
  png_set_IHDR(png, info, png_uint_32(image.width), png_uint_32(image.height), 8,
               PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
               PNG_FILTER_TYPE_DEFAULT);
  png_set_text(png, info, texts.data(), int(texts.size()));
  png_write_info(png, info);
  png_write_image(png, rows.data());
  png_write_end(png, info);
  png_destroy_write_struct(&png, &info);
  return true;
}

/// The longest of `labels`, in characters.
size_t longest(const std::vector<std::string> &labels) {
  size_t n = 0;
  for (const std::string &label : labels)
    n = std::max(n, label.size());
  return n;
}

} // namespace

void attentionColour(float weight, uint8_t rgb[3]) {
  if (weight == 0.0f) {
    rgb[0] = rgb[1] = rgb[2] = 255;
    return;
  }
  // ColorBrewer's "Blues" from its second step: the lightest positive weight
  // is (222, 235, 247), visibly off white, and no channel of any positive
  // weight reaches 255, so white means exactly 0.
  static constexpr uint8_t kStops[8][3] = {{222, 235, 247}, {198, 219, 239}, {158, 202, 225},
                                           {107, 174, 214}, {66, 146, 198},  {33, 113, 181},
                                           {8, 81, 156},    {8, 48, 107}};
  double w = std::clamp(double(weight), 0.0, 1.0) * 7;
  int i = std::min(int(w), 6);
  double f = w - i;
  for (int c = 0; c < 3; ++c)
    rgb[c] = uint8_t(kStops[i][c] + (kStops[i + 1][c] - kStops[i][c]) * f + 0.5);
}

Expected<std::string> renderAttentionPng(const AttentionRecord &record,
                                         const AttentionHeadMap &map,
                                         const AttentionImageOptions &options) {
  int t = int(record.size()), cell = options.cell, grid = t * cell;
  std::vector<std::string> labels;
  for (const std::string &token : record.tokens)
    labels.push_back(toLabel(token, kMaxLabelChars));
  int labelChars = int(longest(labels));
  // With cells smaller than a glyph's box, every `stride`-th label.
  int stride = (kGlyphHeight + cell - 1) / cell;

  std::string title = ("layer " + Twine(map.layer) + " head " + Twine(map.head)).str();
  std::string subtitle = toLabel(record.model, 40) + ", mask " + record.mask;
  if (record.mask == "sliding_window")
    subtitle += " " + std::to_string(record.window);
  subtitle += ", " + std::to_string(t) + " tokens (queries down, keys across)";

  int titleBottom = kMargin + 2 * kGlyphHeight + 2 + kGlyphHeight;
  int x0 = kMargin + labelChars * kGlyphWidth + kGap;
  int y0 = titleBottom + kGap + labelChars * kGlyphWidth + kGap;
  int barX = x0 + grid + 3 * kGap, barHeight = std::max(grid, kMinBarHeight);
  int swatchY = y0 + barHeight + 2 * kGap;
  int width = std::max({barX + kBarWidth + kGap + 10 * kGlyphWidth + kMargin,
                        kMargin + int(subtitle.size()) * kGlyphWidth + kMargin,
                        kMargin + int(title.size()) * 2 * kGlyphWidth + kMargin});
  int height = std::max(y0 + grid, swatchY + kSwatchHeight) + kMargin;
  Image image(width, height);

  image.text(kMargin, kMargin, title, kBlack, 2);
  image.text(kMargin, kMargin + 2 * kGlyphHeight + 2, subtitle, kBlack);

  // The cells, their outline and the labels.
  uint8_t rgb[3];
  for (int q = 0; q < t; ++q)
    for (int k = 0; k < t; ++k) {
      attentionColour(map.weights[size_t(q) * size_t(t) + size_t(k)], rgb);
      image.fill(x0 + k * cell, y0 + q * cell, cell, cell, rgb);
    }
  image.outline(x0, y0, grid, grid, kGrey);
  int centre = std::max(0, (cell - 7) / 2);
  for (int i = 0; i < t; i += stride) {
    const std::string &label = labels[size_t(i)];
    int right = x0 - kGap;
    image.text(right - int(label.size()) * kGlyphWidth, y0 + i * cell + centre, label, kBlack);
    image.textUp(x0 + i * cell + centre, y0 - kGap, label, kBlack);
  }

  // The colour bar: row r has weight 1 - r / barHeight, so its bottom row is
  // the smallest positive weight's colour; then the swatch of exact 0.
  for (int r = 0; r < barHeight; ++r) {
    attentionColour(float(1.0 - double(r) / barHeight), rgb);
    image.fill(barX, y0 + r, kBarWidth, 1, rgb);
  }
  image.outline(barX, y0, kBarWidth, barHeight, kGrey);
  struct Tick {
    int y;
    const char *text;
  } ticks[] = {{y0, "1"}, {y0 + barHeight / 2, "0.5"}, {y0 + barHeight - 1, "0"}};
  int tickX = barX + kBarWidth + 1;
  for (const Tick &tick : ticks) {
    image.fill(tickX, tick.y, 3, 1, kBlack);
    int textY = std::clamp(tick.y - 3, y0 - 1, y0 + barHeight - 7);
    image.text(tickX + 5, textY, tick.text, kBlack);
  }
  attentionColour(0.0f, rgb);
  image.fill(barX, swatchY, kBarWidth, kSwatchHeight, rgb);
  image.outline(barX, swatchY, kBarWidth, kSwatchHeight, kGrey);
  image.text(tickX + 5, swatchY + 1, "exactly 0", kBlack);

  TextChunks chunks;
  chunks.entries = {{"Title", title + " (" + subtitle + ")"},
                    {"Software", "attnc attention-map"},
                    {"attnc-grid", (Twine(x0) + " " + Twine(y0) + " " + Twine(cell) + " " +
                                    Twine(t)).str()},
                    {"attnc-layer", std::to_string(map.layer)},
                    {"attnc-head", std::to_string(map.head)}};
  std::string bytes, error;
  if (!encodePng(image, chunks, bytes, error))
    return createStringError(inconvertibleErrorCode(), error);
  return bytes;
}

} // namespace attnc
