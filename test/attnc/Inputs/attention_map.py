"""Recordings for `attnc attention-map` tests, and an independent PNG check.

  attention_map.py causal OUT.json [T]   a causal recording (layers 2, heads 2:
                                         maps (0,0), (1,1)) of T tokens (default 7)
  attention_map.py none OUT.json         a mask "none" recording (map (0,1))
  attention_map.py check PNG JSON LAYER HEAD
      decodes PNG with the decoder below (zlib and the five PNG row filters,
      no imaging library), finds the grid from its tEXt chunk attnc-grid
      ("x0 y0 cell T") and checks, against the recording's weights:
        - the image holds the grid, and attnc-layer/attnc-head are LAYER/HEAD;
        - every pixel of every cell is the cell's one colour;
        - every cell of weight exactly 0 is pure white (255, 255, 255), the
          documented colour of 0, and every cell of a positive weight is not;
        - every cell of weight 1 is the documented colour of 1, (8, 48, 107);
        - a larger weight is never lighter (sum of R, G, B) than a smaller one.
      Prints one summary line.

The weights are a softmax of fixed pseudo-random scores (a seeded generator)
over the keys the mask allows, written with %.9g as the runtime writes them;
a few rows are set by hand: a one-hot row (weight 1 and exact zeros), and a
row of tiny positive weights (1e-30), which must not look like 0.
"""
import json
import math
import random
import struct
import sys
import zlib

# Tokens with what a decoded piece may hold: spaces, quotes, a backslash,
# control characters, non-ASCII UTF-8, a long one.
TOKENS = ["<s>", " The", " \"quoted\"", "tab\there", " caf\u00e9", "\u0000nul\\",
          " supercalifragilisticexpialidocious"]


def softmax(scores):
    top = max(scores)
    exps = [math.exp(s - top) for s in scores]
    total = sum(exps)
    return [e / total for e in exps]


def make_map(t, allowed, seed):
    """T rows of T weights: softmax over the keys allowed(q, k), 0 elsewhere."""
    rng = random.Random(seed)
    rows = []
    for q in range(t):
        keys = [k for k in range(t) if allowed(q, k)]
        probs = softmax([rng.uniform(-3, 3) for _ in keys])
        row = [0.0] * t
        for k, p in zip(keys, probs):
            row[k] = p
        rows.append(row)
    return rows


def tokens_of(t):
    return [TOKENS[i] if i < len(TOKENS) else " w%d" % i for i in range(t)]


def write(path, mask, layers, heads, tokens, maps):
    doc = {"format": "attnc-attention", "version": 1, "model": "test-model", "mask": mask,
           "window": 0, "layers": layers, "heads": heads, "tokens": tokens,
           "token_ids": list(range(1, len(tokens) + 1)), "maps": maps}
    text = json.dumps(doc, ensure_ascii=False)
    # %.9g numbers, as the runtime prints them (json.dumps would print repr).
    for m in maps:
        for row in m["weights"]:
            for w in row:
                assert 0.0 <= w <= 1.0
    rows = lambda ws: "[" + ", ".join(
        "[" + ", ".join("%.9g" % w for w in row) + "]" for row in ws) + "]"
    head, _, _ = text.partition('"maps": ')
    text = head + '"maps": [' + ", ".join(
        '{"layer": %d, "head": %d, "weights": %s}' % (m["layer"], m["head"], rows(m["weights"]))
        for m in maps) + "]}"
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def causal(path, t):
    first = make_map(t, lambda q, k: k <= q, seed=1)
    second = make_map(t, lambda q, k: k <= q, seed=2)
    if t > 3:
        second[3] = [1.0 if k == 2 else 0.0 for k in range(t)]  # one-hot under the diagonal
        second[t - 1] = [1e-30] * (t - 1) + [1.0 - 1e-30 * (t - 1)]
    write(path, "causal", 2, 2, tokens_of(t),
          [{"layer": 0, "head": 0, "weights": first}, {"layer": 1, "head": 1, "weights": second}])


def full(path):
    t = 5
    weights = make_map(t, lambda q, k: True, seed=3)
    weights[2] = [0.0, 0.0, 0.0, 1.0, 0.0]  # one-hot above the diagonal, zeros both sides
    write(path, "none", 1, 2, tokens_of(t), [{"layer": 0, "head": 1, "weights": weights}])


# --- An independent PNG decoder (PNG specification, 2nd edition) -----------

def decode_png(data):
    """Returns (width, height, rows of (r, g, b) tuples, {tEXt key: text})."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG signature"
    at, idat, texts, header = 8, b"", {}, None
    while at < len(data):
        length, kind = struct.unpack(">I4s", data[at:at + 8])
        body = data[at + 8:at + 8 + length]
        crc, = struct.unpack(">I", data[at + 8 + length:at + 12 + length])
        assert zlib.crc32(kind + body) & 0xffffffff == crc, "bad CRC in %r" % kind
        at += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        elif kind == b"tEXt":
            key, _, text = body.partition(b"\0")
            texts[key.decode("latin-1")] = text.decode("latin-1")
        elif kind == b"IEND":
            break
    width, height, depth, colour, _, _, interlace = header
    assert depth == 8 and colour in (2, 6) and interlace == 0, "unexpected IHDR %r" % (header,)
    bpp = 3 if colour == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * bpp
    assert len(raw) == height * (stride + 1), "IDAT holds %d bytes" % len(raw)
    rows, prev = [], bytearray(stride)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if kind == 0:
                pred = 0
            elif kind == 1:
                pred = a
            elif kind == 2:
                pred = b
            elif kind == 3:
                pred = (a + b) // 2
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
            else:
                raise AssertionError("row %d has filter type %d" % (y, kind))
            line[i] = (line[i] + pred) & 0xff
        rows.append([tuple(line[x * bpp:x * bpp + 3]) for x in range(width)])
        prev = line
    return width, height, rows, texts


WHITE, ONE = (255, 255, 255), (8, 48, 107)


def check(png_path, json_path, layer, head):
    with open(png_path, "rb") as f:
        width, height, rows, texts = decode_png(f.read())
    with open(json_path, encoding="utf-8") as f:
        doc = json.load(f)
    weights = next(m["weights"] for m in doc["maps"] if (m["layer"], m["head"]) == (layer, head))
    t = len(doc["tokens"])
    x0, y0, cell, grid_t = map(int, texts["attnc-grid"].split())
    assert grid_t == t, "attnc-grid says %d tokens, the recording has %d" % (grid_t, t)
    assert texts["attnc-layer"] == str(layer) and texts["attnc-head"] == str(head), texts
    assert cell >= 1 and x0 >= 0 and y0 >= 0
    assert x0 + t * cell <= width and y0 + t * cell <= height, "the grid leaves the image"
    colours = {}
    for q in range(t):
        for k in range(t):
            pixels = {rows[y][x] for y in range(y0 + q * cell, y0 + (q + 1) * cell)
                      for x in range(x0 + k * cell, x0 + (k + 1) * cell)}
            assert len(pixels) == 1, "cell (%d, %d) has %d colours" % (q, k, len(pixels))
            colour = pixels.pop()
            w = weights[q][k]
            if w == 0:
                assert colour == WHITE, "cell (%d, %d) of weight 0 is %r" % (q, k, colour)
            else:
                assert colour != WHITE, "cell (%d, %d) of weight %g is white" % (q, k, w)
            if w == 1:
                assert colour == ONE, "cell (%d, %d) of weight 1 is %r" % (q, k, colour)
            colours[(q, k)] = (w, sum(colour))
    ordered = sorted(colours.values())
    for (wa, la), (wb, lb) in zip(ordered, ordered[1:]):
        assert wa == wb or la >= lb, "weight %g is darker than weight %g" % (wa, wb)
    # Above the diagonal (keys after the query): every pixel of every cell.
    above = [(q, k) for q in range(t) for k in range(q + 1, t)]
    above_white = all(rows[y][x] == WHITE for q, k in above
                      for y in range(y0 + q * cell, y0 + (q + 1) * cell)
                      for x in range(x0 + k * cell, x0 + (k + 1) * cell))
    print("above the diagonal: %d cells, %s" % (len(above),
          "every pixel white (weight 0)" if above_white else "NOT all white"))
    zeros = sum(1 for w, _ in colours.values() if w == 0)
    ones = sum(1 for w, _ in colours.values() if w == 1)
    print("ok %dx%d grid %d tokens cell %d: %d zero cells white, %d of weight 1, %d positive"
          % (width, height, t, cell, zeros, ones, t * t - zeros))


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "causal":
        causal(sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 7)
    elif command == "none":
        full(sys.argv[2])
    elif command == "check":
        check(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
    else:
        sys.exit("unknown command " + command)
