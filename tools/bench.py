#!/usr/bin/python3
"""attnc against llama.cpp and llama2.c, side by side in one run (tools/bench.sh).

Every contender computes with the same weights: tools/bench_models.py writes
attnc's deterministic random weights of each shape once as a llama2.c .bin
(compiled by attnc, read by llama2.c's run.c) and an F32 GGUF (read by
llama.cpp; its Q8_0 / BF16 files come from llama-quantize). The machines
this runs on are small, shared and noisy, so the contenders are measured in
rounds: in each round every contender runs every test once, in an order that
rotates from round to round, and the memory-bandwidth and FMA-peak probes
(the rooflines) run in the same rounds. A figure is the best of its rounds
(the run least disturbed by the neighbours); every sample is in the JSON.

What is measured, per shape, weight type and thread count:
  tg      decode tokens/s from an empty context: attnc's generator with one
          prompt token and --ignore-eos -n TG; llama-bench -p 0 -n TG;
          run.c (OMP_NUM_THREADS) with -n TG and its "achieved tok/s".
  ppP     prefill tokens/s of a P-token prompt: attnc's "prefill:" rate
          (-n 1 --warmup: the prompt once untimed first, as llama-bench
          runs a warmup prompt before its timed ones); llama-bench -p P -n 0.
          run.c processes a prompt one token at a time (its prefill rate is
          its decode rate) and is not run.
  roofline  tg: read bandwidth (attnc-bandwidth --threads T) / bytes read per
          token (the weights in their type, the norm vectors, one embedding
          row, the KV cache at the mean position); ppP: FMA peak (attnc-flops
          --threads T) / flops per prompt token (2 x the layers' matrix
          weights, attention 2 x dim x (P+1) per layer, the classifier once
          per prompt, as llama.cpp computes it).
  compile seconds of a cold `attnc compile` (a fresh process) of each shape
          and type, and the size of the executable and of its code (.text);
          also of the stories110M width at 1, 6 and 12 layers (--depths).
  positions  decode tokens/s over DEC tokens ending at positions 256, 512 and
          1024 of the stories42M shape (a prompt of P-DEC tokens, then DEC
          decoded), llama.cpp likewise (llama-bench -d P-DEC -n DEC); the
          slope is the least-squares change of ms/token per 256 positions.

Prints markdown tables; --json PATH writes everything, samples included.
"""
import argparse
import datetime
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHAPES = {"15M": "stories15M", "42M": "stories42M", "110M": "stories110M"}
# Bytes per weight of each storage type (q8_0 / q4_0: blocks of 32 values with
# a 16-bit scale).
# q8_0a: attnc's q8_0 compiled with --int8-activations (inputs quantized
# too, integer products), as llama.cpp computes Q8_0; compared with the same
# llama.cpp Q8_0 measurements as the q8_0 rows (measured once when both
# types are asked for).
TYPE_BYTES = {"f32": 4.0, "bf16": 2.0, "f16": 2.0, "q8_0": 34 / 32, "q8_0a": 34 / 32,
              "q4_0": 18 / 32}
LLAMA_CPP_TYPE = {"f32": "F32", "bf16": "BF16", "f16": "F16", "q8_0": "Q8_0", "q8_0a": "Q8_0",
                  "q4_0": "Q4_0"}
# attnc's --weight-type of each type, and its other compile flags.
ATTNC_WEIGHT_TYPE = {"q8_0a": "q8_0"}
ATTNC_FLAGS = {"q8_0a": ["--int8-activations"]}


def log(msg):
    print(f"bench: {msg}", file=sys.stderr, flush=True)


def run(cmd, env=None, timeout=3600):
    """(returncode, stdout, stderr) of cmd; never raises for a failed command."""
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout)
        return p.returncode, p.stdout, p.stderr
    except (OSError, subprocess.TimeoutExpired) as e:
        return 1, "", str(e)


def read_yaml(path):
    import yaml
    with open(path) as f:
        return yaml.safe_load(f)


class Shape:
    def __init__(self, name):
        self.name = name
        self.yaml = os.path.join(ROOT, "examples", f"{name}.yaml")
        d = read_yaml(self.yaml)
        self.vocab, self.ctx, self.dim = d["vocab_size"], d["context_length"], d["dim"]
        self.layers, self.hidden = d["layers"], d["mlp"]["hidden"]
        att = d["attention"]
        self.heads, self.kv_heads = att["heads"], att.get("kv_heads", att["heads"])
        self.tied = bool(d.get("tie_embeddings", True))
        self.depth_override = False

    def with_layers(self, layers):
        """The same width at another depth (the compile-time table)."""
        other = Shape(os.path.splitext(os.path.basename(self.yaml))[0])
        if layers != other.layers:
            other.name, other.layers, other.depth_override = f"{self.name}-L{layers}", layers, True
        return other

    @property
    def kv_dim(self):
        return self.dim // self.heads * self.kv_heads

    def layer_matrix_params(self):
        d, f, kv = self.dim, self.hidden, self.kv_dim
        return self.layers * (2 * d * d + 2 * d * kv + 3 * d * f)

    def decode_bytes(self, wtype, position):
        """Bytes a decode step at `position` reads: every matrix (the
        classifier included) in its type, the norm weights in f32, one f32
        embedding row (an approximation for quantized embeddings) and the K and
        V caches (f32) of the positions before it."""
        matrices = self.layer_matrix_params() + self.vocab * self.dim
        norms = (2 * self.layers + 1) * self.dim
        cache = 2 * self.layers * position * self.kv_dim * 4
        return matrices * TYPE_BYTES[wtype] + 4 * norms + 4 * self.dim + cache

    def prefill_flops_per_token(self, prompt):
        attention = self.layers * 2 * self.dim * (prompt + 1)
        return 2 * self.layer_matrix_params() + attention + 2 * self.dim * self.vocab / prompt


class Bench:
    def __init__(self, args):
        self.args = args
        self.build = os.path.abspath(args.build)
        self.work = os.path.join(self.build, "bench")
        self.attnc = os.path.join(self.build, "bin", "attnc")
        self.bandwidth = os.path.join(self.build, "bin", "attnc-bandwidth")
        self.flops = os.path.join(self.build, "bin", "attnc-flops")
        peers = os.path.join(self.build, "peers")
        self.llama_bench = os.path.join(peers, "llama.cpp", "build", "bin", "llama-bench")
        self.llama_quantize = os.path.join(peers, "llama.cpp", "build", "bin", "llama-quantize")
        self.runomp = os.path.join(peers, "runomp")
        self.tokenizer = args.tokenizer
        self.notes = []
        self.results = {"tests": [], "compile": [], "probes": [], "positions": []}

    # -- setup ---------------------------------------------------------------
    def check_tools(self):
        missing = [p for p in (self.attnc, self.bandwidth, self.flops) if not os.access(p, os.X_OK)]
        if missing:
            names = " ".join(os.path.basename(p) for p in missing)
            raise SystemExit(f"error: not built: {', '.join(missing)} "
                             f"(ninja -C {self.build} {names})")
        _, out, err = run([self.attnc, "compile", "--help"])
        m = re.search(r"--weight-type\s+\S*?\{([^}]*)\}", out + err)
        if m:
            offered = set(m.group(1).split(","))
        elif "--weight-type" in out + err:
            offered = set(TYPE_BYTES)  # offered, values not listed: try them
        else:
            offered = {"f32"}
        if "q8_0" in offered and "--int8-activations" in out + err:
            offered.add("q8_0a")
        self.attnc_types = [t for t in self.args.types if t == "f32" or t in offered]
        absent = [t for t in self.args.types if t not in self.attnc_types]
        if absent:
            self.note(f"attnc: `attnc compile --help` offers no --weight-type {'/'.join(absent)}: "
                      f"{', '.join(absent)} measured for the peers only")

    def note(self, text):
        self.notes.append(text)
        log(text)

    def build_peers(self):
        built = {"llama2.c": [self.runomp], "llama.cpp": [self.llama_bench, self.llama_quantize]}
        for what in ("llama2.c", "llama.cpp"):
            if all(os.access(p, os.X_OK) for p in built[what]):
                continue
            log(f"building peer {what} (tools/peers.sh {what})")
            env = dict(os.environ, ATTNC_BUILD_DIR=self.build)
            code = subprocess.call([os.path.join(ROOT, "tools", "peers.sh"), what], env=env,
                                   stdout=subprocess.DEVNULL)
            if code:
                self.note(f"peer {what}: tools/peers.sh {what} failed (exit {code})")

    def find_peers(self):
        self.have_llama_cpp = os.access(self.llama_bench, os.X_OK) and \
            os.access(self.llama_quantize, os.X_OK)
        self.have_runomp = os.access(self.runomp, os.X_OK) and os.path.isfile(self.tokenizer)
        if self.args.no_peers:
            self.have_llama_cpp = self.have_runomp = False
            self.note("peers: not measured (--no-peers)")
            return
        if not self.have_llama_cpp:
            self.note(f"peer llama.cpp is missing ({self.llama_bench}): not measured; "
                      "tools/bench.sh --peers builds it")
        if not os.access(self.runomp, os.X_OK):
            self.note(f"peer llama2.c is missing ({self.runomp}): not measured; "
                      "tools/bench.sh --peers builds it")
        elif not os.path.isfile(self.tokenizer):
            self.note(f"peer llama2.c: no tokenizer {self.tokenizer} (--tokenizer): not measured")

    def models(self, shape):
        """The shape's weight files, written once (bench_models.py)."""
        d = os.path.join(self.work, "models", shape.name)
        if not os.path.isfile(os.path.join(d, "checksum")):
            log(f"{shape.name}: writing the weights (bench_models.py)")
            cmd = [sys.executable, os.path.join(ROOT, "tools", "bench_models.py"), shape.yaml, d]
            if shape.depth_override:
                cmd += ["--layers", str(shape.layers)]
            code, out, err = run(cmd)
            if code:
                raise SystemExit(f"error: bench_models.py {shape.name} failed: {err.strip()}")
        return d

    def gguf(self, shape, wtype):
        d = self.models(shape)
        f32 = os.path.join(d, "model-f32.gguf")
        if wtype == "f32":
            return f32
        path = os.path.join(d, f"model-{LLAMA_CPP_TYPE[wtype].lower()}.gguf")
        if not os.path.isfile(path):
            code, _, err = run([self.llama_quantize, f32, path + ".tmp", LLAMA_CPP_TYPE[wtype]])
            if code:
                self.note(f"llama-quantize {LLAMA_CPP_TYPE[wtype]} {shape.name} failed: "
                          f"{err.strip().splitlines()[-1] if err.strip() else code}")
                return None
            os.replace(path + ".tmp", path)
        return path

    def compile(self, shape, wtype):
        """Cold compile of the shape's .bin into a generator; records seconds
        and sizes. Returns the executable or None."""
        d = self.models(shape)
        exe = os.path.join(self.work, "exe", f"{shape.name}-{wtype}")
        os.makedirs(os.path.dirname(exe), exist_ok=True)
        if self.args.reuse and os.access(exe, os.X_OK):
            return exe
        cmd = [self.attnc, "compile", os.path.join(d, "model.bin"), "--tokenizer", "", "-o", exe]
        if wtype != "f32":
            cmd += ["--weight-type", ATTNC_WEIGHT_TYPE.get(wtype, wtype)] + ATTNC_FLAGS.get(wtype, [])
        log(f"compiling {shape.name} {wtype}: {' '.join(cmd[1:])}")
        # Wall seconds are what a user waits; the compiler's CPU seconds
        # (user + system, of the child) tell what a busy machine added.
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.monotonic()
        code, _, err = run(cmd)
        seconds = time.monotonic() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        if code:
            self.note(f"attnc compile {shape.name} {wtype} failed: {err.strip()[-300:]}")
            return None
        text = None
        c2, out, _ = run(["size", "-A", exe])
        if c2 == 0:
            m = re.search(r"^\.text\s+(\d+)", out, re.M)
            text = int(m.group(1)) if m else None
        self.results["compile"].append({"shape": shape.name, "dim": shape.dim,
                                        "layers": shape.layers,
                                        "type": wtype,
                                        "seconds": round(seconds, 2),
                                        "cpu_seconds": round(cpu, 2),
                                        "exe_bytes": os.path.getsize(exe), "text_bytes": text})
        return exe

    # -- one measurement each ----------------------------------------------
    def attnc_run(self, exe, threads, prompt_ids, n):
        cmd = [exe, "--prompt-ids", ",".join(map(str, prompt_ids)), "-n", str(n), "--temp", "0",
               "--ignore-eos", "-t", str(threads), "--warmup"]
        code, _, err = run(cmd)
        rates = dict(re.findall(r"^(prefill|decode): .*\(([0-9.]+) tokens/s\)$", err, re.M))
        if code or len(rates) != 2:
            raise RuntimeError(f"{os.path.basename(exe)}: {err.strip()[-300:]}")
        return float(rates["prefill"]), float(rates["decode"])

    def llama_run(self, gguf, threads, prompt, gen, depth=0):
        cmd = [self.llama_bench, "-m", gguf, "-t", str(threads), "-p", str(prompt),
               "-n", str(gen), "-r", "1", "-o", "json"]
        if depth:
            cmd += ["-d", str(depth)]
        code, out, err = run(cmd)
        try:
            return float(json.loads(out)[0]["avg_ts"])
        except (ValueError, KeyError, IndexError, TypeError):
            raise RuntimeError(f"llama-bench: {(err or out).strip()[-300:]}")

    def runomp_run(self, binpath, threads, n):
        env = dict(os.environ, OMP_NUM_THREADS=str(threads))
        code, _, err = run([self.runomp, binpath, "-z", self.tokenizer, "-t", "0", "-n",
                            str(n + 1), "-i", "x"], env=env)
        m = re.search(r"achieved tok/s: ([0-9.]+)", err)
        if code or not m:
            raise RuntimeError(f"runomp: {err.strip()[-300:]}")
        return float(m.group(1))

    def probe(self, threads):
        _, out, _ = run([self.bandwidth, "--threads", str(threads)])
        m = re.search(r"^read_gbps ([0-9.]+)", out, re.M)
        _, out2, _ = run([self.flops, "--threads", str(threads)])
        m2 = re.search(r"^gflops ([0-9.]+)", out2, re.M)
        vb = re.search(r"^vector_bits (\d+)", out2, re.M)
        return (float(m.group(1)) if m else None, float(m2.group(1)) if m2 else None,
                int(vb.group(1)) if vb else None)

    # -- the run -------------------------------------------------------------
    def plan(self):
        """(key, callable) for every single measurement of one round."""
        a = self.args
        jobs = []
        for t in a.threads:
            jobs.append((("probe", t), lambda t=t: self.probe(t)))
        for shape in self.shapes:
            d = self.models(shape)
            for wtype in a.types:
                exe = self.exes.get((shape.name, wtype))
                gguf = self.ggufs.get((shape.name, wtype))
                for t in a.threads:
                    for test in ["tg"] + [f"pp{p}" for p in a.prompts]:
                        if test != "tg" and int(test[2:]) > shape.ctx:
                            continue
                        if exe:
                            if test == "tg":
                                fn = lambda e=exe, t=t: self.attnc_run(e, t, [1], a.tg)[1]
                            else:
                                ids = prompt_ids(int(test[2:]), shape.vocab)
                                fn = lambda e=exe, t=t, ids=ids: self.attnc_run(e, t, ids, 1)[0]
                            jobs.append((("attnc", shape.name, wtype, test, t), fn))
                        if gguf and self.llama_type(wtype) == wtype:
                            if test == "tg":
                                fn = lambda g=gguf, t=t: self.llama_run(g, t, 0, a.tg)
                            else:
                                fn = lambda g=gguf, t=t, p=int(test[2:]): self.llama_run(g, t, p, 0)
                            jobs.append((("llama.cpp", shape.name, wtype, test, t), fn))
                        if self.have_runomp and wtype == "f32" and test == "tg":
                            fn = lambda b=os.path.join(d, "model.bin"), t=t: \
                                self.runomp_run(b, t, a.tg)
                            jobs.append((("llama2.c", shape.name, wtype, test, t), fn))
        if self.pos_shape:
            shape, t, dec = self.pos_shape, max(a.threads), a.pos_decode
            exe = self.exes.get((shape.name, "f32"))
            gguf = self.ggufs.get((shape.name, "f32"))
            for p in a.positions:
                if exe:
                    ids = prompt_ids(p - dec, shape.vocab)
                    jobs.append((("pos", "attnc", p), lambda e=exe, ids=ids, t=t:
                                 self.attnc_run(e, t, ids, dec)[1]))
                if gguf:
                    jobs.append((("pos", "llama.cpp", p), lambda g=gguf, t=t, p=p:
                                 self.llama_run(g, t, 0, dec, depth=p - dec)))
        return jobs

    def main(self):
        a = self.args
        self.check_tools()
        if a.peers:
            self.build_peers()
        self.find_peers()
        self.shapes = [Shape(s) for s in a.shapes]
        self.pos_shape = None
        if a.positions:
            self.pos_shape = Shape("stories42M")
            if max(a.positions) > self.pos_shape.ctx or min(a.positions) <= a.pos_decode:
                raise SystemExit("error: --positions must lie in "
                                 f"({a.pos_decode}, {self.pos_shape.ctx}]")
        self.exes, self.ggufs = {}, {}
        wanted = {(s.name, t): s for s in self.shapes for t in a.types}
        if self.pos_shape:
            wanted.setdefault((self.pos_shape.name, "f32"), self.pos_shape)
        for (name, wtype), shape in wanted.items():
            if wtype in self.attnc_types:
                self.exes[(name, wtype)] = self.compile(shape, wtype)
            if self.have_llama_cpp:
                self.ggufs[(name, wtype)] = self.gguf(shape, wtype)
        if a.depths:
            base = Shape(a.depth_shape)
            for layers in a.depths:
                shape = base.with_layers(layers)
                if (shape.name, "f32") not in self.exes:
                    self.exes[(shape.name, "f32")] = self.compile(shape, "f32")
        jobs = self.plan()
        samples = {}
        for r in range(a.runs):
            log(f"round {r + 1}/{a.runs}: {len(jobs)} measurements")
            # Rotate the order so that no contender always runs right after
            # the same neighbour (or always first, on a cold cache).
            k = (r * len(jobs)) // max(a.runs, 1)
            for key, fn in jobs[k:] + jobs[:k]:
                try:
                    samples.setdefault(key, []).append(fn())
                except RuntimeError as e:
                    samples.setdefault(key, [])
                    self.note(f"{' '.join(map(str, key))}: failed: {e}")
        self.collect(samples)
        self.report()

    def llama_type(self, wtype):
        """The type whose llama.cpp measurements serve `wtype`'s rows."""
        if wtype == "q8_0a" and "q8_0" in self.args.types:
            return "q8_0"
        return wtype

    def collect(self, samples):
        a = self.args
        best = lambda xs: max(xs) if xs else None
        self.probes = {}
        for t in a.threads:
            got = samples.get(("probe", t), [])
            bw = best([g[0] for g in got if g[0]])
            fl = best([g[1] for g in got if g[1]])
            bits = next((g[2] for g in got if g[2]), None)
            self.probes[t] = (bw, fl)
            self.results["probes"].append({"threads": t, "read_gbps": bw, "fma_gflops": fl,
                                           "vector_bits": bits,
                                           "samples": [list(g) for g in got]})
        for shape in self.shapes:
            for wtype in a.types:
                for t in a.threads:
                    for test in ["tg"] + [f"pp{p}" for p in a.prompts]:
                        row = {"shape": shape.name, "type": wtype, "test": test, "threads": t}
                        for who in ("attnc", "llama.cpp", "llama2.c"):
                            key = (who, shape.name,
                                   self.llama_type(wtype) if who == "llama.cpp" else wtype, test, t)
                            if key in samples:
                                row[who] = best(samples[key])
                                row[who + "_samples"] = samples[key]
                        if len(row) == 4:
                            continue
                        bw, fl = self.probes[t]
                        if test == "tg":
                            roof = bw * 1e9 / shape.decode_bytes(wtype, a.tg // 2) if bw else None
                        elif wtype in ATTNC_FLAGS:
                            # Integer products: the f32 FMA peak is no bound
                            # for them (a vpdpbusd does 64 multiply-adds).
                            roof = None
                        else:
                            p = int(test[2:])
                            roof = fl * 1e9 / shape.prefill_flops_per_token(p) if fl else None
                        row["roofline"] = roof
                        if roof and row.get("attnc"):
                            row["attnc_share"] = row["attnc"] / roof
                        for peer in ("llama.cpp", "llama2.c"):
                            if row.get("attnc") and row.get(peer):
                                row["ratio_" + peer] = row["attnc"] / row[peer]
                        self.results["tests"].append(row)
        if self.pos_shape:
            for p in a.positions:
                row = {"position": p, "decoded": a.pos_decode, "threads": max(a.threads)}
                for who in ("attnc", "llama.cpp"):
                    key = ("pos", who, p)
                    if key in samples:
                        row[who] = best(samples[key])
                        row[who + "_samples"] = samples[key]
                self.results["positions"].append(row)
            self.results["position_slope"] = {
                who: slope([(r["position"], 1e3 / r[who]) for r in self.results["positions"]
                            if r.get(who)]) for who in ("attnc", "llama.cpp")}

    # -- output --------------------------------------------------------------
    def report(self):
        a = self.args
        f = lambda x, d=1: "–" if x is None else f"{x:,.{d}f}"
        lines = []
        P = lines.append
        P(f"attnc benchmark, {datetime.date.today()} ({host_cpu()}); best of {a.runs} "
          "alternating rounds; tokens/s")
        P("")
        P("| shape | type | test | -t | attnc | llama.cpp | attnc/llama.cpp | llama2.c | "
          "attnc/llama2.c | roofline | attnc % of roofline |")
        P("|---|---|---|---|---|---|---|---|---|---|---|")
        for r in self.results["tests"]:
            ratio = lambda k: "–" if r.get(k) is None else f"{r[k]:.2f}x"
            share = "–" if r.get("attnc_share") is None else f"{100 * r['attnc_share']:.0f}%"
            P(f"| {r['shape']} | {r['type']} | {r['test']} | {r['threads']} | {f(r.get('attnc'))} "
              f"| {f(r.get('llama.cpp'))} | {ratio('ratio_llama.cpp')} | {f(r.get('llama2.c'))} "
              f"| {ratio('ratio_llama2.c')} | {f(r.get('roofline'))} | {share} |")
        P("")
        P("roofline: tg = read bandwidth / bytes per token; ppP = FMA peak / flops per prompt "
          "token (both measured in this run; none for q8_0a's prefill, whose integer products "
          "the f32 FMA peak does not bound). Above 100%: part of the weights stayed in the "
          "last-level cache, which the bandwidth probe's large buffer does not.")
        P("")
        P("| -t | read GB/s | FMA GFLOP/s |")
        P("|---|---|---|")
        for p in self.results["probes"]:
            P(f"| {p['threads']} | {f(p['read_gbps'])} | {f(p['fma_gflops'])} "
              f"({p['vector_bits']}-bit) |" if p["vector_bits"] else
              f"| {p['threads']} | {f(p['read_gbps'])} | {f(p['fma_gflops'])} |")
        if self.results["compile"]:
            P("")
            P("| shape | layers | type | attnc compile s (cold, wall) | CPU s | executable MB | "
              "code (.text) KB |")
            P("|---|---|---|---|---|---|---|")
            for c in sorted(self.results["compile"],
                            key=lambda c: (c["dim"], c["layers"], c["type"])):
                text = "–" if c["text_bytes"] is None else f"{c['text_bytes'] / 1024:,.0f}"
                P(f"| {c['shape']} | {c['layers']} | {c['type']} | {c['seconds']:.1f} | {c['cpu_seconds']:.1f} | "
                  f"{c['exe_bytes'] / 1e6:.1f} | {text} |")
        if self.results["positions"]:
            P("")
            P(f"decode at long positions, {self.pos_shape.name} f32, -t {max(a.threads)}, "
              f"{a.pos_decode} tokens decoded ending at the position:")
            P("")
            P("| position | attnc tok/s | attnc ms/token | llama.cpp tok/s |")
            P("|---|---|---|---|")
            for r in self.results["positions"]:
                ms = None if not r.get("attnc") else 1e3 / r["attnc"]
                P(f"| {r['position']} | {f(r.get('attnc'))} | {f(ms, 2)} | "
                  f"{f(r.get('llama.cpp'))} |")
            for who, s in self.results["position_slope"].items():
                if s is not None:
                    P(f"\n{who}: {s * 256:+.3f} ms/token per 256 positions")
        if self.notes:
            P("")
            for n in self.notes:
                P(f"- {n}")
        text = "\n".join(lines)
        print(text)
        if a.json:
            self.results.update({"date": datetime.datetime.now().isoformat(timespec="seconds"),
                                 "cpu": host_cpu(), "args": vars(a), "notes": self.notes,
                                 "attnc_types": self.attnc_types})
            with open(a.json, "w") as fh:
                json.dump(self.results, fh, indent=1)
            log(f"wrote {a.json}")


def prompt_ids(n, vocab):
    """n deterministic token ids, BOS first, then ids spread over the vocab."""
    return [1] + [3 + (i * 7919) % (vocab - 3) for i in range(1, n)]


def slope(points):
    """Least-squares slope of y over x, or None with fewer than two points."""
    if len(points) < 2:
        return None
    n = len(points)
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    sxx = sum((x - mx) ** 2 for x, _ in points)
    return sum((x - mx) * (y - my) for x, y in points) / sxx if sxx else None


def shared_models(build):
    """$ATTNC_SHARED_MODELS, else the build's ATTNC_SHARED_MODELS (CMake
    cache), else ../shared/models beside the repository."""
    if os.environ.get("ATTNC_SHARED_MODELS"):
        return os.environ["ATTNC_SHARED_MODELS"]
    try:
        with open(os.path.join(build, "CMakeCache.txt")) as f:
            m = re.search(r"^ATTNC_SHARED_MODELS:\w+=(.+)$", f.read(), re.M)
        if m and m.group(1).strip():
            return m.group(1).strip()
    except OSError:
        pass
    return os.path.join(ROOT, "..", "shared", "models")


def host_cpu():
    try:
        with open("/proc/cpuinfo") as f:
            m = re.search(r"^model name\s*:\s*(.*)$", f.read(), re.M)
        return f"{m.group(1).strip() if m else 'unknown CPU'}, {os.cpu_count()} cpus"
    except OSError:
        return "unknown CPU"


def csv(kind, allowed=None):
    def parse(text):
        items = [x.strip() for x in text.split(",") if x.strip()]
        out = []
        for x in items:
            if kind is int:
                if not x.isdigit() or int(x) < 1:
                    raise argparse.ArgumentTypeError(f"'{x}' is not a positive count")
                out.append(int(x))
            else:
                x = SHAPES.get(x, x)
                if allowed and x not in allowed:
                    raise argparse.ArgumentTypeError(f"'{x}': expected one of "
                                                     f"{', '.join(allowed)}")
                out.append(x)
        if not out:
            raise argparse.ArgumentTypeError("empty list")
        return out
    return parse


def main(argv):
    ap = argparse.ArgumentParser(prog="tools/bench.sh", description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true",
                    help="stories15M, f32, -t 1,2, tg64 and pp128, one round, no positions, "
                         "no depth compiles")
    ap.add_argument("--peers", action="store_true",
                    help="build the missing peers first (tools/peers.sh llama2.c, llama.cpp)")
    ap.add_argument("--no-peers", action="store_true", help="measure attnc alone")
    ap.add_argument("--shapes", type=csv(str, list(SHAPES.values())),
                    default=list(SHAPES.values()), help="15M,42M,110M (default: all)")
    ap.add_argument("--types", type=csv(str, list(TYPE_BYTES)),
                    default=["f32", "bf16", "q8_0", "q8_0a"],
                    help="weight types (default f32,bf16,q8_0,q8_0a; q8_0a is attnc's q8_0 with "
                         "--int8-activations, against llama.cpp's Q8_0; attnc's beyond f32 only "
                         "where `attnc compile --help` offers them)")
    ap.add_argument("--threads", type=csv(int), default=[1, 2], help="default 1,2")
    ap.add_argument("--prompts", type=csv(int), default=[128, 256],
                    help="prefill prompt lengths (default 128,256)")
    ap.add_argument("--tg", type=int, default=128, help="tokens decoded for tg (default 128)")
    ap.add_argument("--runs", type=int, default=3, help="alternating rounds (default 3)")
    ap.add_argument("--positions", type=csv(int), default=[256, 512, 1024],
                    help="stories42M decode positions (default 256,512,1024)")
    ap.add_argument("--no-positions", action="store_true", help="skip the position test")
    ap.add_argument("--pos-decode", type=int, default=32,
                    help="tokens decoded at each position (default 32)")
    ap.add_argument("--depths", type=csv(int), default=[1, 6, 12],
                    help="also compile the --depth-shape width at these depths, for the "
                         "compile time and size table (default 1,6,12)")
    ap.add_argument("--depth-shape", type=csv(str, list(SHAPES.values())),
                    default=["stories110M"], help="default stories110M")
    ap.add_argument("--no-depths", action="store_true", help="skip the depth compiles")
    ap.add_argument("--json", help="write the results here")
    ap.add_argument("--build", default=os.environ.get("ATTNC_BUILD_DIR",
                                                      os.path.join(ROOT, "build")),
                    help="build folder (default $ATTNC_BUILD_DIR or build/)")
    ap.add_argument("--tokenizer", default=None,
                    help="llama2.c tokenizer.bin for run.c (default: "
                         "$ATTNC_SHARED_MODELS/tokenizer.bin or ../shared/models/tokenizer.bin)")
    ap.add_argument("--reuse", action="store_true",
                    help="reuse compiled generators from an earlier run (no compile figures)")
    a = ap.parse_args(argv)
    if a.quick:
        a.shapes, a.types, a.prompts, a.tg, a.runs = ["stories15M"], ["f32"], [128], 64, 1
        a.no_positions = a.no_depths = True
    if a.no_depths:
        a.depths = []
    a.depth_shape = a.depth_shape[0]
    if a.no_positions:
        a.positions = []
    if a.runs < 1 or a.tg < 2 or a.pos_decode < 2:
        ap.error("--runs must be >= 1, --tg and --pos-decode >= 2")
    if a.tokenizer is None:
        a.tokenizer = os.path.join(shared_models(a.build), "tokenizer.bin")
    Bench(a).main()


if __name__ == "__main__":
    main(sys.argv[1:])
