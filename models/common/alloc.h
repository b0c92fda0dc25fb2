/* Checked allocation: sizes are multiplied with overflow checks and a
 * failure is a status, never a NULL dereference later. */
#ifndef PS_ALLOC_H
#define PS_ALLOC_H

#include <stddef.h>

#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* *out = zeroed block of count * elem_size bytes. PS_ERR_NOMEM on overflow
 * or exhaustion (and *out = NULL). A zero-sized request yields a valid,
 * freeable pointer. */
ps_status ps_calloc(size_t count, size_t elem_size, void *out_ptr);

/* Resizes *ptr to count * elem_size bytes; *ptr is unchanged on failure. */
ps_status ps_realloc(size_t count, size_t elem_size, void *inout_ptr);

/* a * b into *out, false on overflow. */
int ps_size_mul(size_t a, size_t b, size_t *out);

/* a + b into *out, false on overflow. */
int ps_size_add(size_t a, size_t b, size_t *out);

/* Allocates an array of count elements of *(p) into p, zeroed. */
#define PS_CALLOC_ARRAY(p, count) ps_calloc((count), sizeof *(p), &(p))

#ifdef __cplusplus
}
#endif

#endif
