#include "memory.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static uint64_t g_limit_bytes; /* 0: the default */

uint64_t ps_memory_physical_bytes(void)
{
    const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    if (pages <= 0 || page <= 0)
        return 0;
    return (uint64_t)pages * (uint64_t)page;
}

uint64_t ps_memory_limit_bytes(void)
{
    if (g_limit_bytes)
        return g_limit_bytes;
    const uint64_t phys = ps_memory_physical_bytes();
    return phys ? phys / 2 : UINT64_C(4) << 30; /* no figure: a modest 4 GiB */
}

void ps_memory_set_limit_bytes(uint64_t bytes) { g_limit_bytes = bytes; }

static double gib(uint64_t bytes) { return (double)bytes / (double)(UINT64_C(1) << 30); }

ps_status ps_memory_check(uint64_t need_bytes, const char *what, ps_error *err)
{
    const uint64_t limit = ps_memory_limit_bytes();
    if (need_bytes <= limit)
        return PS_OK;
    return ps_error_set(err, PS_ERR_RANGE,
                        "%s would allocate about %.3g GiB, above the memory limit of %.3g GiB (%s)",
                        what, gib(need_bytes), gib(limit),
                        g_limit_bytes ? "set by --max-memory; sweep and check give each of their jobs a share"
                                      : "half of physical memory; raise it with --max-memory");
}

int ps_memory_parse_size(const char *text, uint64_t *bytes)
{
    if (!text || !*text || isspace((unsigned char)text[0]) || text[0] == '-')
        return 0;
    char *end = NULL;
    const double v = strtod(text, &end);
    if (end == text || !isfinite(v) || v <= 0)
        return 0;
    double scale = 1;
    const char *units = "KMGT";
    const char *u = *end ? strchr(units, toupper((unsigned char)*end)) : NULL;
    if (u) {
        for (const char *k = units; k <= u; k++)
            scale *= 1024;
        end++;
        if (*end == 'i' || *end == 'I')
            end++;
    }
    if (*end == 'b' || *end == 'B')
        end++;
    if (*end)
        return 0;
    const double b = v * scale;
    if (b < 1 || b >= 1.8e19)
        return 0;
    *bytes = (uint64_t)b;
    return 1;
}
