#include "bytes.h"

#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"

void ps_bytes_init(ps_bytes *b) { memset(b, 0, sizeof *b); }

void ps_bytes_free(ps_bytes *b)
{
    free(b->data);
    ps_bytes_init(b);
}

void ps_bytes_put(ps_bytes *b, const void *data, size_t size)
{
    if (b->status != PS_OK || size == 0)
        return;
    size_t need;
    if (!ps_size_add(b->size, size, &need)) {
        b->status = PS_ERR_NOMEM;
        return;
    }
    if (need > b->capacity) {
        size_t capacity = b->capacity ? b->capacity : 256;
        while (capacity < need)
            capacity = capacity > SIZE_MAX / 2 ? need : capacity * 2;
        if (ps_realloc(capacity, 1, &b->data) != PS_OK) {
            b->status = PS_ERR_NOMEM;
            return;
        }
        b->capacity = capacity;
    }
    memcpy(b->data + b->size, data, size);
    b->size = need;
}

void ps_bytes_put_u8(ps_bytes *b, uint8_t v) { ps_bytes_put(b, &v, 1); }
void ps_bytes_put_u16(ps_bytes *b, uint16_t v)
{
    uint8_t raw[2];
    ps_store_u16(raw, v);
    ps_bytes_put(b, raw, sizeof raw);
}
void ps_bytes_put_u32(ps_bytes *b, uint32_t v)
{
    uint8_t raw[4];
    ps_store_u32(raw, v);
    ps_bytes_put(b, raw, sizeof raw);
}
void ps_bytes_put_u64(ps_bytes *b, uint64_t v)
{
    uint8_t raw[8];
    ps_store_u64(raw, v);
    ps_bytes_put(b, raw, sizeof raw);
}
void ps_bytes_put_f32(ps_bytes *b, float v)
{
    uint32_t bits;
    memcpy(&bits, &v, sizeof bits);
    ps_bytes_put_u32(b, bits);
}
void ps_bytes_put_f64(ps_bytes *b, double v)
{
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    ps_bytes_put_u64(b, bits);
}
void ps_bytes_put_str(ps_bytes *b, const char *s)
{
    size_t len = strlen(s);
    if (len > UINT32_MAX) {
        b->status = PS_ERR_RANGE;
        return;
    }
    ps_bytes_put_u32(b, (uint32_t)len);
    ps_bytes_put(b, s, len);
}
void ps_bytes_pad(ps_bytes *b, size_t align)
{
    static const uint8_t zeros[64];
    while (b->status == PS_OK && align > 1 && b->size % align != 0) {
        size_t n = align - b->size % align;
        ps_bytes_put(b, zeros, n < sizeof zeros ? n : sizeof zeros);
    }
}

ps_reader ps_reader_of(const void *data, size_t size)
{
    ps_reader r = {(const uint8_t *)data, size, 0, 0};
    return r;
}

const void *ps_reader_take(ps_reader *r, size_t size)
{
    if (r->overrun || size > r->size - r->pos) {
        r->overrun = 1;
        return NULL;
    }
    const void *p = r->data + r->pos;
    r->pos += size;
    return p;
}

uint8_t ps_reader_u8(ps_reader *r)
{
    const uint8_t *p = ps_reader_take(r, 1);
    return p ? p[0] : 0;
}
uint16_t ps_reader_u16(ps_reader *r)
{
    const uint8_t *p = ps_reader_take(r, 2);
    return p ? ps_load_u16(p) : 0;
}
uint32_t ps_reader_u32(ps_reader *r)
{
    const uint8_t *p = ps_reader_take(r, 4);
    return p ? ps_load_u32(p) : 0;
}
uint64_t ps_reader_u64(ps_reader *r)
{
    const uint8_t *p = ps_reader_take(r, 8);
    return p ? ps_load_u64(p) : 0;
}
float ps_reader_f32(ps_reader *r)
{
    uint32_t bits = ps_reader_u32(r);
    float v;
    memcpy(&v, &bits, sizeof v);
    return v;
}
double ps_reader_f64(ps_reader *r)
{
    uint64_t bits = ps_reader_u64(r);
    double v;
    memcpy(&v, &bits, sizeof v);
    return v;
}
void ps_reader_str(ps_reader *r, char *buf, size_t size)
{
    uint32_t len = ps_reader_u32(r);
    const char *p = ps_reader_take(r, len);
    if (!p || len >= size) {
        r->overrun = 1;
        if (size)
            buf[0] = '\0';
        return;
    }
    memcpy(buf, p, len);
    buf[len] = '\0';
}
