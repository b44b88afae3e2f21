/* Calls `prefill` or `attn_decode` of int8-linear.mlir (compiled by
 * attnc-codegen) through their C interfaces:
 *   int8-linear-driver prefill|decode IN.bin OUT.bin
 * IN.bin (int8-linear-ref.py gen): int64 T, x (T, 96) f32, w (3, 96, 16)
 * int8, s (3, 3, 16) f32. OUT.bin: y (T, 48) f32. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define K 96
#define N 48
#define NB 3
#define KB 3

typedef struct { float *alloc, *data; int64_t offset, sizes[2], strides[2]; } F2;
typedef struct { float *alloc, *data; int64_t offset, sizes[3], strides[3]; } F3;
typedef struct { int8_t *alloc, *data; int64_t offset, sizes[3], strides[3]; } I3;

typedef void Fn(F2 *, I3 *, F3 *, F2 *);
Fn _mlir_ciface_prefill, _mlir_ciface_attn_decode;

static void readAll(FILE *f, void *p, size_t bytes) {
  if (fread(p, 1, bytes, f) != bytes) { fprintf(stderr, "short input\n"); exit(1); }
}

int main(int argc, char **argv) {
  if (argc != 4) { fprintf(stderr, "usage: driver prefill|decode IN OUT\n"); return 1; }
  FILE *in = fopen(argv[2], "rb");
  if (!in) { perror(argv[2]); return 1; }
  int64_t t;
  readAll(in, &t, sizeof t);
  float *x = malloc(t * K * sizeof(float)), *s = malloc(NB * KB * 16 * sizeof(float));
  float *y = malloc(t * N * sizeof(float));
  int8_t *w = malloc(NB * K * 16);
  readAll(in, x, t * K * sizeof(float));
  readAll(in, w, NB * K * 16);
  readAll(in, s, NB * KB * 16 * sizeof(float));
  fclose(in);
  F2 mx = {x, x, 0, {t, K}, {K, 1}}, my = {y, y, 0, {t, N}, {N, 1}};
  I3 mw = {w, w, 0, {NB, K, 16}, {K * 16, 16, 1}};
  F3 ms = {s, s, 0, {NB, KB, 16}, {KB * 16, 16, 1}};
  if (strcmp(argv[1], "decode") == 0) {
    if (t != 1) { fprintf(stderr, "decode takes one token\n"); return 1; }
    _mlir_ciface_attn_decode(&mx, &mw, &ms, &my);
  } else {
    _mlir_ciface_prefill(&mx, &mw, &ms, &my);
  }
  FILE *out = fopen(argv[3], "wb");
  if (!out || fwrite(y, sizeof(float), t * N, out) != (size_t)(t * N)) { perror(argv[3]); return 1; }
  fclose(out);
  return 0;
}
