#include "alloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int ps_size_mul(size_t a, size_t b, size_t *out)
{
    if (a != 0 && b > SIZE_MAX / a)
        return 0;
    *out = a * b;
    return 1;
}

int ps_size_add(size_t a, size_t b, size_t *out)
{
    if (b > SIZE_MAX - a)
        return 0;
    *out = a + b;
    return 1;
}

/* out_ptr is really a `T **`; it is typed void * so callers need no cast. */
ps_status ps_calloc(size_t count, size_t elem_size, void *out_ptr)
{
    void *p = NULL;
    size_t bytes;
    if (ps_size_mul(count, elem_size, &bytes))
        p = calloc(bytes ? bytes : 1, 1);
    memcpy(out_ptr, &p, sizeof p);
    return p ? PS_OK : PS_ERR_NOMEM;
}

ps_status ps_realloc(size_t count, size_t elem_size, void *inout_ptr)
{
    void *old;
    memcpy(&old, inout_ptr, sizeof old);
    size_t bytes;
    if (!ps_size_mul(count, elem_size, &bytes))
        return PS_ERR_NOMEM;
    void *p = realloc(old, bytes ? bytes : 1);
    if (!p)
        return PS_ERR_NOMEM;
    memcpy(inout_ptr, &p, sizeof p);
    return PS_OK;
}
