/* Workload files (.pwl): ps_workload_read on the input as a file, as
 * `primesim sim` and `inspect` open one. A workload it accepts must pass
 * ps_workload_check, which the reader promises to have run. */
#include <stdint.h>
#include <stdio.h>

#include "fuzz_input.h"
#include "pwl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_input_file("input.pwl", data, size);
    ps_workload *w = NULL;
    ps_error err = {0};
    if (ps_workload_read(path, &w, &err) == PS_OK) {
        if (ps_workload_check(w, &err) != PS_OK)
            fuzz_fail("read a workload that ps_workload_check refuses", err.message);
        ps_workload_free(w);
    } else if (w || !err.message[0]) {
        fuzz_fail("a refused workload", w ? "returned a workload" : "has no message");
    }
    return 0;
}
