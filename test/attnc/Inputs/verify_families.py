"""attnc verify and attnc verify --causality on random-weight models of every
architecture family and mask kind attnc supports, written by
test/Models/Inputs/run_model.py (the same cases the numeric tests compare
with the NumPy reference). Usage: verify_families.py DIR CASE...

For each case it prints one line per mode with the verdict attnc printed,
and fails (exit 1) on an unexpected one; mask `none` must show that position
0 does see later tokens.
"""
import os
import subprocess
import sys

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "Models", "Inputs"))
import run_model  # noqa: E402


def run(cmd):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return p.returncode, p.stdout, p.stderr


def main(directory, cases):
    failed = False
    for name in cases:
        config = run_model.CASES[name]["config"]
        mask = config["attention"]["mask"]
        target = run_model.write_case(name, os.path.join(directory, name))
        for mode in ([], ["--causality"]):
            code, out, err = run(["attnc", "verify", target] + mode)
            last = out.strip().splitlines()[-1] if out.strip() else err.strip()
            label = "causality" if mode else "verify"
            print(f"{name} ({config['attention']['position']}, {config['norm']['kind']} norm, "
                  f"{config['mlp']['activation']}, mask {mask}) {label}: exit {code}: {last}")
            ok = code == 0 and (last.startswith("OK") or last.startswith("OK:"))
            if mode and mask == "none":
                ok = ok and "bidirectional as described" in out
            if not ok:
                failed = True
                print(out + err)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2:]))
