/* The fuzz targets hand their input to the readers as the program does: as
 * a file. fuzz_input_file writes the bytes to NAME in a private directory
 * (on /dev/shm when it can, removed at exit) and returns its path. */
#ifndef PS_FUZZ_INPUT_H
#define PS_FUZZ_INPUT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

const char *fuzz_input_file(const char *name, const void *data, size_t size);

/* Aborts with a message: an invariant a reader promises does not hold. */
void fuzz_fail(const char *what, const char *detail);

#ifdef __cplusplus
}
#endif

#endif
