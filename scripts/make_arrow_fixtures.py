"""Fixture for coh5/arrow: a 1-D compound with a member of each kind toArrow maps to its own Arrow
type (array members -> FixedSizeList, nested for 2-D; variable-length sequences -> List; the bool
enum -> Bool; other enums -> dictionaries; opaque -> FixedSizeBinary; complex -> a struct of r, i),
written by h5py. Run with /opt/venv316/bin/python (h5py 3.16): npm run fixtures:arrow."""
import os
import h5py
import numpy as np

OUT = os.path.join(os.path.dirname(__file__), '..', 'fixtures', 'query', 'arrow_types.h5')


def main():
    n = 40
    color = h5py.enum_dtype({'red': 1, 'green': 5, 'blue': 9}, basetype='u1')
    dt = np.dtype([
        ('id', '<i4'), ('vec', '<f4', (3,)), ('mat', '<i2', (2, 2)), ('name', 'S6'), ('ok', '?'),
        ('color', color), ('seq', h5py.vlen_dtype(np.dtype('<i4'))), ('z', '<c8'), ('raw', 'V3'),
    ])
    rows = np.zeros(n, dtype=dt)
    rows['id'] = np.arange(n)
    rows['vec'] = np.arange(n * 3, dtype='<f4').reshape(n, 3) / 4
    rows['mat'] = np.arange(n * 4, dtype='<i2').reshape(n, 2, 2) - 50
    rows['name'] = [f'n{i % 5}'.encode() for i in range(n)]
    rows['ok'] = np.arange(n) % 3 == 0
    rows['color'] = [[1, 5, 9][i % 3] for i in range(n)]
    seqs = np.empty(n, dtype=object)
    for i in range(n):
        seqs[i] = np.arange(i % 4, dtype='<i4') * 10 + i
    rows['seq'] = seqs
    rows['z'] = np.arange(n) + 1j * (np.arange(n) * -2)
    rows['raw'] = [bytes([i, i + 1, i + 2]) for i in range(n)]
    with h5py.File(OUT, 'w') as f:
        f.create_dataset('records', data=rows, chunks=(16,))
        f.create_dataset('matrix_rows', data=np.arange(30, dtype='<f8').reshape(10, 3))
        f.create_dataset('refs', data=[f['records'].ref, f['matrix_rows'].ref], dtype=h5py.ref_dtype)


if __name__ == '__main__':
    main()
    print('wrote', OUT)
