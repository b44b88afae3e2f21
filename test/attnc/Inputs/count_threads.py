"""Runs a command and prints the most threads its process had at once.

The compiled kernels' parallel loops run on libomp's thread team, created at
the first parallel loop and kept until exit; counting /proc/PID/task while the
command runs shows how many threads really ran (libomp's own
OMP_DISPLAY_AFFINITY prints nothing for MLIR-generated parallel regions).
"""
import os
import subprocess
import sys
import time

proc = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
most = 0
while proc.poll() is None:
    try:
        most = max(most, len(os.listdir(f"/proc/{proc.pid}/task")))
    except OSError:
        break
    time.sleep(0.001)
if proc.wait() != 0:
    sys.exit(f"command failed with {proc.returncode}")
print(f"threads: {most}")
