# test/Hostile/cases/outputs.py: outputs that name something other than a
# regular file (issue 5, class 1). A character device is written through and
# stays that device (made here with mknod, never the system's /dev/null or
# /dev/full); a full device is `No space left on device`, exit 1; a FIFO with
# no reader, a directory, a socket, a --dump-dir that is a regular file are
# refused before anything is compiled; a symbolic link is followed, never
# replaced. Every case runs with TMPDIR in its own directory and leaves no new
# file there or beside the output.
import os
import socket
import stat

from hostile import Case, TINY_DESCRIPTION as TINY

def setup(*steps):
    """A setup function running each (kind, name, ...) step in the case dir."""
    def run(d):
        with open(os.path.join(d, "m.yaml"), "w") as f:
            f.write(TINY)
        for step in steps:
            kind, name = step[0], os.path.join(d, step[1])
            if kind == "null":
                os.mknod(name, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
            elif kind == "full":
                os.mknod(name, 0o666 | stat.S_IFCHR, os.makedev(1, 7))
            elif kind == "fifo":
                os.mkfifo(name)
            elif kind == "dir":
                os.mkdir(name)
            elif kind == "sock":
                socket.socket(socket.AF_UNIX).bind(name)
            elif kind == "file":
                with open(name, "w") as f:
                    f.write(step[2])
            elif kind == "link":
                os.symlink(step[2], name)
    return run


def file_is(name, predicate, what):
    def check(d, result):
        path = os.path.join(d, name)
        return None if os.path.lexists(path) and predicate(path) else "%s is not %s" % (name, what)
    return check


def cases(env):
    compile_ = ["{attnc}", "compile", "m.yaml"]
    check = ["{attnc}", "check", "m.yaml"]
    refused = r"^error: cannot write '%s': it is a %s"

    # Character devices: written through, the node stays.
    yield Case(name="outputs/o-null-exe", argv=compile_ + ["-o", "null"],
               setup=setup(("null", "null")), exit_code=0, unchanged=["*"], requires=["root"],
               timeout=300)
    yield Case(name="outputs/o-null-text", argv=compile_ + ["--emit=ll", "-o", "null"],
               setup=setup(("null", "null")), exit_code=0, unchanged=["*"], requires=["root"],
               timeout=300)
    yield Case(name="outputs/o-null-obj", argv=compile_ + ["--emit=obj", "-o", "null"],
               setup=setup(("null", "null")), exit_code=0, unchanged=["*"], requires=["root"],
               timeout=300)
    yield Case(name="outputs/save-weights-null", argv=check + ["--save-weights", "null"],
               setup=setup(("null", "null")), exit_code=0, unchanged=["*"], requires=["root"])
    yield Case(name="outputs/o-and-save-weights-same-null",
               argv=compile_ + ["--emit=attn", "-o", "null", "--save-weights", "null"],
               setup=setup(("null", "null")), exit_code=0, unchanged=["*"], requires=["root"])
    yield Case(name="outputs/dump-dir-stage-is-null",
               argv=compile_ + ["--emit=attn", "--dump-dir", "dump", "-o", "null"],
               setup=setup(("dir", "dump"), ("null", "dump/00-attn.mlir"), ("null", "dump/index.md"),
                             ("null", "null")),
               exit_code=0, unchanged=["*"], requires=["root"])
    full = r"^error: cannot write 'full': No space left on device$"
    yield Case(name="outputs/save-weights-full", argv=check + ["--save-weights", "full"],
               setup=setup(("full", "full")), exit_code=1, first_line=full, unchanged=["*"],
               requires=["root"])
    yield Case(name="outputs/o-full-text", argv=compile_ + ["--emit=linalg", "-o", "full"],
               setup=setup(("full", "full")), exit_code=1, first_line=full, unchanged=["*"],
               requires=["root"])
    yield Case(name="outputs/o-full-exe", argv=compile_ + ["-o", "full"],
               setup=setup(("full", "full")), exit_code=1, first_line=full, unchanged=["*"],
               requires=["root"], timeout=300)
    yield Case(name="outputs/o-full-obj", argv=compile_ + ["--emit=obj", "-o", "full"],
               setup=setup(("full", "full")), exit_code=1, first_line=full, unchanged=["*"],
               requires=["root"], timeout=300)

    # Refused before anything is compiled (a short time-out: no hang).
    fifo = r"^error: cannot write 'fifo': it is a FIFO with no reader$"
    for emit in ["exe", "attn"]:
        yield Case(name="outputs/o-fifo-no-reader-" + emit,
                   argv=compile_ + ["--emit=" + emit, "-o", "fifo"], setup=setup(("fifo", "fifo")),
                   exit_code=1, first_line=fifo, unchanged=["*"], timeout=30)
    yield Case(name="outputs/save-weights-fifo-no-reader", argv=check + ["--save-weights", "fifo"],
               setup=setup(("fifo", "fifo")), exit_code=1, first_line=fifo, unchanged=["*"],
               timeout=30)
    yield Case(name="outputs/o-directory", argv=compile_ + ["-o", "d"], setup=setup(("dir", "d")),
               exit_code=1, first_line=refused % ("d", "directory"), unchanged=["*"])
    yield Case(name="outputs/save-weights-directory", argv=check + ["--save-weights", "d"],
               setup=setup(("dir", "d")), exit_code=1, first_line=refused % ("d", "directory"),
               unchanged=["*"])
    yield Case(name="outputs/o-socket", argv=compile_ + ["-o", "s"], setup=setup(("sock", "s")),
               exit_code=1, first_line=refused % ("s", "socket"), unchanged=["*"])
    yield Case(name="outputs/save-weights-socket",
               argv=compile_ + ["--emit=attn", "-o", "x", "--save-weights", "s"],
               setup=setup(("sock", "s")), exit_code=1, first_line=refused % ("s", "socket"),
               unchanged=["*"])
    yield Case(name="outputs/o-link-to-socket", argv=compile_ + ["--emit=attn", "-o", "l"],
               setup=setup(("sock", "s"), ("link", "l", "s")), exit_code=1,
               first_line=refused % ("l", "socket"), unchanged=["*"])
    yield Case(name="outputs/dump-dir-is-a-file",
               argv=compile_ + ["--emit=linalg", "--dump-dir", "f", "-o", "x"],
               setup=setup(("file", "f", "keep\n")), exit_code=1,
               first_line=r"^error: cannot create --dump-dir 'f': it exists and is not a directory",
               unchanged=["*"])
    yield Case(name="outputs/dump-dir-stage-is-a-directory",
               argv=compile_ + ["--emit=linalg", "--dump-dir", "dump", "-o", "out"],
               setup=setup(("dir", "dump"), ("dir", "dump/00-attn.mlir"), ("file", "out", "old\n")),
               exit_code=1, first_line=refused % ("dump/00-attn.mlir", "directory"),
               unchanged=["*"])
    yield Case(name="outputs/o-missing-directory", argv=compile_ + ["-o", "no/x"], setup=setup(),
               exit_code=1, first_line=r"^error: cannot write 'no/x': No such file or directory",
               unchanged=["*"])
    yield Case(name="outputs/o-link-loop", argv=compile_ + ["--emit=attn", "-o", "a"],
               setup=setup(("link", "a", "b"), ("link", "b", "a")), exit_code=1,
               first_line=r"^error: cannot write 'a': Too many levels of symbolic links",
               unchanged=["*"])

    # Links are followed: the link stays, the file it names is written.
    yield Case(name="outputs/o-dangling-link-exe", argv=compile_ + ["-o", "l"],
               setup=setup(("link", "l", "real")), exit_code=0, unchanged=["l"],
               no_new_files=False, timeout=300,
               check=file_is("real", lambda p: os.access(p, os.X_OK), "an executable"))
    yield Case(name="outputs/save-weights-link", argv=check + ["--save-weights", "l"],
               setup=setup(("file", "real", "old\n"), ("link", "l", "real")), exit_code=0,
               unchanged=["l"],
               check=file_is("real", lambda p: os.path.getsize(p) > 1000, "the checkpoint"))
    yield Case(name="outputs/o-link-to-null", argv=compile_ + ["--emit=attn", "-o", "l"],
               setup=setup(("null", "null"), ("link", "l", "null")), exit_code=0,
               unchanged=["*"], requires=["root"])
