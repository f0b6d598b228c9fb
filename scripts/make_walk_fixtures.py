#!/usr/bin/python3
"""Writes fixtures/walk/: small trees for Group.walk()'s order and wave tests (issue 20).

Each file holds 4 groups of 5 subgroups of 3 datasets (depth 3 below the root), with the data
written between the metadata (so a small block size sees the headers spread through the file),
plus a second hard link to a subgroup, a hard link back up (a cycle), a soft and an external
link. Beside each file, X.h5.visit.json holds h5py's visititems order (each object once, by the
first path H5Ovisit reaches it by) and the tree's depth and group count.

Run with Debian's h5py: /usr/bin/python3 scripts/make_walk_fixtures.py (about a second).
"""
import json
import os

import h5py
import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'fixtures', 'walk')


def build(path, libver):
    with h5py.File(path, 'w', libver=libver, track_order=False) as f:
        for g in range(4):
            grp = f.create_group(f'g{g}')
            grp.attrs['index'] = g
            for s in range(5):
                sub = grp.create_group(f's{s}')
                for d in range(3):
                    # 600 float64 values (4.8 KB) each: the next header lands past a 4 KB block.
                    ds = sub.create_dataset(f'd{d}', data=np.arange(600, dtype='f8') + 100 * g + 10 * s + d)
                    ds.attrs['units'] = 'm'
        f['g1/alias'] = f['g0/s2']  # a second hard link: reported, not entered
        f['g2/s1/up'] = f['g2']  # a hard link back up: a cycle
        f['g3/soft'] = h5py.SoftLink('/g0/s0/d0')
        f['g3/ext'] = h5py.ExternalLink('elsewhere.h5', '/x')


def main():
    os.makedirs(OUT, exist_ok=True)
    for libver in ('earliest', 'latest'):
        name = f'walk_{libver}.h5'
        path = os.path.join(OUT, name)
        build(path, libver)
        with h5py.File(path, 'r') as f:
            order = []
            f.visititems(lambda name, obj: order.append('/' + name))
        with open(path + '.visit.json', 'w') as out:
            json.dump({'visititems': order, 'depth': 3, 'groups': 1 + 4 + 20}, out, indent=1)
            out.write('\n')


if __name__ == '__main__':
    main()
