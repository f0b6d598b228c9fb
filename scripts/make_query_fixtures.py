"""Fixtures for query/ and pandas/: a PyTables table with nested columns in several chunks,
and pandas HDFStore frames of every dtype pandas gives special metadata (table and fixed).
Run with /opt/venv316/bin/python (PyTables 3.11, pandas 3): npm run fixtures:query. Writes fixtures/query/."""
import os
import numpy as np
import pandas as pd
import tables

OUT = os.path.join(os.path.dirname(__file__), '..', 'fixtures', 'query')
rng = np.random.default_rng(16)


class Pos(tables.IsDescription):
    x = tables.Float64Col(pos=0)
    y = tables.Float32Col(pos=1)


class Row(tables.IsDescription):
    id = tables.Int64Col(pos=0)
    temp = tables.Float64Col(pos=1)
    station = tables.StringCol(2, pos=2)
    count = tables.UInt16Col(pos=3)
    flag = tables.BoolCol(pos=4)
    big = tables.Int64Col(pos=5)
    pos = Pos()


def table_fixture():
    n = 5000
    with tables.open_file(os.path.join(OUT, 'query_table.h5'), 'w') as f:
        t = f.create_table('/', 'weather', Row, chunkshape=(512,), filters=tables.Filters(complevel=1, complib='zlib'))
        r = t.row
        stations = [b'A', b'B', b'CC', b'D']
        for i in range(n):
            r['id'] = i
            r['temp'] = round(float(rng.normal(20, 15)), 2)
            r['station'] = stations[int(rng.integers(0, 4))]
            r['count'] = int(rng.integers(0, 1000))
            r['flag'] = bool(rng.integers(0, 2))
            r['big'] = (1 << 60) + int(rng.integers(-5, 5)) if i % 97 == 0 else int(rng.integers(-100, 100))
            r['pos/x'] = float(rng.uniform(-10, 10))
            r['pos/y'] = float(rng.uniform(-10, 10))
            r.append()
        t.flush()
        f.create_array('/', 'plain', np.arange(1000, dtype='<f4') / 4)


def pandas_fixtures():
    n = 1200
    idx = pd.date_range('2024-01-01', periods=n, freq='min', name='when')
    df = pd.DataFrame({
        'i': np.arange(n, dtype='int64') * 3 - 100,
        'f': rng.normal(0, 1, n).round(3),
        'f32': rng.normal(0, 1, n).astype('float32'),
        's': np.array(rng.choice(['alpha', 'beta', 'gamma', 'é'], n), dtype=object),
        'cat': pd.Categorical(rng.choice(['red', 'green', 'blue'], n)),
        'ts': pd.date_range('2020-01-01', periods=n, freq='h'),
        'tz': pd.date_range('2020-01-01', periods=n, freq='h', tz='Europe/Paris'),
        'td': pd.to_timedelta(np.arange(n), unit='s'),
        'b': rng.integers(0, 2, n).astype(bool),
    }, index=idx)
    path = os.path.join(OUT, 'query_pandas.h5')
    if os.path.exists(path):
        os.remove(path)
    with pd.HDFStore(path, 'w', complevel=1, complib='zlib') as st:
        st.append('frames/table', df, data_columns=['i', 'f', 's', 'cat'], expectedrows=300, min_itemsize={'s': 8})
        st.put('frames/fixed', df.drop(columns=['cat', 's']), format='fixed')
        mi = pd.MultiIndex.from_product([['x', 'y', 'z'], range(4)], names=['letter', 'num'])
        st.put('multi', pd.DataFrame({'v': np.arange(12.0), 'w': np.arange(12) * 2}, index=mi), format='table')
        st.put('series', pd.Series(np.arange(50, dtype='int32'), name='counts'), format='table')


def as_json(values):
    """A column as pandas holds it: datetimes/timedeltas as int64 counts, categoricals as codes."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        return [int(c) for c in values.cat.codes]
    if values.dtype.kind in 'mM':
        return [str(int(v)) for v in values.array.asi8]
    if values.dtype.kind in 'iu':
        # int64 as strings: JSON numbers lose precision past 2**53 (coh5 gives BigInt).
        return [str(int(v)) if values.dtype.itemsize == 8 else int(v) for v in values]
    if values.dtype.kind == 'b':
        return [bool(v) for v in values]
    return [v if isinstance(v, str) else float(v) for v in values]


def oracle():
    """What pandas itself reads from query_pandas.h5: every key, its columns, dtypes and index."""
    import json
    path = os.path.join(OUT, 'query_pandas.h5')
    out = {}
    with pd.HDFStore(path, 'r') as st:
        for key in ['/frames/fixed', '/frames/table', '/multi', '/series']:
            obj = st[key]
            df = obj.to_frame() if isinstance(obj, pd.Series) else obj
            idx = df.index
            levels = [idx.get_level_values(k) for k in range(idx.nlevels)]
            out[key] = {
                'columns': [{'name': str(c), 'dtype': str(df[c].dtype), 'values': as_json(df[c]),
                             'categories': [str(x) for x in df[c].cat.categories] if isinstance(df[c].dtype, pd.CategoricalDtype) else None}
                            for c in df.columns],
                'index': [{'name': l.name, 'dtype': str(l.dtype), 'values': as_json(pd.Series(l))} for l in levels],
            }
    with open(os.path.join(OUT, 'query_pandas.oracle.json'), 'w') as f:
        json.dump(out, f)


if __name__ == '__main__':
    table_fixture()
    pandas_fixtures()
    oracle()
    print('wrote fixtures/query/')
