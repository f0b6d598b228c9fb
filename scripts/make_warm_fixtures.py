#!/usr/bin/python3
"""Write fixtures/warm/v1.h5 and v2.h5 for the persistent metadata cache tests (issue 14).

Two versions of one file, as an object rewritten in place on a server: the same layout and the
same size, different values (v1: x[i] = i, v2: x[i] = -i - 0.5), so that only the validator
(ETag / Last-Modified) tells them apart. 20,000 float64 in 20 chunks of 1,000, uncompressed,
libver earliest: the metadata sits before the chunks and the file (~160 KiB) is larger than
coh5's first read, so a cold read of a late chunk takes two waves and a warm one, one.

Run: /usr/bin/python3 scripts/make_warm_fixtures.py (h5py 3.7 / libhdf5 1.10.8).
"""
from pathlib import Path

import h5py
import numpy as np

OUT = Path(__file__).resolve().parent.parent / 'fixtures' / 'warm'
OUT.mkdir(parents=True, exist_ok=True)
N = 20_000
for name, values in (('v1.h5', np.arange(N, dtype='<f8')), ('v2.h5', -np.arange(N, dtype='<f8') - 0.5)):
    fcpl = h5py.h5p.create(h5py.h5p.FILE_CREATE)
    fcpl.set_obj_track_times(False)
    fid = h5py.h5f.create(str(OUT / name).encode(), h5py.h5f.ACC_TRUNC, fcpl=fcpl)
    with h5py.File(fid) as f:
        f.create_dataset('x', data=values, chunks=(1_000,), track_times=False)
sizes = {p.name: p.stat().st_size for p in sorted(OUT.glob('*.h5'))}
assert len(set(sizes.values())) == 1, sizes
print(sizes)
