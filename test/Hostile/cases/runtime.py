# test/Hostile/cases/runtime.py: hostile input for the generated executable
# (issue 5, classes 2, 4, 8 and 10 on the run-time side, and the option
# parser): stdout that cannot take the text (a full device, a closed
# descriptor, a pipe whose reader left), a KV cache beyond the memory the
# process may use, tiny temperatures, tokenizers with non-finite scores,
# prompt files that are not regular files or are unbounded, and a bad value
# for every flag. Each error case expects the one-line message of the
# runtime; each success case checks the output against the greedy run.
import os
import stat
import struct
import subprocess

from hostile import Case


def _greedy_check(exe, args):
    """A check that the run's stdout equals `exe args --temp 0`'s."""
    def check(d, result):
        greedy = subprocess.run([exe] + args + ["--temp", "0"], capture_output=True, timeout=60)
        if greedy.returncode != 0:
            return "the greedy reference run failed: %r" % greedy.stderr[:200]
        if result.stdout != greedy.stdout:
            return "stdout %r differs from the greedy run's %r" % (result.stdout[:80],
                                                                   greedy.stdout[:80])
        return None
    return check


def _write_error_check(d, result):
    """The error is reported and generation stopped (no timings were printed)."""
    err = result.stderr.decode("utf-8", "replace")
    if "error: writing the generated text failed: No space left on device\n" not in err:
        return "no write error on stderr"
    if "prefill:" in err:
        return "timings were printed after a write error"
    return None


def _sigpipe_check(d, result):
    if result.stdout != b"rc=141\n":
        return "expected death by SIGPIPE (rc=141), got %r" % result.stdout
    if b"error" in result.stderr:
        return "a closed pipe printed an error"
    return None


def _bad_tokenizer(models, name, patch):
    """A setup that writes tok512.bin with `patch(bytearray)` applied as `name`."""
    def setup(d):
        with open(os.path.join(models, "tok512.bin"), "rb") as f:
            data = bytearray(f.read())
        patch(data)
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)
    return setup


def _token_offset(data, index):
    """Byte offset of token `index`'s record in a tokenizer.bin image."""
    at = 4
    for _ in range(index):
        at += 8 + struct.unpack_from("<i", data, at + 4)[0]
    return at


def cases(env):
    exe, exe_tok = env.exe, env.exe_tok

    # ---- class 2: the generated text's output ----------------------------
    yield Case(
        name="runtime/stdout-dev-full",
        argv=["sh", "-c", "exec {exe} --prompt-ids 1,5 -n 100 --seed 1 >/dev/full"],
        exit_code=1, first_line=r"^seed: 1$", check=_write_error_check)
    yield Case(
        name="runtime/stdout-own-full-device",
        argv=["sh", "-c", "exec {exe} --prompt-ids 1,5 -n 100 --seed 1 >full"],
        setup=lambda d: os.mknod(os.path.join(d, "full"), stat.S_IFCHR | 0o666, os.makedev(1, 7)),
        exit_code=1, first_line=r"^seed: 1$", check=_write_error_check,
        unchanged=["full"], requires=["root"])
    yield Case(
        name="runtime/stdout-closed",
        argv=["sh", "-c", "exec {exe} --prompt-ids 1,5 -n 5 >&-"],
        exit_code=1,
        first_line=r"^error: writing the generated text failed: Bad file descriptor "
                   r"\(standard output is closed\)$")
    yield Case(
        name="runtime/help-stdout-closed",
        argv=["sh", "-c", "exec {exe} --help >&-"],
        exit_code=1, first_line=r"^error: writing the generated text failed: Bad file descriptor")
    yield Case(
        name="runtime/help-dev-full",
        argv=["sh", "-c", "exec {exe} --help >/dev/full"],
        exit_code=1,
        first_line=r"^error: writing the help text failed: No space left on device$")
    # The reader is gone before the first token; SIGPIPE ignored by the parent.
    yield Case(
        name="runtime/stdout-pipe-closed-sigpipe-ignored",
        argv=["sh", "-c", "trap '' PIPE; exec 3>&1; "
                          "{ sleep 1; {exe} --prompt-ids 1 -n -1 --seed 1; echo rc=$? >&3; } | true"],
        exit_code=0, check=_sigpipe_check)
    yield Case(
        name="runtime/stdout-pipe-closed",
        argv=["sh", "-c", "exec 3>&1; "
                          "{ sleep 1; {exe} --prompt-ids 1 -n -1 --seed 1; echo rc=$? >&3; } | true"],
        exit_code=0, check=_sigpipe_check)
    yield Case(
        name="runtime/stdout-head",
        argv=["sh", "-c", "{exe} --prompt-ids 1 -n -1 --seed 1 | head -c 3"],
        exit_code=0,
        check=lambda d, r: None if len(r.stdout) == 3 and b"error" not in r.stderr
        else "expected 3 bytes and no error, got %r" % r.stdout)
    yield Case(
        name="runtime/logits-out-dev-full",
        argv=["{exe}", "--prompt-ids", "1,5", "-n", "20", "--seed", "1",
              "--logits-out", "/dev/full"],
        exit_code=1, first_line=r"^seed: 1$",
        check=lambda d, r: None if b"No space left on device" in r.stderr.split(b"\n")[1]
        else "no --logits-out write error")

    # ---- class 4: memory -------------------------------------------------
    def big_model(d):
        with open(os.path.join(env.examples, "tiny-gqa.yaml")) as f:
            text = f.read().replace("context_length: 128\n", "context_length: 1048576\n")
        with open(os.path.join(d, "big.yaml"), "w") as f:
            f.write(text)
    yield Case(
        name="runtime/kv-cache-beyond-ulimit",
        argv=["sh", "-c", "{attnc} compile big.yaml --random-weights 3 -o big >/dev/null 2>&1 "
                          "|| exit 99; ulimit -v 400000; exec ./big --prompt-ids 1,5 -n 1"],
        setup=big_model, exit_code=1, timeout=600, no_new_files=False, requires=["no-sanitizer"],
        first_line=r"^error: the KV cache needs 0\.6 GiB \(keys and values: 2 x 3 layers x 2 KV "
                   r"heads x 1048576 positions x 12 floats x 4 bytes\): cannot allocate it$")

    # ---- class 8: numbers ------------------------------------------------
    args = ["--prompt-ids", "1,5,9", "-n", "30"]
    for temp, extra in [("1e-40", []), ("1e-45", ["--top-k", "0", "--top-p", "1"]),
                        ("1e-40", ["--top-k", "0", "--top-p", "0.5"]), ("1e-50", [])]:
        yield Case(
            name="runtime/tiny-temperature-%s%s" % (temp, "-" + "-".join(extra[1::2]) if extra else ""),
            argv=["{exe}"] + args + ["--temp", temp, "--seed", "3"] + extra,
            exit_code=0, check=_greedy_check(exe, args))
    # NaN weights (token 0's embedding) give NaN logits at run time.
    def nan_weights(d):
        subprocess.run([env.attnc, "check", os.path.join(env.examples, "tiny-gqa.yaml"),
                        "--random-weights", "1", "--save-weights", os.path.join(d, "w.bin")],
                       check=True, capture_output=True, timeout=300)
        with open(os.path.join(d, "w.bin"), "r+b") as f:
            f.seek(28)  # after the 7-int32 header: token 0's embedding
            f.write(struct.pack("<f", float("nan")))
    compile_nan = ("{attnc} compile {examples}/tiny-gqa.yaml --weights w.bin --allow-nonfinite "
                   "-o m 2>/dev/null || exit 99; ")
    yield Case(
        name="runtime/nan-logits",
        argv=["sh", "-c", compile_nan + "exec ./m --prompt-ids 1,5,0 -n 5 --seed 1"],
        setup=nan_weights, exit_code=1, timeout=600, no_new_files=False,
        first_line=r"^seed: 1$",
        check=lambda d, r: None if r.stdout == b"" and r.stderr.endswith(
            b"error: the model produced a non-finite logit (nan) at position 2, token id 0\n")
        else "no non-finite logit error")

    if env.models:
        def nan_score(data):
            struct.pack_into("<f", data, _token_offset(data, 300), float("nan"))

        def inf_score(data):
            struct.pack_into("<f", data, _token_offset(data, 511), float("-inf"))

        def huge_max_length(data):
            struct.pack_into("<i", data, 0, 0x7FFFFFFF)

        def length_past_end(data):
            struct.pack_into("<i", data, _token_offset(data, 511) + 4, 1000)
        for name, patch, code, line in [
                ("nan-score", nan_score, 1,
                 r"token 300 at byte offset %d has a non-finite score \(nan\)"),
                ("inf-score", inf_score, 1,
                 r"token 511 at byte offset %d has a non-finite score \(-inf\)"),
                ("length-past-end", length_past_end, 1, r"token 511 at byte offset \d+ has length 1000"),
                ("huge-max-token-length", huge_max_length, 0, None)]:
            data = bytearray(open(os.path.join(env.models, "tok512.bin"), "rb").read())
            if "%d" in (line or ""):
                line = line % _token_offset(data, int(line.split()[1]))
            yield Case(
                name="runtime/tokenizer-" + name,
                argv=["{attnc}", "check", "{examples}/stories260K.yaml", "--random-weights", "1",
                      "--tokenizer", "tok.bin"],
                setup=_bad_tokenizer(env.models, "tok.bin", patch), exit_code=code,
                first_line=line, unchanged=["tok.bin"], requires=["models"])

    # ---- class 10: prompt files ------------------------------------------
    yield Case(
        name="runtime/prompt-file-fifo",
        argv=["{exe_tok}", "-f", "p"], setup=lambda d: os.mkfifo(os.path.join(d, "p")),
        exit_code=1, timeout=20, unchanged=["p"],
        first_line=r"^error: prompt file p is not a regular file \(give - to read standard input\)$")
    yield Case(
        name="runtime/prompt-file-directory",
        argv=["{exe_tok}", "-f", "."], exit_code=1,
        first_line=r"^error: prompt file \. is not a regular file")
    yield Case(
        name="runtime/prompt-file-dev-zero",
        argv=["{exe_tok}", "--file", "/dev/zero"], exit_code=1, timeout=20,
        first_line=r"^error: prompt file /dev/zero is not a regular file")

    def sparse(d):
        with open(os.path.join(d, "huge"), "wb") as f:
            f.truncate(8 << 30)
    yield Case(
        name="runtime/prompt-file-huge-sparse",
        argv=["{exe_tok}", "-f", "huge"], setup=sparse, exit_code=1, timeout=20,
        first_line=r"^error: prompt file huge has 8589934592 bytes, more than the 64 MiB -f reads$")
    yield Case(
        name="runtime/prompt-stdin-dev-zero",
        argv=["sh", "-c", "exec {exe_tok} -f - </dev/zero"], exit_code=1, timeout=30,
        first_line=r"^error: the prompt read from standard input is longer than 64 MiB")
    yield Case(
        name="runtime/prompt-stdin-over-bound",
        argv=["{exe_tok}", "-f", "-"], stdin=b"Once upon a time " * (4 << 20), exit_code=1,
        timeout=30,
        first_line=r"^error: the prompt read from standard input is longer than 64 MiB")
    yield Case(
        name="runtime/prompt-stdin-over-context",
        argv=["{exe_tok}", "-f", "-"], stdin=b"Once upon a time " * 300, exit_code=1,
        first_line=r"^error: prompt has (at least )?\d+ tokens but the model's context holds 512$")
    yield Case(
        name="runtime/prompt-stdin-closed",
        argv=["sh", "-c", "exec {exe_tok} -f - <&-"], exit_code=1,
        first_line=r"^error: cannot read the prompt from standard input: Bad file descriptor$")
    yield Case(
        name="runtime/prompt-file-nul-byte",
        argv=["{exe_tok}", "-f", "nul.txt"],
        setup=lambda d: open(os.path.join(d, "nul.txt"), "wb").write(b"Once\0upon"),
        exit_code=1, unchanged=["nul.txt"],
        first_line=r"^error: the prompt read from prompt file nul\.txt has a NUL byte at byte "
                   r"offset 4: a prompt is text$")
    yield Case(
        name="runtime/prompt-file-missing",
        argv=["{exe_tok}", "-f", "missing.txt"], exit_code=1,
        first_line=r"^error: cannot open prompt file missing\.txt: No such file or directory$")
    yield Case(
        name="runtime/prompt-file-on-model-without-tokenizer",
        argv=["{exe}", "-f", "-"], stdin=b"hello", exit_code=1,
        first_line=r"^error: this model was compiled without a tokenizer")

    # ---- the option parser: a bad value for every flag ---------------------
    bad = [
        (["-n", "abc"], r"-n expects an integer, got 'abc'"),
        (["--n-predict", "-2"], r"--n-predict must be in \[-1, 9223372036854775807\], got -2"),
        (["-n", "99999999999999999999"], r"-n must be in"),
        (["--temp", "nan"], r"--temp expects a number, got 'nan'"),
        (["--temp", "-1"], r"--temp must be in \[0, inf\], got -1"),
        (["--temp=1e39"], r"--temp expects a number, got '1e39'"),
        (["--top-k", "-1"], r"--top-k must be in \[0, 2147483647\], got -1"),
        (["--top-k", "2147483648"], r"--top-k must be in"),
        (["--top-p", "1.5"], r"--top-p must be in \[0, 1\], got 1\.5"),
        (["--top-p", "inf"], r"--top-p expects a number, got 'inf'"),
        (["--seed", "0"], r"--seed must be >= 1, or -1 for a seed from the clock"),
        (["--seed", "-2"], r"--seed must be in"),
        (["-t", "1025"], r"-t must be in \[0, 1024\], got 1025"),
        (["--threads="], r"--threads expects an integer, got ''"),
        (["--prompt-ids", "1,,2"], r"--prompt-ids: item 1 is '', expected a token id"),
        (["--prompt-ids", "-1"], r"--prompt-ids: item 0 is '-1'"),
        (["--prompt-ids", "1,320"], r"--prompt-ids: id 320 \(item 1\) is out of range"),
        (["--logits-out="], r"--logits-out needs a file name"),
        (["-f", ""], r"-f needs a file name, or - for standard input"),
        (["-f", "x", "--prompt-ids", "1"], r"give only one of -p/--prompt, -f/--file and --prompt-ids"),
        (["-p", "hello"], r"this model was compiled without a tokenizer"),
        (["--temp"], r"--temp needs a value"),
        (["--bogus=1"], r"unknown option '--bogus' \(see --help\)"),
        (["stray"], r"unexpected argument 'stray' \(see --help\)"),
    ]
    for i, (argv, message) in enumerate(bad):
        yield Case(
            name="runtime/option-%02d-%s" % (i, argv[0].split("=")[0].lstrip("-")),
            argv=["{exe}"] + argv, exit_code=1, first_line="^error: " + message)
