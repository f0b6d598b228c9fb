#!/usr/bin/python3
"""Writes the files of test/api-waves.test.ts into the directory given (issue 14's workloads,
scaled down so the test writes them in about a second):

  many.h5          50 datasets /v00../v49, float32 [100_000] in 10_000-value chunks, gzip(4)+shuffle,
                   h5py defaults: each dataset's header and chunk B-tree lie among the data of the
                   ones before it, and the root's symbol table nodes are spread through the file.
  latest_first.h5  libver='latest': /x, float32 [3_000_000] in 30_000-value chunks, gzip(4)+shuffle,
                   a fixed array index whose data block follows the first chunk (~90 KiB in).

Run with Debian's h5py: /usr/bin/python3 scripts/make_wave_files.py OUTDIR
"""
import os
import sys

import h5py
import numpy as np

rng = np.random.default_rng(14)


def signal(n, period):
    """A smooth signal plus quantised noise: compresses like a real measurement."""
    t = np.arange(n, dtype=np.float64)
    return (np.sin(t / period) * 100 + np.round(rng.normal(0, 1, n), 2)).astype(np.float32)


def main(out):
    os.makedirs(out, exist_ok=True)
    with h5py.File(os.path.join(out, 'many.h5'), 'w') as f:
        for i in range(50):
            f.create_dataset('v%02d' % i, data=signal(100_000, 3000 + i), chunks=(10_000,), compression='gzip', compression_opts=4, shuffle=True)
    # The fixed array's data block is allocated when the first chunk is stored, after that chunk.
    with h5py.File(os.path.join(out, 'latest_first.h5'), 'w', libver='latest') as f:
        f.create_dataset('x', data=signal(3_000_000, 5000), chunks=(30_000,), compression='gzip', compression_opts=4, shuffle=True)


if __name__ == '__main__':
    main(sys.argv[1])
