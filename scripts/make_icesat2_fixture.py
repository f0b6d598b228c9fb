#!/usr/bin/python3
"""Writes fixtures/icesat2/atl03_like.h5: a small ICESat-2-like granule for the labelled-group
tests (src/labeled/labeled-group.ts). Run with Debian's /usr/bin/python3 (python3-h5py); deterministic.

Layout, as ATL03 has it (but tiny):
  /gt1l/heights/{delta_time, lat_ph, lon_ph, h_ph, signal_conf_ph, quality_ph}  along the photon track
  /gt1l/geolocation/{delta_time, segment_id, reference_photon_lat, ...}          along the segment track
  /gt1l/heights/ph_seg_count  -- a variable of another length in the same group
  /gt2l/... the same, with another photon count
Every photon variable carries `coordinates = "delta_time lat_ph lon_ph"`; h_ph has a
_FillValue; quality_ph is stored scaled (scale_factor / add_offset); delta_time has the
ICESat-2 epoch in its units. delta_time in /gt1l/heights is also an HDF5 dimension scale
attached to the photon variables, as netCDF writers and h5py's dims API do.
"""
import os
import numpy as np
import h5py

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'fixtures', 'icesat2', 'atl03_like.h5')
EPOCH = 'seconds since 2018-01-01T00:00:00.000000Z'


def photon_group(f, beam, n, seed, with_scales):
    rng = np.random.default_rng(seed)
    g = f.create_group(f'{beam}/heights')
    dt = g.create_dataset('delta_time', data=86400.0 * 1000 + np.arange(n, dtype='f8') * 1e-4, chunks=(1000,), compression='gzip')
    dt.attrs['units'] = EPOCH
    dt.attrs['standard_name'] = 'time'
    dt.attrs['long_name'] = 'Elapsed GPS seconds'
    lat = g.create_dataset('lat_ph', data=(-70.0 + np.arange(n) * 1e-5).astype('f8'), chunks=(1000,), compression='gzip')
    lat.attrs['units'] = 'degrees_north'
    lat.attrs['valid_min'] = -90.0
    lat.attrs['valid_max'] = 90.0
    lon = g.create_dataset('lon_ph', data=(150.0 + np.arange(n) * 2e-6).astype('f8'), chunks=(1000,), compression='gzip')
    lon.attrs['units'] = 'degrees_east'
    h = (100.0 + rng.normal(0, 5, n)).astype('f4')
    h[::97] = 3.4028235e38  # ATL03's invalid height
    hp = g.create_dataset('h_ph', data=h, chunks=(1000,), compression='gzip', fillvalue=np.float32(3.4028235e38))
    hp.attrs['_FillValue'] = np.float32(3.4028235e38)
    hp.attrs['units'] = 'meters'
    conf = rng.integers(-1, 5, n).astype('i1')
    conf[::50] = -2
    c = g.create_dataset('signal_conf_ph', data=conf, chunks=(1000,), compression='gzip')
    c.attrs['valid_min'] = np.int8(-1)
    c.attrs['valid_max'] = np.int8(4)
    c.attrs['missing_value'] = np.int8(-2)
    raw = (np.arange(n) % 1000).astype('i2')
    raw[::123] = -32768
    q = g.create_dataset('quality_ph', data=raw, chunks=(1000,), compression='gzip')
    q.attrs['scale_factor'] = np.float32(0.01)
    q.attrs['add_offset'] = np.float32(-1.0)
    q.attrs['_FillValue'] = np.int16(-32768)
    for name in ('h_ph', 'signal_conf_ph', 'quality_ph'):
        g[name].attrs['coordinates'] = 'delta_time lat_ph lon_ph'
    lat.attrs['coordinates'] = 'delta_time lon_ph'
    lon.attrs['coordinates'] = 'delta_time lat_ph'
    # Another length in the same group: one value per 20-m segment.
    nseg = n // 50
    g.create_dataset('ph_seg_count', data=np.full(nseg, 50, dtype='i4'))
    if with_scales:
        dt.make_scale('delta_time')
        for name in ('lat_ph', 'lon_ph', 'h_ph', 'signal_conf_ph', 'quality_ph'):
            g[name].dims[0].attach_scale(dt)
    geo = f.create_group(f'{beam}/geolocation')
    gdt = geo.create_dataset('delta_time', data=86400.0 * 1000 + np.arange(nseg, dtype='f8') * 5e-3)
    gdt.attrs['units'] = EPOCH
    sid = geo.create_dataset('segment_id', data=np.arange(nseg, dtype='i4') + 555000)
    sid.attrs['coordinates'] = 'delta_time reference_photon_lat reference_photon_lon'
    geo.create_dataset('reference_photon_lat', data=(-70.0 + np.arange(nseg) * 5e-4))
    geo.create_dataset('reference_photon_lon', data=(150.0 + np.arange(nseg) * 1e-4))


def netcdf_group(f):
    """A group laid out as netCDF-4 writes one: a dimension-only scale (x), a coordinate variable
    (y), a 2-D coordinate variable t(t, x) described by _Netcdf4Coordinates, a variable with
    scales attached, one without (phony dimensions), valid_range and a time unit."""
    g = f.create_group('nc4')
    sentinel = 'This is a netCDF dimension but not a netCDF variable.         3'
    x = g.create_dataset('x', shape=(3,), dtype='>f4')
    x.make_scale(sentinel)
    x.attrs['_Netcdf4Dimid'] = np.int32(0)
    y = g.create_dataset('y', data=np.array([10, 20, 30, 40], dtype='i4'))
    y.make_scale('y')
    y.attrs['_Netcdf4Dimid'] = np.int32(1)
    y.attrs['units'] = 'days since 2000-01-01 00:00:00'
    t = g.create_dataset('t', data=np.arange(6, dtype='f8').reshape(2, 3))
    t.make_scale('t')
    t.attrs['_Netcdf4Dimid'] = np.int32(2)
    t.attrs['_Netcdf4Coordinates'] = np.array([2, 0], dtype='i4')
    temp = g.create_dataset('temp', data=np.array([[1, 2, -999, 4], [5, 6, 7, 800], [9, 10, 11, 12]], dtype='f4'))
    temp.attrs['_FillValue'] = np.float32(-999)
    temp.attrs['valid_range'] = np.array([0, 100], dtype='f4')
    temp.attrs['units'] = 'K'
    temp.dims[0].attach_scale(x)
    temp.dims[1].attach_scale(y)
    g.create_dataset('raw', data=np.arange(6, dtype='u2').reshape(2, 3))


def model_calendar_group(f):
    """A time coordinate in a model calendar (360_day) with a variable on it."""
    g = f.create_group('nc4_360day')
    time = g.create_dataset('time', data=np.array([0, 29.5, 30, 359], dtype='f8'))
    time.make_scale('time')
    time.attrs['units'] = 'days since 2000-02-01'
    time.attrs['calendar'] = '360_day'
    v = g.create_dataset('tas', data=np.array([280, 281, 282, 283], dtype='f4'))
    v.dims[0].attach_scale(time)


def main():
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with h5py.File(OUT, 'w', libver='earliest', track_order=False) as f:
        f.attrs['short_name'] = 'ATL03'
        photon_group(f, 'gt1l', 5000, 1, True)
        photon_group(f, 'gt2l', 3000, 2, False)
        netcdf_group(f)
        model_calendar_group(f)
        anc = f.create_group('ancillary_data')
        t = anc.create_dataset('atlas_sdp_gps_epoch', data=np.array([1198800018.0]))
        t.attrs['units'] = 'seconds since 1980-01-06T00:00:00.000000Z'


if __name__ == '__main__':
    main()
