/* Little-endian byte buffers: a growable writer and a bounds-checked
 * reader, so every file section is encoded the same way and a short or
 * corrupt section is a status, never an out-of-bounds read. */
#ifndef PS_BYTES_H
#define PS_BYTES_H

#include <stddef.h>
#include <stdint.h>

#include "common/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ps_bytes {
    uint8_t *data;
    size_t size;
    size_t capacity;
    ps_status status; /* first failure; later puts are ignored */
} ps_bytes;

void ps_bytes_init(ps_bytes *b);
void ps_bytes_free(ps_bytes *b);
void ps_bytes_put(ps_bytes *b, const void *data, size_t size);
void ps_bytes_put_u8(ps_bytes *b, uint8_t v);
void ps_bytes_put_u16(ps_bytes *b, uint16_t v);
void ps_bytes_put_u32(ps_bytes *b, uint32_t v);
void ps_bytes_put_u64(ps_bytes *b, uint64_t v);
void ps_bytes_put_f32(ps_bytes *b, float v);
void ps_bytes_put_f64(ps_bytes *b, double v);
/* u32 length then the bytes, no terminator. */
void ps_bytes_put_str(ps_bytes *b, const char *s);
/* Zero bytes up to the next multiple of align. */
void ps_bytes_pad(ps_bytes *b, size_t align);

typedef struct ps_reader {
    const uint8_t *data;
    size_t size;
    size_t pos;
    int overrun; /* set once a get ran past the end; gets then return 0 */
} ps_reader;

ps_reader ps_reader_of(const void *data, size_t size);
/* Pointer to the next size bytes, or NULL (and overrun) if fewer remain. */
const void *ps_reader_take(ps_reader *r, size_t size);
uint8_t ps_reader_u8(ps_reader *r);
uint16_t ps_reader_u16(ps_reader *r);
uint32_t ps_reader_u32(ps_reader *r);
uint64_t ps_reader_u64(ps_reader *r);
float ps_reader_f32(ps_reader *r);
double ps_reader_f64(ps_reader *r);
/* Copies a ps_bytes_put_str string into buf (NUL-terminated); sets overrun
 * if it does not fit. */
void ps_reader_str(ps_reader *r, char *buf, size_t size);

/* Little-endian loads and stores on raw memory. */
static inline uint16_t ps_load_u16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static inline uint32_t ps_load_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static inline uint64_t ps_load_u64(const uint8_t *p)
{
    return (uint64_t)ps_load_u32(p) | ((uint64_t)ps_load_u32(p + 4) << 32);
}
static inline void ps_store_u16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static inline void ps_store_u32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}
static inline void ps_store_u64(uint8_t *p, uint64_t v)
{
    ps_store_u32(p, (uint32_t)v);
    ps_store_u32(p + 4, (uint32_t)(v >> 32));
}

#ifdef __cplusplus
}
#endif

#endif
