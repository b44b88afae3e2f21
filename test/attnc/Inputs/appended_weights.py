"""Reads the weights trailer an attnc executable ends with (runtime/include/
attnrt/abi.h, AttnWeightsTrailer) and prints what a test checks:
  appended <bytes> at <offset>: on 64 KiB: <yes|no>, on 2 MiB: <yes|no>,
  ends at the trailer: <yes|no>, zero before: <yes|no>
or, for `--corrupt-bytes OUT`, writes a copy of the executable whose trailer
claims one byte more, and for `--truncate OUT` a copy without its last byte.
"""
import struct
import sys

TRAILER = struct.Struct("<8sQQ")


def main(argv):
    data = open(argv[1], "rb").read()
    magic, offset, size = TRAILER.unpack_from(data, len(data) - TRAILER.size)
    if len(argv) == 4 and argv[2] == "--corrupt-bytes":
        patched = data[:-TRAILER.size] + TRAILER.pack(magic, offset, size + 1)
        open(argv[3], "wb").write(patched)
        return 0
    if len(argv) == 4 and argv[2] == "--truncate":
        open(argv[3], "wb").write(data[:-1])
        return 0
    if magic != b"ATTNWTS1":
        print(f"no trailer: {magic!r}")
        return 1
    ends = offset + size == len(data) - TRAILER.size
    zeros = not any(data[offset - 1:offset]) if offset else True
    yes = lambda b: "yes" if b else "no"
    print(f"appended {size} at {offset}: on 64 KiB: {yes(offset % 65536 == 0)}, "
          f"on 2 MiB: {yes(offset % (2 << 20) == 0)}, "
          f"ends at the trailer: {'yes' if ends else 'no'}, zero before: {'yes' if zeros else 'no'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
