/* qforge_npy.h: minimal .npy (format 1.0/2.0, C order, little-endian) reading and writing for the
   generated main.c harness. Not part of the model: the model itself does no I/O and no allocation. */
#ifndef QFORGE_NPY_H
#define QFORGE_NPY_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct qf_io {
  const char *name;  /* graph value name */
  const char *file;  /* output file name */
  const char *descr; /* numpy dtype, e.g. "<f4" */
  int rank;
  long shape[8];
  size_t count, esize;
} qf_io;

static int qf_cmp_double(const void *a, const void *b) {
  const double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Reads `path`, checks dtype and shape against `io`; returns malloc'ed data or NULL (message printed).
   A file with one extra leading axis holds a stack of samples: their count goes to *samples (0 when
   the file holds exactly one input). */
static void *qf_npy_read(const char *path, const qf_io *io, long *samples) {
  FILE *f = fopen(path, "rb");
  if (!f) { fprintf(stderr, "cannot open %s\n", path); return NULL; }
  unsigned char pre[12];
  size_t hl = 0;
  if (fread(pre, 1, 10, f) != 10 || memcmp(pre, "\x93NUMPY", 6)) { fprintf(stderr, "%s: not a .npy file\n", path); fclose(f); return NULL; }
  if (pre[6] == 1) hl = (size_t)pre[8] | (size_t)pre[9] << 8;
  else {
    if (fread(pre + 10, 1, 2, f) != 2) { fclose(f); return NULL; }
    hl = (size_t)pre[8] | (size_t)pre[9] << 8 | (size_t)pre[10] << 16 | (size_t)pre[11] << 24;
  }
  char *h = calloc(hl + 1, 1);
  if (!h || fread(h, 1, hl, f) != hl) { fprintf(stderr, "%s: truncated header\n", path); free(h); fclose(f); return NULL; }
  const char *d = strstr(h, "'descr'"), *s = strstr(h, "'shape'"), *fo = strstr(h, "'fortran_order'");
  int ok = d && s && fo && !strstr(fo, "True");
  char descr[16] = {0};
  if (ok) {
    const char *q = strchr(d + 7, '\'');
    const char *e = q ? strchr(q + 1, '\'') : NULL;
    ok = q && e && e - q - 1 < 15;
    if (ok) memcpy(descr, q + 1, (size_t)(e - q - 1));
  }
  long shape[8];
  int rank = 0;
  if (ok) {
    const char *p = strchr(s, '(');
    ok = p != NULL;
    for (p = p ? p + 1 : p; ok && *p && *p != ')';) {
      while (*p == ' ' || *p == ',') p++;
      if (*p == ')') break;
      char *end;
      const long v = strtol(p, &end, 10);
      if (end == p || rank == 8) { ok = 0; break; }
      shape[rank++] = v;
      p = end;
    }
  }
  const int stacked = ok && rank == io->rank + 1;
  int same = ok && rank == io->rank + stacked && !strcmp(descr, io->descr);
  for (int i = 0; same && i < io->rank; i++) same = shape[i + stacked] == io->shape[i];
  *samples = stacked && same ? shape[0] : 0;
  free(h);
  if (!same) {
    fprintf(stderr, "%s: input '%s' must be %s with shape (", path, io->name, io->descr);
    for (int i = 0; i < io->rank; i++) fprintf(stderr, "%s%ld", i ? ", " : "", io->shape[i]);
    fprintf(stderr, ") (or a stack of them along a leading axis)\n");
    fclose(f);
    return NULL;
  }
  const size_t n = io->count * (size_t)(*samples ? *samples : 1);
  void *data = malloc(n * io->esize + 64);
  if (!data || fread(data, io->esize, n, f) != n) { fprintf(stderr, "%s: truncated data\n", path); free(data); fclose(f); return NULL; }
  fclose(f);
  return data;
}

/* Writes `samples` stacked outputs (shape (samples, ...)), or one output when samples is 0. */
static int qf_npy_write(const char *path, const qf_io *io, const void *data, long samples) {
  char h[256];
  int n = snprintf(h, sizeof h, "{'descr': '%s', 'fortran_order': False, 'shape': (", io->descr);
  if (samples) n += snprintf(h + n, sizeof h - (size_t)n, "%ld%s", samples, io->rank ? ", " : ",");
  for (int i = 0; i < io->rank; i++) n += snprintf(h + n, sizeof h - (size_t)n, "%ld%s", io->shape[i], io->rank == 1 ? "," : i + 1 < io->rank ? ", " : "");
  n += snprintf(h + n, sizeof h - (size_t)n, "), }");
  while ((10 + n + 1) % 64) h[n++] = ' ';
  h[n++] = '\n';
  FILE *f = fopen(path, "wb");
  if (!f) { fprintf(stderr, "cannot write %s\n", path); return 1; }
  const unsigned char pre[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (unsigned char)(n & 255), (unsigned char)(n >> 8)};
  const int bad = fwrite(pre, 1, 10, f) != 10 || fwrite(h, 1, (size_t)n, f) != (size_t)n ||
                  fwrite(data, io->esize, io->count * (size_t)(samples ? samples : 1), f) != io->count * (size_t)(samples ? samples : 1);
  fclose(f);
  if (bad) fprintf(stderr, "cannot write %s\n", path);
  return bad;
}
#endif
