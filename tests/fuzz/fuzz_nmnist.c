/* N-MNIST event files (<id>.bin): ps_nmnist_read_file on the input, as
 * the simulator and trainer read a dataset directory (bad events skipped)
 * and as `primesim data stats --strict` does. What the lenient read keeps
 * is a valid sample: it encodes, decodes strictly to the same events and
 * bins into frames. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "data/frames.h"
#include "data/nmnist.h"
#include "fuzz_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool same_events(const ps_event_buf *a, const ps_event_buf *b)
{
    return a->count == b->count && (!a->count || !memcmp(a->ev, b->ev, a->count * sizeof *a->ev));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_input_file("input.bin", data, size);
    ps_event_buf lenient, strict, again;
    ps_event_buf_init(&lenient);
    ps_event_buf_init(&strict);
    ps_event_buf_init(&again);
    ps_event_issues issues = {0};
    ps_error err = {0};
    if (ps_nmnist_read_file(path, false, &lenient, &issues, &err) != PS_OK)
        fuzz_fail("a lenient read failed", err.message);
    size_t skipped = 0;
    for (int k = 0; k < PS_BAD_KIND_COUNT; k++)
        skipped += issues.count[k];
    const bool strict_ok = ps_nmnist_read_file(path, true, &strict, NULL, &err) == PS_OK;
    if (strict_ok != (skipped == 0))
        fuzz_fail("strict and lenient reads disagree on", path);
    if (strict_ok && !same_events(&strict, &lenient))
        fuzz_fail("strict and lenient reads return different events for", path);

    ps_bytes enc;
    ps_bytes_init(&enc);
    if (ps_nmnist_encode(lenient.ev, lenient.count, &enc, &err) != PS_OK)
        fuzz_fail("kept events do not encode", err.message);
    if (ps_nmnist_decode(enc.data, enc.size, "re-encoded", true, &again, NULL, &err) != PS_OK ||
        !same_events(&again, &lenient))
        fuzz_fail("kept events do not survive encode and decode", err.message);
    ps_bytes_free(&enc);

    ps_frames_params fp;
    ps_params_set_defaults(&ps_frames_param_table, &fp);
    fp.bins = 5;
    fp.split_by = (int)(size % 2);
    fp.first_saccade_only = size % 3 == 0;
    float *frames = malloc(ps_frames_size(&fp) * sizeof *frames);
    if (frames && ps_frames_bin(&fp, lenient.ev, lenient.count, frames, &err) != PS_OK)
        fuzz_fail("kept events cannot be binned", err.message);
    free(frames);
    ps_event_buf_free(&lenient);
    ps_event_buf_free(&strict);
    ps_event_buf_free(&again);
    return 0;
}
