#!/usr/bin/env python3
"""Helpers for the outputs-*.test lit tests (what lit's shell cannot do).

  snapshot DIR             one line per path below DIR (sorted): name, kind,
                           permission bits, size, device number, sha256 or
                           link target; diffed before and after a run
  mksock PATH              bind a Unix socket at PATH (left in place)
  fifo-read FIFO -- ARGV   run ARGV while a thread reads FIFO; print ARGV's
                           exit status and the first line read
  interrupt SIG WHEN DIR -- ARGV
                           run ARGV, wait until WHEN happens, send SIG (INT or
                           TERM; IGNORED-INT: SIGINT, which ARGV was started
                           with ignored) to it alone (not to its children), wait for
                           it, then print how it ended; WHEN is `tmp` (a file
                           appears in DIR/tmp, ARGV's TMPDIR: mid-compile) or
                           `link` (a hidden temporary appears in DIR: the
                           linker is running)
"""
import hashlib
import os
import signal
import socket
import stat
import subprocess
import sys
import threading
import time

KINDS = {stat.S_IFREG: "regular", stat.S_IFDIR: "directory", stat.S_IFLNK: "symlink",
         stat.S_IFCHR: "chardev", stat.S_IFBLK: "blockdev", stat.S_IFIFO: "fifo",
         stat.S_IFSOCK: "socket"}


def snapshot(top):
    lines = []
    for dirpath, dirnames, filenames in os.walk(top):
        for name in sorted(dirnames + filenames):
            path = os.path.join(dirpath, name)
            st = os.lstat(path)
            what = ""
            if stat.S_ISREG(st.st_mode):
                with open(path, "rb") as f:
                    what = hashlib.sha256(f.read()).hexdigest()[:16]
            elif stat.S_ISLNK(st.st_mode):
                what = "-> " + os.readlink(path)
            size = st.st_size if stat.S_ISREG(st.st_mode) else 0
            rdev = "%d:%d" % (os.major(st.st_rdev), os.minor(st.st_rdev)) if st.st_rdev else "-"
            lines.append("%s %s %o %d %s %s" % (os.path.relpath(path, top),
                                                KINDS[stat.S_IFMT(st.st_mode)],
                                                stat.S_IMODE(st.st_mode), size, rdev, what))
    print("\n".join(sorted(lines)))


def fifo_read(fifo, argv):
    got = []

    def reader():
        with open(fifo, "rb") as f:
            got.append(f.read())

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    time.sleep(0.5)  # the reader is blocked in open() by now
    rc = subprocess.call(argv)
    thread.join(60)
    data = got[0] if got else b""
    print("exit %d" % rc)
    print("read %d bytes; first line: %s" % (len(data), data.split(b"\n", 1)[0].decode()))


def interrupt(signame, when, directory, argv):
    sig = {"INT": signal.SIGINT, "TERM": signal.SIGTERM, "IGNORED-INT": signal.SIGINT}[signame]
    # SIGINT as from a terminal, or ignored as in a background job (lit's
    # workers run with SIGINT ignored, which children inherit).
    disposition = signal.SIG_IGN if signame.startswith("IGNORED") else signal.SIG_DFL
    proc = subprocess.Popen(argv, preexec_fn=lambda: signal.signal(signal.SIGINT, disposition))
    tmp = os.path.join(directory, "tmp")
    deadline = time.time() + 600
    triggered = False
    while time.time() < deadline and proc.poll() is None:
        if when == "tmp":
            triggered = bool(os.listdir(tmp))
        else:
            triggered = any(n.startswith(".") and ".attnc-" in n for n in os.listdir(directory))
        if triggered:
            break
        time.sleep(0.005)
    if not triggered:
        proc.wait()
        print("finished (exit %d) before '%s' happened" % (proc.returncode, when))
        return
    if when == "tmp":
        time.sleep(1.0)  # well into the compile: lowering or code generation
    proc.send_signal(sig)
    rc = proc.wait()
    # A linker that outlived attnc would create its output after this.
    time.sleep(2.0)
    if rc < 0:
        print("ended by SIG%s" % signal.Signals(-rc).name[3:])
    else:
        print("exit %d" % rc)


def main():
    command = sys.argv[1]
    if command == "snapshot":
        snapshot(sys.argv[2])
    elif command == "mksock":
        socket.socket(socket.AF_UNIX).bind(sys.argv[2])
    elif command == "fifo-read":
        fifo_read(sys.argv[2], sys.argv[sys.argv.index("--") + 1:])
    elif command == "interrupt":
        interrupt(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[sys.argv.index("--") + 1:])
    else:
        sys.exit("unknown command " + command)


if __name__ == "__main__":
    main()
