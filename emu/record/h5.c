#include "record/h5.h"
#include <string.h>

int h5_attr_str(hid_t obj, const char *name, const char *value)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, H5T_CSET_UTF8);
    hid_t sp = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(obj, name, t, sp, H5P_DEFAULT, H5P_DEFAULT);
    const char *v = value ? value : "";
    herr_t rc = a < 0 ? -1 : H5Awrite(a, t, &v);
    if (a >= 0)
        H5Aclose(a);
    H5Sclose(sp);
    H5Tclose(t);
    return rc < 0 ? -1 : 0;
}

static int attr_num(hid_t obj, const char *name, hid_t ftype, hid_t mtype, const void *v)
{
    hid_t sp = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(obj, name, ftype, sp, H5P_DEFAULT, H5P_DEFAULT);
    herr_t rc = a < 0 ? -1 : H5Awrite(a, mtype, v);
    if (a >= 0)
        H5Aclose(a);
    H5Sclose(sp);
    return rc < 0 ? -1 : 0;
}

int h5_attr_i64(hid_t obj, const char *name, int64_t value)
{
    return attr_num(obj, name, H5T_STD_I64LE, H5T_NATIVE_INT64, &value);
}

int h5_attr_f64(hid_t obj, const char *name, double value)
{
    return attr_num(obj, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &value);
}

int h5_attr_set_i64(hid_t obj, const char *name, int64_t value)
{
    if (H5Aexists(obj, name) > 0) {
        hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
        herr_t rc = a < 0 ? -1 : H5Awrite(a, H5T_NATIVE_INT64, &value);
        if (a >= 0)
            H5Aclose(a);
        return rc < 0 ? -1 : 0;
    }
    return h5_attr_i64(obj, name, value);
}

hid_t h5_dataset_1d(hid_t loc, const char *name, hid_t type, const char *units, const char *desc)
{
    hsize_t dims[1] = { 0 }, maxdims[1] = { H5S_UNLIMITED }, chunk[1] = { H5REC_CHUNK };
    hid_t sp = H5Screate_simple(1, dims, maxdims);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_chunk(dcpl, 1, chunk);
    hid_t d = H5Dcreate2(loc, name, type, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    H5Pclose(dcpl);
    H5Sclose(sp);
    if (d >= 0) {
        if (units)
            h5_attr_str(d, "units", units);
        if (desc)
            h5_attr_str(d, "description", desc);
    }
    return d;
}

int h5_append(hid_t dset, hid_t type, const void *buf, size_t n)
{
    if (!n)
        return 0;
    hid_t fs = H5Dget_space(dset);
    hsize_t cur[1];
    H5Sget_simple_extent_dims(fs, cur, NULL);
    H5Sclose(fs);
    hsize_t newsize[1] = { cur[0] + n };
    if (H5Dset_extent(dset, newsize) < 0)
        return -1;
    fs = H5Dget_space(dset);
    hsize_t start[1] = { cur[0] }, count[1] = { n };
    H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL);
    hid_t ms = H5Screate_simple(1, count, NULL);
    herr_t rc = H5Dwrite(dset, type, ms, fs, H5P_DEFAULT, buf);
    H5Sclose(ms);
    H5Sclose(fs);
    return rc < 0 ? -1 : 0;
}
