"""Prints `attnc check`'s checksum line for a llama2.c checkpoint, computed
from test/reference/llama_ref.py's NumPy reader, which shares no code with
attnc: 64-bit FNV-1a over the 32-bit words of the float32 tensors, in
layer-major order (tok_embeddings; per layer attention_norm wq wk wv wo
ffn_norm w1 w2 w3; norm; output if untied). Usage: checksum.py REFDIR CKPT."""
import sys

import numpy as np

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, sys.argv[1])
from llama_ref import Checkpoint  # noqa: E402

m = Checkpoint(sys.argv[2])
tensors = [m.emb]
for l in range(m.n_layers):
    tensors += [m.rms_att[l], m.wq[l], m.wk[l], m.wv[l], m.wo[l], m.rms_ffn[l],
                m.w1[l], m.w2[l], m.w3[l]]
tensors.append(m.rms_final)
if not m.shared:
    tensors.append(m.wcls)
words = np.concatenate([np.asarray(t, dtype="<f4").ravel() for t in tensors]).view("<u4")
h = 0xCBF29CE484222325
for w in words.tolist():
    h = ((h ^ w) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
print(f"checksum   0x{h:016x}")
