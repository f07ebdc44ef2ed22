/*
 * store.c - the content-addressed file store (see store.h).
 */
#include "store.h"

#include "log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int mkdir_p(const char *path)
{
  return mkdir(path, 0700) == 0 || errno == EEXIST ? 0 : -1;
}

/* fsyncs the folder PATH so a rename in it is durable. */
static int sync_dir(const char *path)
{
  int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return -1;
  int rc = fsync(fd);
  close(fd);
  return rc;
}

int store_init(const char *data_dir)
{
  char path[4096];
  snprintf(path, sizeof path, "%s/store", data_dir);
  if (mkdir_p(path)) goto fail;
  snprintf(path, sizeof path, "%s/tmp", data_dir);
  if (mkdir_p(path)) goto fail;
  DIR *d = opendir(path);
  if (!d) goto fail;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.') continue;
    char f[4096 + 256];
    snprintf(f, sizeof f, "%s/%s", path, e->d_name);
    unlink(f);
  }
  closedir(d);
  return 0;
fail:
  log_error("cannot prepare %s: %s", path, strerror(errno));
  return -1;
}

void store_path(const char *data_dir, const char *sha, char *path, size_t pathlen)
{
  snprintf(path, pathlen, "%s/store/%.2s/%s", data_dir, sha, sha + 2);
}

/* Asks the kernel to start writing F's bytes since the last request to disk, without waiting
 * for it (Linux's sync_file_range; elsewhere nothing: store_commit's fsync does all of it). */
static void start_writeback(struct store_file *f)
{
#ifdef SYNC_FILE_RANGE_WRITE
  if (f->size > f->flushed)
    sync_file_range(f->fd, (off_t)f->flushed, (off_t)(f->size - f->flushed), SYNC_FILE_RANGE_WRITE);
#endif
  f->flushed = f->size;
}

int store_begin(const char *data_dir, struct store_file *f)
{
  snprintf(f->tmp, sizeof f->tmp, "%s/tmp/upload-XXXXXX", data_dir);
  f->fd = mkostemp(f->tmp, O_CLOEXEC);
  f->size = f->flushed = 0;
  crypto_sha256_init(&f->hash);
  if (f->fd < 0) log_error("cannot create %s: %s", f->tmp, strerror(errno));
  return f->fd < 0 ? -1 : 0;
}

int store_write(struct store_file *f, const void *p, size_t n)
{
  crypto_sha256_update(&f->hash, p, n);
  const char *s = p;
  while (n > 0) {
    ssize_t w = write(f->fd, s, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      log_error("cannot write %s: %s", f->tmp, strerror(errno));
      return -1;
    }
    s += w;
    n -= (size_t)w;
    f->size += (uint64_t)w;
  }
  if (f->size - f->flushed >= STORE_FLUSH_STEP) start_writeback(f);
  return 0;
}

void store_abort(struct store_file *f)
{
  if (f->fd >= 0) {
    close(f->fd);
    unlink(f->tmp);
  }
  f->fd = -1;
}

int store_commit(const char *data_dir, struct store_file *f, char sha[CRYPTO_SHA256_HEX])
{
  crypto_sha256_final(&f->hash, sha);
  char dir[4096], path[4096];
  snprintf(dir, sizeof dir, "%s/store/%.2s", data_dir, sha);
  store_path(data_dir, sha, path, sizeof path);
  if (fsync(f->fd) != 0 || mkdir_p(dir) != 0) goto fail;
  close(f->fd);
  f->fd = -1;
  if (rename(f->tmp, path) != 0 || sync_dir(dir) != 0) goto fail;
  return 0;
fail:
  log_error("cannot store %s: %s", path, strerror(errno));
  store_abort(f);
  unlink(f->tmp);
  return -1;
}
