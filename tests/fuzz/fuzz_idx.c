/* IDX files (MNIST's format): ps_idx_read on the input as a file, as
 * ps_image_set_load reads the images and the labels. The format has one
 * spelling per array, so what it accepts encodes back to the same bytes. */
#include <stdint.h>
#include <string.h>

#include "data/idx.h"
#include "fuzz_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_input_file("input-idx3-ubyte", data, size);
    ps_idx_array a;
    ps_error err = {0};
    if (ps_idx_read(path, &a, &err) != PS_OK) {
        if (a.data || !err.message[0])
            fuzz_fail("a refused IDX file", a.data ? "returned data" : "has no message");
        return 0;
    }
    ps_bytes b;
    ps_bytes_init(&b);
    if (ps_idx_encode(&a, &b) != PS_OK || b.size != size || (size && memcmp(b.data, data, size) != 0))
        fuzz_fail("an accepted IDX file does not encode back to its bytes", path);
    ps_bytes_free(&b);
    ps_idx_free(&a);
    return 0;
}
