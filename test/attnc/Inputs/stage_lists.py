"""Checks that `attnc compile --help` (the --emit choices) and a --dump-dir
index.md (its table's stage column) list the same stages in the same order,
and that every stage file the index names exists. Usage:
stage_lists.py HELP_TEXT INDEX_MD"""
import os
import re
import sys

help_text = open(sys.argv[1]).read()
m = re.search(r'--emit TEXT:\{([^}]*)\}', help_text)
if not m:
    raise SystemExit("no --emit choices in the help")
emit = m.group(1).split(',')

index_path = sys.argv[2]
rows = re.findall(r'^\| (\d\d) \| ([a-z-]+) \| `([^`]*)`', open(index_path).read(), re.M)
stages = [stage for _, stage, _ in rows]
if stages != emit:
    raise SystemExit("--emit lists %s but index.md lists %s" % (emit, stages))
for number, stage, file in rows:
    if file.startswith(number + "-") and not os.path.isfile(
            os.path.join(os.path.dirname(index_path), file)):
        raise SystemExit("index.md names %s, which is not there" % file)
print("same %d stages: %s" % (len(stages), ",".join(stages)))
