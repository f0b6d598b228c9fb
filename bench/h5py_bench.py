"""h5py's side of the benchmark: time a workload's reads from a local file in a fresh process,
and print the checksum (sum of values) every reader's result is compared against.

  /usr/bin/python3 bench/h5py_bench.py FILE '[["/x", [[0, 10]]], ...]'
  /usr/bin/python3 bench/h5py_bench.py FILE walk     (objects visited + attributes read, as one value)
"""
import json, sys, time
import h5py
import numpy as np

path, reads = sys.argv[1], (sys.argv[2] if sys.argv[2] == 'walk' else json.loads(sys.argv[2]))
t0 = time.perf_counter()
if reads == 'walk':
    with h5py.File(path, 'r') as f:
        n = [0]
        f.visititems(lambda name, obj: n.__setitem__(0, n[0] + 1 + len(obj.attrs.keys())))
    print(json.dumps({'wallMs': (time.perf_counter() - t0) * 1000, 'checksum': float(n[0]), 'values': 1}))
    sys.exit(0)

def status_mb(field):
    """A memory field (kB) of /proc/self/status in MB: VmHWM is the kernel's peak RSS of this process."""
    try:
        with open('/proc/self/status') as s:
            for line in s:
                if line.startswith(field + ':'):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None

base_rss = status_mb('VmRSS')
t0 = time.perf_counter()
with h5py.File(path, 'r') as f:
    arrays = [f[name][tuple(slice(a, b) for a, b in hs)] for name, hs in reads]
wall = (time.perf_counter() - t0) * 1000
peak = status_mb('VmHWM')
out = {'wallMs': wall, 'checksum': float(sum(np.sum(a, dtype=np.float64) for a in arrays)), 'values': int(sum(a.size for a in arrays))}
if peak is not None and base_rss is not None:
    # Held: the peak above what the process held before opening the file (the interpreter, h5py, numpy).
    out.update(peakRssMB=peak, heldRssMB=peak - base_rss)
print(json.dumps(out))
