/* The process's memory budget: what a run may allocate for its model state
 * and the data it loads. Sizes a config or a file declares are checked
 * against it before anything is allocated, so an absurd request is refused
 * with its estimate instead of running the machine out of memory. The
 * default is half of physical memory; the CLI's --max-memory sets it. */
#ifndef PS_MEMORY_H
#define PS_MEMORY_H

#include <stdint.h>

#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

uint64_t ps_memory_physical_bytes(void); /* 0 when the system does not say */
uint64_t ps_memory_limit_bytes(void);    /* the budget in force */
/* Sets the budget; 0 restores the default. */
void ps_memory_set_limit_bytes(uint64_t bytes);

/* PS_OK when need_bytes fits the budget, else PS_ERR_RANGE with a message
 * naming what (e.g. "crossbar arrays"), the estimate and the budget. */
ps_status ps_memory_check(uint64_t need_bytes, const char *what, ps_error *err);

/* Parses a size such as "64G", "512M", "1.5T", "100000" (bytes; K, M, G, T
 * are powers of 1024, an optional trailing B or iB is accepted). Returns
 * false on anything else. */
int ps_memory_parse_size(const char *text, uint64_t *bytes);

#ifdef __cplusplus
}
#endif

#endif
