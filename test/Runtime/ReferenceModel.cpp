//===- ReferenceModel.cpp - llama2.c's forward pass behind the attnc ABI --===//
//
// A stand-in for the object file `attnc compile` emits, so the runtime can be
// tested end to end without the compiler: it embeds a llama2.c checkpoint and
// tokenizer with .incbin and exports the symbols of abi.h, implementing
// `attn_prefill` / `attn_decode` with a line-by-line port of llama2.c's
// forward() (scalar float32 in llama2.c's operation order, so its logits, and
// hence a greedy run, match llama2.c's). Only the KV cache layout differs:
// the ABI's (layer, kv_head, position, head_dim) instead of llama2.c's
// (layer, position, kv_dim). Prefill runs its tokens one position at a time.
// Test code, not runtime code: it may print and abort on a broken setup.
//
//===----------------------------------------------------------------------===//
#include "runtime/include/attnrt/abi.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

// ----------------------------------------------------------------------------
// embedded data: what attnc emits with .incbin and .quad

#define REF_STR2(x) #x
#define REF_STR(x) REF_STR2(x)

asm(".section .rodata\n"
    ".balign 64\n"
    ".globl attn_weights\n"
    "attn_weights:\n"
    ".incbin \"" REF_CHECKPOINT "\", 28\n" // the floats after llama2.c's 7-int header
    "attn_weights_end:\n"
    ".globl refmodel_header\n"
    "refmodel_header:\n"
    ".incbin \"" REF_CHECKPOINT "\", 0, 28\n"
    ".globl attn_tokenizer\n"
    "attn_tokenizer:\n"
    ".incbin \"" REF_TOKENIZER "\"\n"
    "attn_tokenizer_end:\n"
    ".balign 8\n"
    ".globl attn_model_info\n"
    "attn_model_info:\n"
    ".quad " REF_STR(ATTN_ABI_VERSION) ", " REF_STR(REF_VOCAB) ", " REF_STR(REF_CONTEXT) ", "
    REF_STR(REF_DIM) ", " REF_STR(REF_LAYERS) ", " REF_STR(REF_HEADS) ", "
    REF_STR(REF_KV_HEADS) ", " REF_STR(REF_DIM) " / " REF_STR(REF_HEADS) ", "
    "attn_weights_end - attn_weights, attn_tokenizer_end - attn_tokenizer, "
    REF_STR(REF_PREFILL_CHUNK) ", 1, 2, 1, 0, 0\n" // BOS 1, EOS 2, add_bos: llama2.c's
    ".text\n");

extern "C" const int32_t refmodel_header[7];

namespace {

// ----------------------------------------------------------------------------
// the checkpoint

struct Config {
  int dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len;
};

struct Weights {
  const float *token_embedding_table; // (vocab_size, dim)
  const float *rms_att_weight;        // (layer, dim)
  const float *wq;                    // (layer, dim, n_heads * head_size)
  const float *wk;                    // (layer, dim, n_kv_heads * head_size)
  const float *wv;                    // (layer, dim, n_kv_heads * head_size)
  const float *wo;                    // (layer, n_heads * head_size, dim)
  const float *rms_ffn_weight;        // (layer, dim)
  const float *w1, *w2, *w3;          // (layer, hidden_dim, dim), (layer, dim, hidden_dim), ...
  const float *rms_final_weight;      // (dim)
  const float *wcls;                  // (vocab_size, dim)
};

struct Scratch {
  std::vector<float> x, xb, xb2, hb, hb2, q, k, v, att; // llama2.c's RunState
};

Config p;
Weights w;
Scratch s;
bool ready = false;

[[noreturn]] void die(const char *what) {
  std::fprintf(stderr, "reference model: %s\n", what);
  std::abort();
}

/// Maps the weights as llama2.c's memory_map_weights() and allocates the
/// activations, once (the first call is always a prefill).
void init(const float *ptr, int64_t floats) {
  std::memcpy(&p, refmodel_header, sizeof p);
  bool shared = p.vocab_size > 0;
  p.vocab_size = std::abs(p.vocab_size);
  const AttnModelInfo &info = attn_model_info;
  if (info.vocab_size != p.vocab_size || info.context_length != p.seq_len ||
      info.dim != p.dim || info.layers != p.n_layers || info.kv_heads != p.n_kv_heads)
    die("attn_model_info disagrees with the checkpoint header");
  const long head_size = p.dim / p.n_heads, layers = p.n_layers;
  const long kv_dim = p.n_kv_heads * head_size;
  const float *start = ptr;
  w.token_embedding_table = ptr, ptr += long(p.vocab_size) * p.dim;
  w.rms_att_weight = ptr, ptr += layers * p.dim;
  w.wq = ptr, ptr += layers * p.dim * p.dim;
  w.wk = ptr, ptr += layers * p.dim * kv_dim;
  w.wv = ptr, ptr += layers * p.dim * kv_dim;
  w.wo = ptr, ptr += layers * p.dim * p.dim;
  w.rms_ffn_weight = ptr, ptr += layers * p.dim;
  w.w1 = ptr, ptr += layers * p.dim * p.hidden_dim;
  w.w2 = ptr, ptr += layers * p.hidden_dim * p.dim;
  w.w3 = ptr, ptr += layers * p.dim * p.hidden_dim;
  w.rms_final_weight = ptr, ptr += p.dim;
  ptr += long(p.seq_len) * head_size; // the legacy RoPE tables (real and imaginary halves)
  w.wcls = shared ? w.token_embedding_table : ptr;
  if ((shared ? ptr : ptr + long(p.vocab_size) * p.dim) - start != floats)
    die("weights_bytes does not match the checkpoint's shapes");
  for (std::vector<float> *b : {&s.x, &s.xb, &s.xb2, &s.q, &s.k, &s.v})
    b->assign(size_t(p.dim), 0.0f);
  s.hb.assign(size_t(p.hidden_dim), 0.0f);
  s.hb2.assign(size_t(p.hidden_dim), 0.0f);
  s.att.assign(size_t(p.n_heads) * size_t(p.seq_len), 0.0f);
  ready = true;
}

// ----------------------------------------------------------------------------
// llama2.c's neural net blocks

void rmsnorm(float *o, const float *x, const float *weight, int size) {
  float ss = 0.0f;
  for (int j = 0; j < size; j++)
    ss += x[j] * x[j];
  ss /= size;
  ss += 1e-5f;
  ss = 1.0f / sqrtf(ss);
  for (int j = 0; j < size; j++)
    o[j] = weight[j] * (ss * x[j]);
}

void softmax(float *x, int size) {
  float max_val = x[0];
  for (int i = 1; i < size; i++)
    if (x[i] > max_val)
      max_val = x[i];
  float sum = 0.0f;
  for (int i = 0; i < size; i++) {
    x[i] = expf(x[i] - max_val);
    sum += x[i];
  }
  for (int i = 0; i < size; i++)
    x[i] /= sum;
}

void matmul(float *xout, const float *x, const float *wm, int n, int d) {
  // W (d,n) @ x (n,) -> xout (d,)
  for (int i = 0; i < d; i++) {
    float val = 0.0f;
    for (int j = 0; j < n; j++)
      val += wm[long(i) * n + j] * x[j];
    xout[i] = val;
  }
}

/// llama2.c's forward() for one token; k/v rows go to the ABI's caches.
void forward(int token, int pos, AttnMemRef<float, 4> *kc, AttnMemRef<float, 4> *vc,
             float *logits) {
  float *x = s.x.data();
  const int dim = p.dim, hidden_dim = p.hidden_dim, head_size = dim / p.n_heads;
  const int kv_dim = p.n_kv_heads * head_size, kv_mul = p.n_heads / p.n_kv_heads;
  // The cache row of (layer, kv_head, position).
  auto row = [](AttnMemRef<float, 4> *c, int l, int h, int t) {
    return c->aligned + l * c->strides[0] + h * c->strides[1] + t * c->strides[2];
  };
  std::memcpy(x, w.token_embedding_table + long(token) * dim, size_t(dim) * sizeof(float));

  for (int l = 0; l < p.n_layers; l++) {
    rmsnorm(s.xb.data(), x, w.rms_att_weight + long(l) * dim, dim);
    matmul(s.q.data(), s.xb.data(), w.wq + long(l) * dim * dim, dim, dim);
    matmul(s.k.data(), s.xb.data(), w.wk + long(l) * dim * kv_dim, dim, kv_dim);
    matmul(s.v.data(), s.xb.data(), w.wv + long(l) * dim * kv_dim, dim, kv_dim);

    // RoPE: rotate q and k in each head.
    for (int i = 0; i < dim; i += 2) {
      int head_dim = i % head_size;
      float freq = 1.0f / powf(10000.0f, head_dim / (float)head_size);
      float val = pos * freq;
      float fcr = cosf(val);
      float fci = sinf(val);
      int rotn = i < kv_dim ? 2 : 1; // 2 = q and k, 1 = q only
      for (int v = 0; v < rotn; v++) {
        float *vec = v == 0 ? s.q.data() : s.k.data();
        float v0 = vec[i];
        float v1 = vec[i + 1];
        vec[i] = v0 * fcr - v1 * fci;
        vec[i + 1] = v0 * fci + v1 * fcr;
      }
    }
    for (int h = 0; h < p.n_kv_heads; h++) {
      std::memcpy(row(kc, l, h, pos), s.k.data() + h * head_size, size_t(head_size) * 4);
      std::memcpy(row(vc, l, h, pos), s.v.data() + h * head_size, size_t(head_size) * 4);
    }

    // Multi-head attention over positions 0..pos.
    for (int h = 0; h < p.n_heads; h++) {
      const float *q = s.q.data() + h * head_size;
      float *att = s.att.data() + long(h) * p.seq_len;
      for (int t = 0; t <= pos; t++) {
        const float *k = row(kc, l, h / kv_mul, t);
        float score = 0.0f;
        for (int i = 0; i < head_size; i++)
          score += q[i] * k[i];
        score /= sqrtf(head_size);
        att[t] = score;
      }
      softmax(att, pos + 1);
      float *xb = s.xb.data() + h * head_size;
      std::memset(xb, 0, size_t(head_size) * sizeof(float));
      for (int t = 0; t <= pos; t++) {
        const float *v = row(vc, l, h / kv_mul, t);
        float a = att[t];
        for (int i = 0; i < head_size; i++)
          xb[i] += a * v[i];
      }
    }
    matmul(s.xb2.data(), s.xb.data(), w.wo + long(l) * dim * dim, dim, dim);
    for (int i = 0; i < dim; i++)
      x[i] += s.xb2[i];

    // FFN: w2(silu(w1(x)) * w3(x)).
    rmsnorm(s.xb.data(), x, w.rms_ffn_weight + long(l) * dim, dim);
    matmul(s.hb.data(), s.xb.data(), w.w1 + long(l) * dim * hidden_dim, dim, hidden_dim);
    matmul(s.hb2.data(), s.xb.data(), w.w3 + long(l) * dim * hidden_dim, dim, hidden_dim);
    for (int i = 0; i < hidden_dim; i++) {
      float val = s.hb[i];
      val *= (1.0f / (1.0f + expf(-val)));
      val *= s.hb2[i];
      s.hb[i] = val;
    }
    matmul(s.xb.data(), s.hb.data(), w.w2 + long(l) * dim * hidden_dim, hidden_dim, dim);
    for (int i = 0; i < dim; i++)
      x[i] += s.xb[i];
  }
  rmsnorm(x, x, w.rms_final_weight, dim);
  matmul(logits, x, w.wcls, p.dim, p.vocab_size);
}

void run(AttnMemRef<const int32_t, 1> *tokens, int64_t pos, AttnMemRef<const uint8_t, 1> *weights,
         AttnMemRef<float, 4> *k_cache, AttnMemRef<float, 4> *v_cache,
         AttnMemRef<float, 2> *logits) {
  if (!ready)
    init(reinterpret_cast<const float *>(weights->aligned), weights->sizes[0] / 4);
  // The logits of the last R positions only (abi.h); the others' go to scratch.
  static std::vector<float> scratch;
  scratch.resize(size_t(logits->sizes[1]));
  const int64_t n = tokens->sizes[0], first_row = n - logits->sizes[0];
  for (int64_t r = 0; r < n; ++r)
    forward(tokens->aligned[r], int(pos + r), k_cache, v_cache,
            r < first_row ? scratch.data() : logits->aligned + (r - first_row) * logits->strides[0]);
}

} // namespace

// ----------------------------------------------------------------------------
// the entry points of abi.h

extern "C" void _mlir_ciface_attn_prefill(AttnMemRef<const int32_t, 1> *tokens, int64_t pos,
                                          AttnMemRef<const uint8_t, 1> *weights,
                                          AttnMemRef<float, 4> *k_cache,
                                          AttnMemRef<float, 4> *v_cache,
                                          AttnMemRef<float, 2> *logits) {
  run(tokens, pos, weights, k_cache, v_cache, logits);
}

extern "C" void _mlir_ciface_attn_decode(AttnMemRef<const int32_t, 1> *tokens, int64_t pos,
                                         AttnMemRef<const uint8_t, 1> *weights,
                                         AttnMemRef<float, 4> *k_cache,
                                         AttnMemRef<float, 4> *v_cache,
                                         AttnMemRef<float, 2> *logits) {
  run(tokens, pos, weights, k_cache, v_cache, logits);
}
