/* Calls the `prefill` and `attn_decode` functions of new-ops.mlir (compiled
 * by attnc-codegen) through their C interfaces on the inputs that
 * new-ops-ref.py wrote, and writes every result for it to compare:
 *   new-ops-driver IN.bin OUT.bin
 * IN.bin: for prefill (T = 64, position 7), then for decode (T = 1, position
 * 500): x (T, 16), w (16), b (16), table (512, 16), q (T, 2, 8); f32 each.
 * OUT.bin: per call, the 7 (T, 16) results then the 2 (T, 2, 8) ones, in the
 * order of the function's out-memrefs. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct { float *alloc, *data; int64_t offset, sizes[1], strides[1]; } M1;
typedef struct { float *alloc, *data; int64_t offset, sizes[2], strides[2]; } M2;
typedef struct { float *alloc, *data; int64_t offset, sizes[3], strides[3]; } M3;

#define D 16
#define S 512
#define H 2
#define HD 8

typedef void Fn(M2 *, M1 *, M1 *, M2 *, M3 *, int64_t, M2 *, M2 *, M2 *, M2 *, M2 *, M2 *,
                M2 *, M3 *, M3 *);
Fn _mlir_ciface_prefill, _mlir_ciface_attn_decode;

static M1 m1(float *p, int64_t n) { M1 m = {p, p, 0, {n}, {1}}; return m; }
static M2 m2(float *p, int64_t r, int64_t c) { M2 m = {p, p, 0, {r, c}, {c, 1}}; return m; }
static M3 m3(float *p, int64_t a, int64_t b, int64_t c) {
  M3 m = {p, p, 0, {a, b, c}, {b * c, c, 1}};
  return m;
}

static float *readFloats(FILE *f, size_t n) {
  float *p = malloc(n * sizeof(float));
  if (!p || fread(p, sizeof(float), n, f) != n) { fprintf(stderr, "short input\n"); exit(1); }
  return p;
}

static void run(Fn *fn, FILE *in, FILE *out, int64_t t, int64_t pos) {
  float *x = readFloats(in, t * D), *w = readFloats(in, D), *b = readFloats(in, D);
  float *table = readFloats(in, S * D), *q = readFloats(in, t * H * HD);
  float *r2 = calloc(7 * t * D, sizeof(float)), *r3 = calloc(2 * t * H * HD, sizeof(float));
  M2 mx = m2(x, t, D), mt = m2(table, S, D);
  M1 mw = m1(w, D), mb = m1(b, D);
  M3 mq = m3(q, t, H, HD);
  M2 o[7];
  M3 o3[2];
  for (int i = 0; i < 7; ++i) o[i] = m2(r2 + i * t * D, t, D);
  for (int i = 0; i < 2; ++i) o3[i] = m3(r3 + i * t * H * HD, t, H, HD);
  fn(&mx, &mw, &mb, &mt, &mq, pos, &o[0], &o[1], &o[2], &o[3], &o[4], &o[5], &o[6], &o3[0],
     &o3[1]);
  fwrite(r2, sizeof(float), 7 * t * D, out);
  fwrite(r3, sizeof(float), 2 * t * H * HD, out);
  free(x); free(w); free(b); free(table); free(q); free(r2); free(r3);
}

int main(int argc, char **argv) {
  if (argc != 3) return 2;
  FILE *in = fopen(argv[1], "rb"), *out = fopen(argv[2], "wb");
  if (!in || !out) return 1;
  run(_mlir_ciface_prefill, in, out, 64, 7);
  run(_mlir_ciface_attn_decode, in, out, 1, 500);
  return fclose(out) != 0;
}
