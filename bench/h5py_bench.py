"""h5py's side of the benchmark: time a workload's reads from a local file in a fresh process,
and print the checksum (sum of values) every reader's result is compared against.

  /usr/bin/python3 bench/h5py_bench.py FILE '[["/x", [[0, 10]]], ...]'
"""
import json, sys, time
import h5py
import numpy as np

path, reads = sys.argv[1], json.loads(sys.argv[2])
t0 = time.perf_counter()
with h5py.File(path, 'r') as f:
    arrays = [f[name][tuple(slice(a, b) for a, b in hs)] for name, hs in reads]
wall = (time.perf_counter() - t0) * 1000
print(json.dumps({'wallMs': wall, 'checksum': float(sum(np.sum(a, dtype=np.float64) for a in arrays)), 'values': int(sum(a.size for a in arrays))}))
