/* Small helpers over the HDF5 C API for the record: string and number
 * attributes, extendible chunked 1-D datasets that grow by appends. */
#ifndef EMU_RECORD_H5_H
#define EMU_RECORD_H5_H
#include <hdf5.h>
#include <stddef.h>
#include <stdint.h>

#define H5REC_CHUNK 4096

int h5_attr_str(hid_t obj, const char *name, const char *value);
int h5_attr_i64(hid_t obj, const char *name, int64_t value);
int h5_attr_f64(hid_t obj, const char *name, double value);
/* Creates (or, if it exists, overwrites) an int64 attribute. */
int h5_attr_set_i64(hid_t obj, const char *name, int64_t value);
/* An empty, unlimited, chunked 1-D dataset of `type` with a "units" attribute. */
hid_t h5_dataset_1d(hid_t loc, const char *name, hid_t type, const char *units, const char *desc);
/* Appends n elements (in memory type `type`) at the end of a 1-D dataset. */
int h5_append(hid_t dset, hid_t type, const void *buf, size_t n);
#endif
