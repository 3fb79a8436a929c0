/*
 * A raw disk image file as a block backend (QEMU's `format=raw` over a host
 * file). Writes go through to the file at once with pwrite(), so whatever
 * the guest was told is written survives the process ending by a signal or a
 * semihosting exit; blockdev_flush()/blockdev_close() add fdatasync().
 *
 * Errors come back as return codes plus a one-line reason in a caller's
 * buffer (no trailing newline, no program name), for the caller to print as
 * "emu-arm: -sd PATH: reason".
 */
#ifndef EMU_HW_BLOCKDEV_H
#define EMU_HW_BLOCKDEV_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BLOCKDEV_SECTOR_SIZE 512
#define BLOCKDEV_MSG_LEN 256        /* enough for any message we produce */

typedef struct BlockDev {
    int fd;
    uint64_t size;                  /* bytes; a multiple of 512 */
    bool read_only;
    char *path;
    /* Snapshot mode (QEMU's -snapshot): the image is only read; sectors the
     * guest writes live in an anonymous overlay file and are dropped at exit. */
    int overlay_fd;                 /* -1 unless snapshot */
    uint8_t *dirty;                 /* one bit per sector: in the overlay */
} BlockDev;

/* blockdev_open() results. */
enum {
    BLOCKDEV_ERROR = -1,            /* *out is NULL, msg says why */
    BLOCKDEV_OK = 0,                /* opened read-write, msg is "" */
    BLOCKDEV_READ_ONLY = 1,         /* opened, but only for reading: msg is a warning */
};

/* Opens a raw image for reading and writing; when the file exists but
 * cannot be opened for writing (permissions, read-only file system) it is
 * opened read-only instead and BLOCKDEV_READ_ONLY returned with a warning.
 * Fails if the file is missing or unreadable, is not a regular file or block
 * device, or its size is not a multiple of 512 bytes. read_only=true opens
 * read-only without trying for write access (returns BLOCKDEV_OK). */
int blockdev_open(BlockDev **out, const char *path, bool read_only,
                  char *msg, size_t msglen);

/* Switches an open image (read-only is enough) to snapshot mode: writable,
 * with guest writes kept in the overlay. 0 or a negative errno. */
int blockdev_snapshot(BlockDev *bd);

/* Byte-granular transfers inside the image. Return 0, or a negative errno
 * (-EINVAL for a range outside the image, -EROFS when read-only, -EIO for a
 * short transfer); nothing is transferred on a range error. */
int blockdev_read(BlockDev *bd, uint64_t offset, void *buf, size_t len);
int blockdev_write(BlockDev *bd, uint64_t offset, const void *buf, size_t len);
/* Whole 512-byte sectors. */
int blockdev_read_sectors(BlockDev *bd, uint64_t sector, void *buf, unsigned n);
int blockdev_write_sectors(BlockDev *bd, uint64_t sector, const void *buf, unsigned n);
/* fdatasync(): 0 or a negative errno. */
int blockdev_flush(BlockDev *bd);
/* Flushes, closes and frees; NULL is fine. */
void blockdev_close(BlockDev *bd);
#endif
