"""Prints, for an MLIR file printed with its locations (`loc(#locN)` aliases
defined at the end, as MLIR's printer writes them), one line per distinct
(op name, location) with the aliases resolved:

    llvm.fmul "layers.0.attention"("/path/stories260K.yaml":11:1)

Written from MLIR's textual location syntax, independently of attnc, so that
tests can check which description line an op of a late stage points at."""
import re
import sys

text = open(sys.argv[1]).read()
aliases = dict(re.findall(r'^#(loc\d*) = loc\((.*)\)$', text, re.M))


def resolve(loc, depth=0):
    if depth > 50:
        raise SystemExit("location aliases nest too deeply")
    return re.sub(r'#(loc\d*)\b', lambda m: resolve(aliases[m.group(1)], depth + 1), loc)


seen = set()
op = re.compile(r'^\s+(?:%[^=]+= )?([a-z_]+\.[a-z_.]+)\b.*\bloc\(#(loc\d*)\)$')
for line in text.splitlines():
    m = op.match(line)
    if m:
        seen.add((m.group(1), resolve(aliases[m.group(2)])))
for name, loc in sorted(seen):
    print(name, loc)
