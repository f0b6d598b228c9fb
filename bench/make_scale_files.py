"""Generates the files of issues 14 and 20's workloads into bench/data/ (gitignored; bench/run.ts
runs this when they are missing; ~20 s).

  /usr/bin/python3 bench/make_scale_files.py

many.h5          50 datasets /v00../v49, float32 [200_000] in 20_000-value chunks, gzip(4)+shuffle,
                 h5py defaults (each dataset's header and chunk B-tree written among the data of
                 the ones before it): issue 14's "1,000 values from each of 50 datasets".
latest_first.h5  libver='latest': /x (float32 [10_000_000] in 100_000-value chunks, gzip(4)+shuffle,
                 a fixed array index): its header is near the start, but the index's data block
                 follows the first chunk (~280 KiB in), beyond a 64 KiB first read, as in issue
                 14's 'latest' file.
walk_208.h5      issue 20's granule shape at three sizes, h5py defaults: small gzip datasets
walk_1408.h5     (float32 [1_000], chunked, gzip(4), two attributes each) in groups.
walk_4408.h5     208: 8 groups x 25 datasets; 1,408: 8 x 50 groups (408) holding 1,000 datasets;
                 4,408: the same 408 groups holding 4,000 datasets (10 per leaf group).

Writes bench/data/manifest-scale.json: each file's size, metadata bytes (`h5stat -S`) and object count.
"""
import json, os, re, shutil, subprocess, sys
import numpy as np
import h5py

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, 'data')
rng = np.random.default_rng(14)


def signal(n, period, noise):
    """A smooth signal plus quantised noise: compresses like a real measurement."""
    t = np.arange(n, dtype=np.float64)
    return (np.sin(t / period) * 100 + np.round(rng.normal(0, noise, n), 2)).astype(np.float32)


def write_many(path):
    with h5py.File(path, 'w') as f:
        for i in range(50):
            f.create_dataset('v%02d' % i, data=signal(200_000, 3000 + i, 1), chunks=(20_000,), compression='gzip', compression_opts=4, shuffle=True)


def write_latest_first(path):
    # The fixed array's data block is allocated when the first chunk is stored, after that chunk.
    with h5py.File(path, 'w', libver='latest') as f:
        f.create_dataset('x', data=signal(10_000_000, 5000, 1), chunks=(100_000,), compression='gzip', compression_opts=4, shuffle=True)


def write_walk(path, leaf_groups, datasets):
    """8 top groups, each with leaf_groups // 8 subgroups (none: the top groups are the leaves)."""
    with h5py.File(path, 'w') as f:
        tops = [f.create_group('beam%d' % b) for b in range(8)]
        per_top = leaf_groups // 8
        leaves = [top.create_group('seg%02d' % s) for top in tops for s in range(per_top)] if per_top else tops
        for i in range(datasets):
            g = leaves[i % len(leaves)]
            d = g.create_dataset('var%04d' % i, data=signal(1000, 50 + i % 97, 0.5), chunks=True, compression='gzip', compression_opts=4)
            d.attrs['units'] = 'm'
            d.attrs['long_name'] = 'variable %d of a granule-shaped file' % i


def metadata_bytes(path):
    out = subprocess.run(['h5stat', '-S', path], capture_output=True, text=True, check=True).stdout
    m = re.search(r'File metadata:\s*(\d+)\s*bytes', out)
    return int(m.group(1)) if m else None


def objects(path):
    with h5py.File(path, 'r') as f:
        n = [0]
        f.visit(lambda name: n.__setitem__(0, n[0] + 1))
        return n[0]


def raw_data_bytes(path):
    with h5py.File(path, 'r') as f:
        total = [0]
        f.visititems(lambda name, o: total.__setitem__(0, total[0] + o.id.get_storage_size()) if isinstance(o, h5py.Dataset) else None)
        return total[0]


def walk_only(out, leaf_groups, datasets):
    """`make_scale_files.py walk OUT LEAF_GROUPS DATASETS`: one walk file, for test/walk-waves.test.ts.
    Prints its size, metadata bytes (h5stat -S where hdf5-tools is installed, else the file size less
    the datasets' stored bytes, which also counts h5stat's few % of unaccounted space) and objects."""
    write_walk(out + '.tmp', leaf_groups, datasets)
    os.replace(out + '.tmp', out)
    size = os.path.getsize(out)
    by = 'h5stat' if shutil.which('h5stat') else 'size - raw data'
    meta = metadata_bytes(out) if by == 'h5stat' else size - raw_data_bytes(out)
    print(json.dumps({'size': size, 'metadataBytes': meta, 'metadataBy': by, 'objects': objects(out)}))


def main():
    files = {
        'many.h5': write_many,
        'latest_first.h5': write_latest_first,
        'walk_208.h5': lambda p: write_walk(p, 0, 200),
        'walk_1408.h5': lambda p: write_walk(p, 400, 1000),
        'walk_4408.h5': lambda p: write_walk(p, 400, 4000),
    }
    os.makedirs(OUT, exist_ok=True)
    manifest = {}
    for name, write in files.items():
        path = os.path.join(OUT, name)
        write(path + '.tmp')
        os.replace(path + '.tmp', path)
        manifest[name] = {'size': os.path.getsize(path), 'metadataBytes': metadata_bytes(path), 'objects': objects(path)}
    with open(os.path.join(OUT, 'manifest-scale.json'), 'w') as fh:
        json.dump(manifest, fh, indent=2)
    print(json.dumps(manifest))


if __name__ == '__main__':
    if len(sys.argv) == 5 and sys.argv[1] == 'walk':
        walk_only(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    else:
        main()
