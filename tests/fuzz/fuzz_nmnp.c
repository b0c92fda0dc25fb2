/* Packed N-MNIST (.nmnp): ps_nmnist_packed_open on the input as a file,
 * then every sample's events, skipping bad ones as `primesim sim` and the
 * trainer do and strictly as `primesim data stats --strict` does, binned
 * into frames as the simulator bins them. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "data/frames.h"
#include "data/nmnist.h"
#include "fuzz_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_input_file("input.nmnp", data, size);
    ps_nmnist_packed *pk = NULL;
    ps_error err = {0};
    if (ps_nmnist_packed_open(path, &pk, &err) != PS_OK) {
        if (pk || !err.message[0])
            fuzz_fail("a refused packed file", pk ? "returned a handle" : "has no message");
        return 0;
    }
    ps_frames_params fp;
    ps_params_set_defaults(&ps_frames_param_table, &fp);
    fp.bins = 4;
    float *frames = malloc(ps_frames_size(&fp) * sizeof *frames);
    ps_event_buf ev;
    ps_event_buf_init(&ev);
    uint64_t events = 0;
    for (size_t i = 0; i < ps_nmnist_packed_count(pk); i++) {
        ps_nmnist_entry e = ps_nmnist_packed_entry(pk, i);
        if (e.label > 9 || e.split > PS_SPLIT_NONE)
            fuzz_fail("an accepted sample", "has a label or split out of range");
        ps_event_buf_clear(&ev);
        ps_event_issues issues = {0};
        if (ps_nmnist_packed_events(pk, i, false, &ev, &issues, &err) != PS_OK)
            continue;
        events += ev.count;
        fp.split_by = (int)(i % 2);
        if (frames && ps_frames_bin(&fp, ev.ev, ev.count, frames, &err) != PS_OK)
            fuzz_fail("events the reader returned cannot be binned", err.message);
        ps_event_buf_clear(&ev);
        (void)ps_nmnist_packed_events(pk, i, true, &ev, NULL, &err);
    }
    if (events > ps_nmnist_packed_total_events(pk))
        fuzz_fail("the samples hold more events", "than the file declares");
    free(frames);
    ps_event_buf_free(&ev);
    ps_nmnist_packed_close(pk);
    return 0;
}
