#!/usr/bin/env python3
"""The hostile-input corpus runner.

Runs every case that the modules under test/Hostile/cases/ yield (or the
modules named on the command line) against attnc and the executables it
writes. A case is one process started in a fresh directory of its own, with
TMPDIR pointed at an empty `tmp/` inside it; it passes only when the process
ended by itself (no signal, no time-out), with the expected exit status, the
expected first line on stderr, the files it must not touch unchanged (kind,
mode, size, device number, bytes), no new file left behind where none may be,
and the case's own check satisfied. Large inputs are made by the cases'
setup functions, never committed. The closing line is lit's and ctest's plain
`N passed, N failed` form.

Usage: hostile.py [--attnc PATH] [--models DIR] [--work DIR] [--min-cases N]
                  [--jobs N] [--filter REGEX] [cases/x.py ...]
"""
import argparse
import concurrent.futures
import dataclasses
import hashlib
import importlib.util
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
from typing import Callable, Dict, List, Optional

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


@dataclasses.dataclass
class Case:
    """One hostile input.

    argv may use {attnc} {exe} {exe_tok} {examples} {models} {dir} {root};
    setup(d) prepares the case's directory d (also the process's cwd);
    first_line is a regex searched in stderr's first line (None: unchecked);
    stdin is bytes, or None for /dev/null; unchanged lists paths relative to
    d ("*": all that setup made) whose kind, mode, size, device and bytes
    must stay; no_new_files forbids anything new in d (tmp/ included, which
    is TMPDIR); env adds (substituted) variables; check(d, result) returns a
    reason to fail or None; requires names "root", "models" or
    "no-sanitizer", and the case is skipped where one is unmet.
    """

    name: str
    argv: List[str]
    exit_code: int
    first_line: Optional[str] = None
    setup: Optional[Callable[[str], None]] = None
    stdin: Optional[bytes] = None
    timeout: float = 60
    unchanged: List[str] = dataclasses.field(default_factory=list)
    no_new_files: bool = True
    env: Dict[str, str] = dataclasses.field(default_factory=dict)
    check: Optional[Callable[[str, "subprocess.CompletedProcess"], Optional[str]]] = None
    requires: List[str] = dataclasses.field(default_factory=list)


# A small valid description (random weights) for cases that need one.
TINY_DESCRIPTION = """name: t
vocab_size: 32
context_length: 16
dim: 16
layers: 1
attention: {heads: 2, kv_heads: 1}
mlp: {hidden: 32}
weights: {format: random, seed: 1}
"""


def write(name: str, data) -> Callable[[str], None]:
    """A setup function that writes `data` (bytes or str) to `name` in the case's directory."""
    def setup(d: str) -> None:
        mode = "wb" if isinstance(data, bytes) else "w"
        with open(os.path.join(d, name), mode) as f:
            f.write(data)
    return setup


@dataclasses.dataclass
class Env:
    attnc: str
    exe: str
    exe_tok: Optional[str]
    examples: str
    models: Optional[str]
    root: str


# ---------------------------------------------------------------------------
# snapshots of a case directory


def describe(path: str):
    """What must not change about `path`: kind, mode, size, device, bytes or link."""
    st = os.lstat(path)
    kind = stat.S_IFMT(st.st_mode)
    content = None
    if stat.S_ISREG(st.st_mode):
        with open(path, "rb") as f:
            content = hashlib.sha256(f.read()).hexdigest()
    elif stat.S_ISLNK(st.st_mode):
        content = os.readlink(path)
    size = st.st_size if stat.S_ISREG(st.st_mode) else None
    return (kind, stat.S_IMODE(st.st_mode), size, st.st_rdev, content)


def kind_name(kind: int) -> str:
    names = {stat.S_IFREG: "regular file", stat.S_IFDIR: "directory", stat.S_IFLNK: "symlink",
             stat.S_IFCHR: "character device", stat.S_IFBLK: "block device",
             stat.S_IFIFO: "FIFO", stat.S_IFSOCK: "socket"}
    return names.get(kind, "kind %o" % kind)


def all_paths(top: str) -> List[str]:
    """Every path below `top`, relative, without following links."""
    found = []
    for dirpath, dirnames, filenames in os.walk(top):
        for name in dirnames + filenames:
            found.append(os.path.relpath(os.path.join(dirpath, name), top))
    return sorted(found)


def snapshot(top: str, names: List[str]) -> Dict[str, tuple]:
    if "*" in names:
        names = all_paths(top)
    return {n: describe(os.path.join(top, n)) for n in names if os.path.lexists(os.path.join(top, n))}


# ---------------------------------------------------------------------------
# running one case


def substitute(text: str, env: Env, directory: str) -> str:
    values = {"attnc": env.attnc, "exe": env.exe, "exe_tok": env.exe_tok or "",
              "examples": env.examples, "models": env.models or "", "dir": directory,
              "root": env.root}
    return re.sub(r"\{(attnc|exe_tok|exe|examples|models|dir|root)\}",
                  lambda m: values[m.group(1)], text)


def unmet(case: Case, env: Env) -> Optional[str]:
    for need in case.requires:
        if need == "root" and os.geteuid() != 0:
            return "needs root"
        if need == "models" and not env.models:
            return "needs ../shared/models"
        # Sanitizer builds (lit sets ATTNC_SANITIZE there) reserve terabytes of
        # shadow memory: cases that cap virtual memory cannot run in them.
        if need == "no-sanitizer" and os.environ.get("ATTNC_SANITIZE"):
            return "not under sanitizers"
    if env.exe_tok is None and any("{exe_tok}" in a for a in case.argv):
        return "needs ../shared/models (the tokenizer model)"
    return None


def run_case(case: Case, env: Env, work: str) -> tuple:
    """(status, message): status is PASS, FAIL or SKIP."""
    reason = unmet(case, env)
    if reason:
        return "SKIP", reason
    directory = tempfile.mkdtemp(prefix=re.sub(r"[^A-Za-z0-9]+", "-", case.name) + ".",
                                 dir=work)
    os.mkdir(os.path.join(directory, "tmp"))
    if case.setup:
        case.setup(directory)
    before_all = set(all_paths(directory))
    before = snapshot(directory, case.unchanged)
    if "*" not in case.unchanged:
        missing = [n for n in case.unchanged if n not in before]
        if missing:
            return "FAIL", "setup did not create %s" % ", ".join(missing)

    environment = dict(os.environ)
    environment["TMPDIR"] = os.path.join(directory, "tmp")
    for key, value in case.env.items():
        environment[key] = substitute(value, env, directory)
    argv = [substitute(a, env, directory) for a in case.argv]
    try:
        # A session of its own, so that a time-out kills whatever it started.
        proc = subprocess.Popen(argv, cwd=directory, env=environment,
                                stdin=subprocess.PIPE if case.stdin is not None else subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                start_new_session=True)
    except OSError as e:
        return "FAIL", "cannot start %s: %s" % (argv[0], e)
    try:
        out, err = proc.communicate(case.stdin, timeout=case.timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        return "FAIL", "timed out after %g s" % case.timeout
    except BrokenPipeError:
        out, err = b"", b""
        proc.wait()
    result = subprocess.CompletedProcess(argv, proc.returncode, out, err)
    first = err.decode("utf-8", "replace").split("\n", 1)[0]
    context = "stderr: %r" % err.decode("utf-8", "replace")[:400]

    if proc.returncode < 0:
        return "FAIL", "ended by signal %s; %s" % (signal.Signals(-proc.returncode).name, context)
    if proc.returncode != case.exit_code:
        return "FAIL", "exit status %d, expected %d; %s" % (proc.returncode, case.exit_code, context)
    if case.first_line is not None and not re.search(case.first_line, first):
        return "FAIL", "stderr's first line %r does not match %r" % (first, case.first_line)
    after = snapshot(directory, list(before.keys()))
    for name, was in before.items():
        now = after.get(name)
        if now is None:
            return "FAIL", "%s was removed" % name
        if now != was:
            if now[0] != was[0]:
                return "FAIL", "%s became a %s (was a %s)" % (name, kind_name(now[0]), kind_name(was[0]))
            return "FAIL", "%s changed" % name
    if case.no_new_files:
        new = sorted(set(all_paths(directory)) - before_all)
        if new:
            return "FAIL", "left new files behind: %s" % ", ".join(new[:5])
    if case.check:
        problem = case.check(directory, result)
        if problem:
            return "FAIL", "%s; %s" % (problem, context)
    shutil.rmtree(directory, ignore_errors=True)
    return "PASS", ""


# ---------------------------------------------------------------------------
# the environment the cases share


def compile_model(attnc: str, args: List[str], out: str) -> str:
    proc = subprocess.run([attnc, "compile"] + args + ["-o", out], capture_output=True, timeout=600)
    if proc.returncode != 0:
        sys.exit("hostile: cannot compile the shared model %s: %s" % (out, proc.stderr.decode()))
    return out


def load_cases(paths: List[str], env: Env) -> List[Case]:
    sys.path.insert(0, HERE)
    cases = []
    for path in paths:
        name = "hostile_cases_" + os.path.splitext(os.path.basename(path))[0]
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        cases.extend(module.cases(env))
    names = [c.name for c in cases]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        sys.exit("hostile: duplicate case names: %s" % ", ".join(duplicates))
    return cases


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--attnc", default=shutil.which("attnc"))
    parser.add_argument("--models", default=os.path.join(ROOT, "..", "shared", "models"))
    parser.add_argument("--work", default=None)
    parser.add_argument("--min-cases", type=int, default=0)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--filter", default=None)
    parser.add_argument("files", nargs="*")
    args = parser.parse_args()
    if not args.attnc:
        sys.exit("hostile: no attnc on PATH: give --attnc")

    work = os.path.abspath(args.work or tempfile.mkdtemp(prefix="attnc-hostile."))
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    models = os.path.abspath(args.models)
    if not os.path.isfile(os.path.join(models, "tok512.bin")):
        print("hostile: %s not found: cases that need it are skipped" % models)
        models = None
    examples = os.path.join(ROOT, "examples")
    exe = compile_model(args.attnc, [os.path.join(examples, "tiny-gqa.yaml"), "--random-weights", "1",
                                     "--tokenizer", ""], os.path.join(work, "tiny-gqa"))
    exe_tok = None
    if models:
        exe_tok = compile_model(args.attnc, [os.path.join(examples, "stories260K.yaml"),
                                             "--random-weights", "1", "--tokenizer",
                                             os.path.join(models, "tok512.bin")],
                                os.path.join(work, "stories260K-random"))
    env = Env(os.path.abspath(args.attnc), exe, exe_tok, examples, models, ROOT)

    files = args.files or sorted(
        os.path.join(HERE, "cases", f) for f in os.listdir(os.path.join(HERE, "cases"))
        if f.endswith(".py"))
    cases = load_cases(files, env)
    if args.filter:
        cases = [c for c in cases if re.search(args.filter, c.name)]

    counts = {"PASS": 0, "FAIL": 0, "SKIP": 0}
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        futures = [(c, pool.submit(run_case, c, env, work)) for c in cases]
        for case, future in futures:
            status, message = future.result()
            counts[status] += 1
            print("%s %s%s" % (status, case.name, ": " + message if message else ""), flush=True)
    # Counted as yielded, skipped ones included: the bound is there to notice a
    # case file that stopped yielding, not to depend on the machine.
    if len(cases) < args.min_cases:
        print("hostile: only %d cases, expected at least %d" % (len(cases), args.min_cases))
        counts["FAIL"] += 1
    print("hostile: %d passed, %d failed, %d skipped" % (counts["PASS"], counts["FAIL"], counts["SKIP"]))
    if counts["FAIL"] == 0:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if counts["FAIL"] else 0


if __name__ == "__main__":
    sys.exit(main())
