"""Fixtures for pandas/ beyond make_query_fixtures.py: fixed-format frames with a MultiIndex on
the rows and/or the columns, fixed frames with string columns (pickled numpy object arrays),
table frames with missing strings (nan_rep, pandas' default 'nan' and a custom one), and a
frame with datetime/tz/timedelta/categorical data columns queried with date strings. The
oracle is what pandas itself reads: read_hdf for every key, store.select(key, where) for every
where-clause in SELECTS.
Run with /opt/venv316/bin/python (PyTables 3.11, pandas 3): npm run fixtures:pandas."""
import json
import os
import numpy as np
import pandas as pd

from make_query_fixtures import as_json

OUT = os.path.join(os.path.dirname(__file__), '..', 'fixtures', 'query')
PATH = os.path.join(OUT, 'pandas_cases.h5')
rng = np.random.default_rng(1616)

# (key, where): each run by pandas' store.select and by coh5's queryFrame.
SELECTS = [
    ('/dated', "index > '2020-01-03'"),
    ('/dated', "index >= '2020-01-02 12:00' & index < '2020-01-02 18:30'"),
    ('/dated', 'index <= "20200101T0500"'),
    ('/dated', "date >= \"2020-01-02 12:00\""),
    ('/dated', "date < '2020-01-01 06:00:00.5'"),
    ('/dated', "index > Timestamp('2020-01-04 03:00')"),
    ('/dated', "index > pd.Timestamp('2020-01-04T03:00Z')"),
    ('/dated', "tzc > '2020-01-02 12:00'"),
    ('/dated', "tzc >= '2020-01-02 12:00-05:00'"),
    ('/dated', "tzc < '2020-01-01 10:00+01:00' | tzc > '2020-01-04 23:00Z'"),
    ('/dated', "td > '1 days 02:00:00'"),
    ('/dated', "td <= 3600"),
    ('/dated', "td < '90min'"),
    ('/dated', "cat == 'b'"),
    ('/dated', "cat != 'b' & n > 40"),
    ('/dated', "cat in ['a', 'c'] & date < '2020-01-02'"),
    ('/dated', "cat == ['a', 'zzz']"),
    ('/dated', "n in [3, 5, 8] | s == 'w3'"),
    ('/strings', "s == 'x'"),
    ('/strings', "s != 'x'"),
    ('/strings', "k > 2"),
]


def frames():
    n = 120
    when = pd.date_range('2020-01-01', periods=n, freq='h', name='when')
    dated = pd.DataFrame({
        'n': np.arange(n, dtype='int64'),
        'date': pd.date_range('2020-01-01', periods=n, freq='30min'),
        'tzc': pd.date_range('2020-01-01', periods=n, freq='h', tz='US/Eastern'),
        'td': pd.to_timedelta(np.arange(n) * 1500, unit='s'),
        'cat': pd.Categorical(rng.choice(['a', 'b', 'c'], n)),
        's': np.array([f'w{i % 7}' for i in range(n)], dtype=object),
        'x': rng.normal(0, 1, n).round(3),
    }, index=when)

    strings = pd.DataFrame({
        'k': np.arange(8, dtype='int64'),
        's': np.array(['x', None, 'y', np.nan, 'x', 'nan', '', 'z'], dtype=object),
        't': np.array(['p', 'q', None, 'r', np.nan, 's', 't', 'u'], dtype=object),
    })

    rows = pd.MultiIndex.from_arrays(
        [['a', 'a', 'b', 'b', None, 'c'], [1, 2, 1, 2, 3, 3]], names=['letter', 'num'])
    cols = pd.MultiIndex.from_tuples([('p', 1), ('p', 2), ('q', 1), ('q', 2)], names=['grp', 'sub'])
    values = np.arange(24, dtype='int64').reshape(6, 4)
    multi_rows = pd.DataFrame({'v': np.arange(6.0) / 2, 'w': np.arange(6, dtype='int64') * 10}, index=rows)
    multi_cols = pd.DataFrame({('p', 1): np.arange(5, dtype='int64'), ('p', 2): np.arange(5.0) + 0.5,
                               ('q', 1): np.arange(5, dtype='int64') * 3, ('q', 2): np.arange(5.0) * -1},
                              index=pd.Index([10, 20, 30, 40, 50], name='id'))
    multi_cols.columns = pd.MultiIndex.from_tuples(list(multi_cols.columns), names=['grp', 'sub'])
    both = pd.DataFrame(values, index=rows, columns=cols)
    dt_levels = pd.DataFrame({'v': np.arange(4.0)}, index=pd.MultiIndex.from_product(
        [pd.date_range('2021-06-01', periods=2, freq='D'), [7, 8]], names=['day', None]))
    series = pd.Series(np.arange(6, dtype='int32'), index=rows, name='counts')
    # String columns of a fixed frame are pickled numpy object arrays (PyTables' ObjectAtom);
    # o and p kept as dtype object make one block of two columns, pickled column-major.
    fixed_strings = pd.DataFrame({
        's': ['a', None, 'ccc', 'é', 'nan'],
        'o': ['x', 'y', None, 'z', 'w'],
        'n': np.arange(5, dtype='int64'),
        'p': ['p0', np.nan, 'p2', 'p3', 'p4'],
    }, index=pd.Index(['r0', 'r1', 'r2', 'r3', 'r4'], name='key'))
    fixed_strings = fixed_strings.astype({'o': object, 'p': object})
    str_series = pd.Series(['u', 'v', None], name='letters')

    if os.path.exists(PATH):
        os.remove(PATH)
    with pd.HDFStore(PATH, 'w', complevel=1, complib='zlib') as st:
        # index=False: PyTables' column indexes (about 60 datasets here) would triple the file; the
        # corpus's pt_table_indexed.h5 and pandas_table_wide_full_index.h5 carry indexes.
        st.append('dated', dated, data_columns=True, expectedrows=30, index=False)
        st.append('strings', strings, data_columns=['s', 'k'], index=False)
        st.append('strings_rep', strings, data_columns=['s'], nan_rep='--', index=False)
        st.put('fixed/multi_rows', multi_rows, format='fixed')
        st.put('fixed/multi_cols', multi_cols, format='fixed')
        st.put('fixed/multi_both', both, format='fixed')
        st.put('fixed/dt_levels', dt_levels, format='fixed')
        st.put('fixed/series_multi', series, format='fixed')
        st.put('fixed/strings', fixed_strings, format='fixed')
        st.put('fixed/str_series', str_series, format='fixed')
        # Not in the oracle: coh5 reads object blocks of strings only, and refuses this one.
        st.put('fixed/mixed', pd.DataFrame({'m': pd.Series(['x', 1, None], dtype=object)}), format='fixed')


def json_value(v):
    return v if isinstance(v, str) else None if v is None or (isinstance(v, float) and np.isnan(v)) else v


def frame_json(obj):
    df = obj.to_frame() if isinstance(obj, pd.Series) else obj
    idx = df.index
    levels = [idx.get_level_values(k) for k in range(idx.nlevels)]

    def col(values, name):
        out = {'name': name, 'dtype': str(values.dtype), 'values': [json_value(v) for v in as_json(values)]}
        if isinstance(values.dtype, pd.CategoricalDtype):
            out['categories'] = [str(x) for x in values.cat.categories]
        return out

    columns = []
    for k, c in enumerate(df.columns):
        entry = col(df.iloc[:, k], '.'.join(map(str, c)) if isinstance(c, tuple) else str(c))
        if isinstance(c, tuple):
            entry['labels'] = [str(x) for x in c]
        columns.append(entry)
    return {
        'columns': columns,
        'columnNames': [n for n in df.columns.names] if df.columns.nlevels > 1 else None,
        'index': [col(pd.Series(l), l.name) for l in levels],
    }


def oracle():
    out = {'frames': {}, 'selects': []}
    with pd.HDFStore(PATH, 'r') as st:
        for key in sorted(k for k in st.keys() if '/meta/' not in k and k != '/fixed/mixed'):
            out['frames'][key] = frame_json(st[key])
        for key, where in SELECTS:
            out['selects'].append({'key': key, 'where': where, 'result': frame_json(st.select(key, where=where))})
    with open(os.path.join(OUT, 'pandas_cases.oracle.json'), 'w') as f:
        json.dump(out, f)


def compress_object_blocks():
    """pandas writes a block of Python objects as a VLArray without filters, in one 1 MiB chunk of
    empty descriptors: h5repack compresses those two datasets so the fixture stays small."""
    import subprocess
    tmp = PATH + '.tmp'
    objs = '/fixed/strings/block2_values,/fixed/mixed/block0_values'
    subprocess.run(['h5repack', '-f', f'{objs}:GZIP=1', PATH, tmp], check=True)
    os.replace(tmp, PATH)


if __name__ == '__main__':
    frames()
    compress_object_blocks()
    oracle()
    print('wrote fixtures/query/pandas_cases.h5')
