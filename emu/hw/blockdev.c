/* Raw image file backend: see blockdev.h. */
#include "hw/blockdev.h"
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static int set_msg(char *msg, size_t msglen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int set_msg(char *msg, size_t msglen, const char *fmt, ...)
{
    if (msg && msglen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, msglen, fmt, ap);
        va_end(ap);
    }
    return 0;
}

static bool write_denied(int err)
{
    return err == EACCES || err == EPERM || err == EROFS || err == ETXTBSY;
}

int blockdev_open(BlockDev **out, const char *path, bool read_only,
                  char *msg, size_t msglen)
{
    int fd = -1, rc = BLOCKDEV_OK, open_err = 0;
    bool ro = read_only;
    struct stat st;
    off_t end;
    BlockDev *bd;

    *out = NULL;
    set_msg(msg, msglen, "%s", "");
    if (!ro) {
        fd = open(path, O_RDWR | O_CLOEXEC);
        if (fd < 0) {
            open_err = errno;
            if (!write_denied(open_err)) {
                set_msg(msg, msglen, "Could not open '%s': %s", path, strerror(open_err));
                return BLOCKDEV_ERROR;
            }
            ro = true;
        }
    }
    if (fd < 0) {
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            set_msg(msg, msglen, "Could not open '%s': %s", path, strerror(errno));
            return BLOCKDEV_ERROR;
        }
        if (!read_only)
            rc = BLOCKDEV_READ_ONLY;
    }
    if (fstat(fd, &st) < 0) {
        set_msg(msg, msglen, "cannot stat '%s': %s", path, strerror(errno));
        close(fd);
        return BLOCKDEV_ERROR;
    }
    if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
        set_msg(msg, msglen, "'%s' is not a regular file or block device", path);
        close(fd);
        return BLOCKDEV_ERROR;
    }
    end = lseek(fd, 0, SEEK_END);
    if (end < 0) {
        set_msg(msg, msglen, "cannot get the size of '%s': %s", path, strerror(errno));
        close(fd);
        return BLOCKDEV_ERROR;
    }
    if (end % BLOCKDEV_SECTOR_SIZE) {
        set_msg(msg, msglen, "image size %lld bytes is not a multiple of %d bytes",
                (long long)end, BLOCKDEV_SECTOR_SIZE);
        close(fd);
        return BLOCKDEV_ERROR;
    }
    bd = calloc(1, sizeof *bd);
    if (!bd || !(bd->path = strdup(path))) {
        free(bd);
        close(fd);
        set_msg(msg, msglen, "out of memory");
        return BLOCKDEV_ERROR;
    }
    bd->fd = fd;
    bd->overlay_fd = -1;
    bd->size = (uint64_t)end;
    bd->read_only = ro;
    if (rc == BLOCKDEV_READ_ONLY)
        set_msg(msg, msglen, "image is not writable (%s); using it read-only, "
                "guest writes will fail", strerror(open_err));
    *out = bd;
    return rc;
}

static int check_range(const BlockDev *bd, uint64_t offset, size_t len)
{
    if (offset > bd->size || len > bd->size - offset)
        return -EINVAL;
    return 0;
}

static int pread_all(int fd, uint64_t offset, void *buf, size_t len)
{
    uint8_t *p = buf;
    while (len) {
        ssize_t n = pread(fd, p, len, (off_t)offset);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        if (n == 0)
            return -EIO;   /* the file shrank under us */
        p += n;
        offset += (uint64_t)n;
        len -= (size_t)n;
    }
    return 0;
}

static int pwrite_all(int fd, uint64_t offset, const void *buf, size_t len)
{
    const uint8_t *p = buf;
    while (len) {
        ssize_t n = pwrite(fd, p, len, (off_t)offset);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        if (n == 0)
            return -EIO;
        p += n;
        offset += (uint64_t)n;
        len -= (size_t)n;
    }
    return 0;
}

static bool is_dirty(const BlockDev *bd, uint64_t sector)
{
    return bd->dirty[sector / 8] & (1u << (sector % 8));
}

int blockdev_snapshot(BlockDev *bd)
{
    int fd = memfd_create("driftlab-sd-overlay", MFD_CLOEXEC);
    if (fd < 0)
        return -errno;
    if (ftruncate(fd, (off_t)bd->size) < 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    bd->dirty = calloc(1, bd->size / BLOCKDEV_SECTOR_SIZE / 8 + 1);
    if (!bd->dirty) {
        close(fd);
        return -ENOMEM;
    }
    bd->overlay_fd = fd;
    bd->read_only = false;   /* writes go to the overlay, never to the image */
    return 0;
}

int blockdev_read(BlockDev *bd, uint64_t offset, void *buf, size_t len)
{
    int r = check_range(bd, offset, len);
    if (r < 0 || (r = pread_all(bd->fd, offset, buf, len)) < 0 || bd->overlay_fd < 0)
        return r;
    /* Patch in the sectors the guest has written since the start. */
    uint8_t *p = buf;
    for (uint64_t pos = offset; pos < offset + len;) {
        uint64_t sector = pos / BLOCKDEV_SECTOR_SIZE;
        uint64_t end = (sector + 1) * BLOCKDEV_SECTOR_SIZE;
        if (end > offset + len)
            end = offset + len;
        if (is_dirty(bd, sector) &&
            (r = pread_all(bd->overlay_fd, pos, p + (pos - offset), end - pos)) < 0)
            return r;
        pos = end;
    }
    return 0;
}

int blockdev_write(BlockDev *bd, uint64_t offset, const void *buf, size_t len)
{
    int r = check_range(bd, offset, len);
    if (r < 0)
        return r;
    if (bd->read_only)
        return -EROFS;
    if (bd->overlay_fd < 0)
        return pwrite_all(bd->fd, offset, buf, len);
    const uint8_t *p = buf;
    for (uint64_t pos = offset; pos < offset + len;) {
        uint64_t sector = pos / BLOCKDEV_SECTOR_SIZE;
        uint64_t start = sector * BLOCKDEV_SECTOR_SIZE, end = start + BLOCKDEV_SECTOR_SIZE;
        if (end > offset + len)
            end = offset + len;
        if (!is_dirty(bd, sector) && (pos != start || end != start + BLOCKDEV_SECTOR_SIZE)) {
            /* A partial write first brings the rest of the sector over. */
            uint8_t tmp[BLOCKDEV_SECTOR_SIZE];
            if ((r = pread_all(bd->fd, start, tmp, sizeof tmp)) < 0 ||
                (r = pwrite_all(bd->overlay_fd, start, tmp, sizeof tmp)) < 0)
                return r;
        }
        if ((r = pwrite_all(bd->overlay_fd, pos, p + (pos - offset), end - pos)) < 0)
            return r;
        bd->dirty[sector / 8] |= (uint8_t)(1u << (sector % 8));
        pos = end;
    }
    return 0;
}

int blockdev_read_sectors(BlockDev *bd, uint64_t sector, void *buf, unsigned n)
{
    if (sector > UINT64_MAX / BLOCKDEV_SECTOR_SIZE)
        return -EINVAL;
    return blockdev_read(bd, sector * BLOCKDEV_SECTOR_SIZE, buf,
                         (size_t)n * BLOCKDEV_SECTOR_SIZE);
}

int blockdev_write_sectors(BlockDev *bd, uint64_t sector, const void *buf, unsigned n)
{
    if (sector > UINT64_MAX / BLOCKDEV_SECTOR_SIZE)
        return -EINVAL;
    return blockdev_write(bd, sector * BLOCKDEV_SECTOR_SIZE, buf,
                          (size_t)n * BLOCKDEV_SECTOR_SIZE);
}

int blockdev_flush(BlockDev *bd)
{
    if (bd->read_only || bd->overlay_fd >= 0)
        return 0;
    while (fdatasync(bd->fd) < 0) {
        if (errno != EINTR)
            return -errno;
    }
    return 0;
}

void blockdev_close(BlockDev *bd)
{
    if (!bd)
        return;
    blockdev_flush(bd);
    close(bd->fd);
    if (bd->overlay_fd >= 0)
        close(bd->overlay_fd);
    free(bd->dirty);
    free(bd->path);
    free(bd);
}
