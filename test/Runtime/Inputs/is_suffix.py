"""Exits 0 when the bytes of file argv[2] are a non-trivial suffix of file argv[1]."""
import sys

whole = open(sys.argv[1], "rb").read()
part = open(sys.argv[2], "rb").read()
if len(part) < 100 or not whole.endswith(part):
    sys.exit("%s (%d bytes) is not a suffix of %s" % (sys.argv[2], len(part), sys.argv[1]))
