/* IDX files (LeCun's MNIST format): magic 0x00 0x00, a type byte (only
 * 0x08, unsigned byte, is read), the number of dimensions, each dimension
 * as a big-endian u32, then the data. MNIST and Fashion-MNIST ship images
 * as idx3 (count x 28 x 28) and labels as idx1; a ".gz" file is read
 * through the system gzip. */
#ifndef PS_DATA_IDX_H
#define PS_DATA_IDX_H

#include <stddef.h>
#include <stdint.h>

#include "bytes.h"
#include "common/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PS_IDX_MAX_DIMS 4
#define PS_IDX_TYPE_U8 0x08

typedef struct ps_idx_array {
    uint32_t ndim;
    uint32_t dims[PS_IDX_MAX_DIMS];
    uint8_t *data; /* product of dims bytes, row-major */
    size_t size;
} ps_idx_array;

/* Parses an IDX file's bytes; name is used in messages. A corrupt header
 * (magic, type, dimension count), a size that disagrees with the header
 * (short: PS_ERR_TRUNCATED, long: PS_ERR_FORMAT) are refused. */
ps_status ps_idx_decode(const uint8_t *bytes, size_t size, const char *name, ps_idx_array *out,
                        ps_error *err);
ps_status ps_idx_encode(const ps_idx_array *a, ps_bytes *out);
/* path may end in ".gz". */
ps_status ps_idx_read(const char *path, ps_idx_array *out, ps_error *err);
ps_status ps_idx_write(const char *path, const ps_idx_array *a, ps_error *err);
void ps_idx_free(ps_idx_array *a);

/* A labelled image set: count images of rows x cols bytes (0 = black,
 * 255 = white), labels 0..9. */
typedef struct ps_image_set {
    size_t count;
    uint32_t rows, cols;
    uint8_t *images;
    uint8_t *labels;
} ps_image_set;

void ps_image_set_free(ps_image_set *s);

/* Standard file names: "<prefix>-images-idx3-ubyte" and
 * "<prefix>-labels-idx1-ubyte", prefix "train" or "t10k". */
int ps_idx_images_name(const char *prefix, char *buf, size_t size);
int ps_idx_labels_name(const char *prefix, char *buf, size_t size);

/* Loads dir/<prefix>-images and -labels, accepting the standard names with
 * "-idx3-ubyte" or ".idx3-ubyte" and an optional ".gz". Checks that counts
 * agree and labels are 0..9. A missing directory or file is
 * PS_ERR_NOT_FOUND naming it. */
ps_status ps_image_set_load(const char *dir, const char *prefix, ps_image_set *out, ps_error *err);
/* Writes dir/<prefix>-images-idx3-ubyte and -labels-idx1-ubyte. */
ps_status ps_image_set_save(const char *dir, const char *prefix, const ps_image_set *s,
                            ps_error *err);

#ifdef __cplusplus
}
#endif

#endif
