//===- TokenizerImport.h - Every tokenizer source to one format -*- C++ -*-===//
//
// Converts the tokenizer a description names into the embedded format of
// runtime/include/attnrt/tokenizer.h, which the compiled executable carries:
//   llama2c      llama2.c's tokenizer.bin (spm kind; exactly vocab_size
//                tokens; 0 unknown, 1 BOS, 2 EOS, 3..258 byte tokens)
//   gguf         the vocabulary of a .gguf file: tokenizer.ggml.model
//                `llama` (spm kind: tokens, scores, token_type, byte
//                fallback through `<0xNN>` tokens) or `gpt2` (byte-level BPE:
//                tokens, merges, token_type); other models are refused by name
//   hf           a Hugging Face tokenizer.json of model.type BPE: GPT-2 style
//                (ByteLevel pre-tokenizer, vocab + merges + added_tokens) as
//                the gpt2 kind, or Llama/Mistral style (byte_fallback with the
//                SentencePiece normalizer: Prepend and Replace of U+2581) as
//                the spm kind, each merge's result scored by its rank
// Every count, length and id read from the source is checked before use;
// the serialized result is then loaded with the runtime's own parser, so
// what the compiler accepts is exactly what the executable will load.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_FRONTEND_TOKENIZERIMPORT_H
#define ATTNC_FRONTEND_TOKENIZERIMPORT_H

#include "compiler/Frontend/ModelSpec.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <memory>
#include <string>

namespace attnc {

/// A converted tokenizer.
struct TokenizerInfo {
  /// What it was converted from, for summaries: "llama2.c tokenizer.bin",
  /// "GGUF llama (spm)", "GGUF gpt2 (byte-level BPE)", "tokenizer.json
  /// GPT-2 BPE", "tokenizer.json SentencePiece BPE".
  std::string source;
  bool byteLevel = false; // the gpt2 kind; else spm
  int64_t tokens = 0;
  int64_t longestPiece = 0; // bytes of the longest piece as stored
  int64_t merges = 0;       // gpt2 merge rules
  /// The special tokens the tokenizer itself declares (-1: none); for
  /// tokenizer.bin, llama2.c's fixed 1 and 2 with add_bos. The runtime uses
  /// the model record's (ModelSpec::tokens, abi.h), which win over these.
  SpecialTokens special;
  int64_t unk = -1;
  bool addSpacePrefix = false;
  /// The embedded format (tokenizer.h), checked by the runtime's parser.
  std::shared_ptr<llvm::MemoryBuffer> bytes;
};

/// Reads `spec.tokenizer.path` as `spec.tokenizerFormat` and converts it.
/// The tokenizer may have fewer tokens than `spec.vocabSize` (padded
/// embeddings; llama2c: exactly as many) but not more. Errors name the file,
/// the key or field and the index at fault, reported at `spec.tokenizer.loc`.
bool importTokenizer(const ModelSpec &spec, llvm::SourceMgr &sm, TokenizerInfo &info);

/// The same for a source already in memory, named `name` in messages (the
/// fuzzers and tests use it).
bool convertTokenizer(TokenizerFormat format, std::unique_ptr<llvm::MemoryBuffer> source,
                      llvm::StringRef name, int64_t vocabSize, llvm::SourceMgr &sm,
                      llvm::SMLoc loc, TokenizerInfo &info);

/// `attnc tokenize`: encodes `text` with `info` (BOS first when `addBos` and
/// the tokenizer has one) and prints the ids as llama.cpp's llama-tokenize
/// does, a Python-style list `[1, 306, 4658]`, or with `pieces` one
/// `id -> 'piece'` line per token (the text the token stands for; a piece
/// that is not valid UTF-8 on its own, such as one byte of a character, as
/// stored, e.g. `<0xE4>`). Returns the exit status: 0, or 1 after printing
/// "error: ..." to stderr.
int printTokenization(const TokenizerInfo &info, llvm::StringRef text, bool pieces, bool addBos,
                      llvm::raw_ostream &os);

} // namespace attnc

#endif // ATTNC_FRONTEND_TOKENIZERIMPORT_H
