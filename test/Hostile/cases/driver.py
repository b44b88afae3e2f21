# Hostile cases for attnc's command line and description parser as a whole:
# misused subcommands and flags, descriptions that are not YAML, not text or
# not a mapping, and files that are empty, binary or enormous on one line.
# Each must end in one `error:` line and exit status 1 (CLI11's own usage
# errors print its message first), and leave nothing behind.
import os

from hostile import Case, write, TINY_DESCRIPTION as TINY


def cases(env):
    yield Case(name="driver/no-subcommand", argv=["{attnc}"], exit_code=1,
               first_line=r"subcommand")
    yield Case(name="driver/unknown-subcommand", argv=["{attnc}", "explode"], exit_code=1,
               first_line=r"explode|subcommand")
    yield Case(name="driver/check-missing-file", argv=["{attnc}", "check", "nothing.yaml"],
               exit_code=1, first_line=r"^error: .*nothing\.yaml")
    yield Case(name="driver/compile-without-o", argv=["{attnc}", "compile", "m.yaml"],
               setup=write("m.yaml", TINY), exit_code=1, first_line=r"-o")
    yield Case(name="driver/bad-emit", argv=["{attnc}", "compile", "m.yaml", "--emit=wasm", "-o", "x"],
               setup=write("m.yaml", TINY), exit_code=1, first_line=r"wasm|emit",
               unchanged=["m.yaml"])
    yield Case(name="driver/random-weights-negative",
               argv=["{attnc}", "check", "m.yaml", "--random-weights", "-1"],
               setup=write("m.yaml", TINY), exit_code=1, first_line=r"unsigned 64-bit")
    yield Case(name="driver/random-weights-overflow",
               argv=["{attnc}", "check", "m.yaml", "--random-weights", "18446744073709551616"],
               setup=write("m.yaml", TINY), exit_code=1, first_line=r"unsigned 64-bit")
    yield Case(name="driver/unknown-llvm-flag",
               argv=["{attnc}", "compile", "m.yaml", "-o", "x", "--no-such-flag"],
               setup=write("m.yaml", TINY), exit_code=1, first_line=r"no-such-flag")
    yield Case(name="driver/exe-to-stdout", argv=["{attnc}", "compile", "m.yaml", "-o", "-"],
               setup=write("m.yaml", TINY), exit_code=1,
               first_line=r"^error: an executable cannot be written to stdout")
    yield Case(name="driver/empty-description", argv=["{attnc}", "check", "m.yaml"],
               setup=write("m.yaml", ""), exit_code=1, first_line=r"error: ")
    yield Case(name="driver/comment-only-description", argv=["{attnc}", "check", "m.yaml"],
               setup=write("m.yaml", "# nothing here\n"), exit_code=1,
               first_line=r"^m\.yaml:\d+:\d+: error: |^error: ")
    yield Case(name="driver/description-is-a-list", argv=["{attnc}", "check", "m.yaml"],
               setup=write("m.yaml", "- name: t\n- dim: 4\n"), exit_code=1,
               first_line=r"^m\.yaml:1:1: error: ")
    yield Case(name="driver/description-is-binary", argv=["{attnc}", "check", "m.yaml"],
               setup=write("m.yaml", bytes(range(256)) * 64), exit_code=1,
               first_line=r"error: ")
    yield Case(name="driver/description-nul-in-key", argv=["{attnc}", "check", "m.yaml"],
               setup=write("m.yaml", TINY.replace("dim: 16", "di\0m: 16").encode()),
               exit_code=1, first_line=r"error: ")
    yield Case(name="driver/description-invalid-utf8", argv=["{attnc}", "check", "m.yaml"],
               setup=write("m.yaml", TINY.replace("name: t", "name: \xff\xfe").encode("latin-1")),
               exit_code=1, first_line=r"error: ")
    yield Case(name="driver/description-alias", argv=["{attnc}", "check", "m.yaml"],
               setup=write("m.yaml", TINY.replace("dim: 16", "dim: &d 16\nlayers2: *d")),
               exit_code=1, first_line=r"^m\.yaml:\d+:\d+: error: ")
    yield Case(name="driver/description-two-documents", argv=["{attnc}", "check", "m.yaml"],
               setup=write("m.yaml", TINY + "---\n" + TINY), exit_code=1,
               first_line=r"^m\.yaml:\d+:\d+: error: ")
    yield Case(name="driver/description-long-line", argv=["{attnc}", "check", "m.yaml"],
               setup=write("m.yaml", TINY.replace("name: t", "name: " + "x" * 200000)),
               exit_code=0, first_line=None)
    yield Case(name="driver/description-huge-integer", argv=["{attnc}", "check", "m.yaml"],
               setup=write("m.yaml", TINY.replace("dim: 16", "dim: " + "9" * 400)),
               exit_code=1, first_line=r"^m\.yaml:4:\d+: error: ")
    yield Case(name="driver/description-tab-indent", argv=["{attnc}", "check", "m.yaml"],
               setup=write("m.yaml", TINY.replace("attention: {heads: 2, kv_heads: 1}",
                                                  "attention:\n\theads: 2\n\tkv_heads: 1")),
               exit_code=1, first_line=r"^m\.yaml:\d+:\d+: error: ")
