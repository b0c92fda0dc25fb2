#include "rng.h"

#include <math.h>
#include <pthread.h>

#include "simd.h"

/* Multipliers and Weyl key increments from Salmon et al. 2011 (Random123). */
#define PHILOX_M0 0xD2511F53u
#define PHILOX_M1 0xCD9E8D57u
#define PHILOX_W0 0x9E3779B9u
#define PHILOX_W1 0xBB67AE85u

static inline void mulhilo32(uint32_t a, uint32_t b, uint32_t *hi, uint32_t *lo)
{
    uint64_t p = (uint64_t)a * b;
    *hi = (uint32_t)(p >> 32);
    *lo = (uint32_t)p;
}

void ps_philox4x32_10(const uint32_t counter[4], const uint32_t key[2],
                      uint32_t out[4])
{
    uint32_t c0 = counter[0], c1 = counter[1], c2 = counter[2], c3 = counter[3];
    uint32_t k0 = key[0], k1 = key[1];
    for (int round = 0; round < 10; round++) {
        uint32_t hi0, lo0, hi1, lo1;
        mulhilo32(PHILOX_M0, c0, &hi0, &lo0);
        mulhilo32(PHILOX_M1, c2, &hi1, &lo1);
        c0 = hi1 ^ c1 ^ k0;
        c1 = lo1;
        c2 = hi0 ^ c3 ^ k1;
        c3 = lo0;
        k0 += PHILOX_W0;
        k1 += PHILOX_W1;
    }
    out[0] = c0;
    out[1] = c1;
    out[2] = c2;
    out[3] = c3;
}

static void block(uint64_t seed, uint64_t stream, uint64_t index, uint32_t out[4])
{
    const uint32_t counter[4] = {(uint32_t)index, (uint32_t)(index >> 32),
                                 (uint32_t)stream, (uint32_t)(stream >> 32)};
    const uint32_t key[2] = {(uint32_t)seed, (uint32_t)(seed >> 32)};
    ps_philox4x32_10(counter, key, out);
}

uint64_t ps_rng_u64(uint64_t seed, uint64_t stream, uint64_t index)
{
    uint32_t w[4];
    block(seed, stream, index, w);
    return (uint64_t)w[0] | ((uint64_t)w[1] << 32);
}

static inline double bits_to_unit(uint64_t bits)
{
    return (double)(bits >> 11) * 0x1.0p-53;
}

double ps_rng_uniform(uint64_t seed, uint64_t stream, uint64_t index)
{
    return bits_to_unit(ps_rng_u64(seed, stream, index));
}

double ps_rng_normal(uint64_t seed, uint64_t stream, uint64_t index)
{
    uint32_t w[4];
    block(seed, stream, index, w);
    /* u1 in (0, 1] so the logarithm is finite. */
    double u1 = 1.0 - bits_to_unit((uint64_t)w[0] | ((uint64_t)w[1] << 32));
    double u2 = bits_to_unit((uint64_t)w[2] | ((uint64_t)w[3] << 32));
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586476925 * u2);
}

uint64_t ps_rng_stream_of(const char *path)
{
    uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a 64 offset basis */
    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        h ^= *p;
        h *= 0x100000001b3ull; /* FNV-1a 64 prime */
    }
    return h;
}

uint64_t ps_rng_substream(uint64_t stream, uint64_t purpose)
{
    /* splitmix64 finaliser (Steele et al., OOPSLA 2014) over the pair. */
    uint64_t z = stream ^ (purpose * 0x9E3779B97F4A7C15ull + 0x632BE59BD9B4E019ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* ---- ziggurat normals --------------------------------------------------- */

#define ZIG_STRIPS 128
#define ZIG_R 3.442619855899           /* start of the tail (128 strips) */
#define ZIG_V 9.91256303526217e-3      /* area of each strip */
#define ZIG_M 8388608.0                /* 2^23: scale of the 24-bit signed abscissa */

static struct {
    uint32_t k[ZIG_STRIPS]; /* |h| < k[i]: inside strip i's rectangle, accept */
    double w[ZIG_STRIPS];   /* abscissa per unit of h */
    double f[ZIG_STRIPS];   /* density at each strip's edge */
} zig;
static pthread_once_t zig_once = PTHREAD_ONCE_INIT;

/* Marsaglia & Tsang's table set-up (their zigset), for 24-bit abscissas. */
static void zig_setup(void)
{
    double dn = ZIG_R, tn = dn;
    const double q = ZIG_V / exp(-0.5 * dn * dn);
    zig.k[0] = (uint32_t)((dn / q) * ZIG_M);
    zig.k[1] = 0;
    zig.w[0] = q / ZIG_M;
    zig.w[ZIG_STRIPS - 1] = dn / ZIG_M;
    zig.f[0] = 1.0;
    zig.f[ZIG_STRIPS - 1] = exp(-0.5 * dn * dn);
    for (int i = ZIG_STRIPS - 2; i >= 1; i--) {
        dn = sqrt(-2.0 * log(ZIG_V / dn + exp(-0.5 * dn * dn)));
        zig.k[i + 1] = (uint32_t)((dn / tn) * ZIG_M);
        tn = dn;
        zig.f[i] = exp(-0.5 * dn * dn);
        zig.w[i] = dn / ZIG_M;
    }
}

/* Further 32-bit words for a rejected draw: blocks of a stream derived from
 * (stream, index, lane), numbered from 0. */
typedef struct zig_more {
    uint64_t seed, stream;
    uint64_t next;
    uint32_t w[4];
    int used;
} zig_more;

static uint32_t zig_word(zig_more *m)
{
    if (m->used == 4) {
        block(m->seed, m->stream, m->next++, m->w);
        m->used = 0;
    }
    return m->w[m->used++];
}

static double zig_uniform(zig_more *m) /* (0, 1) */
{
    return ((double)(zig_word(m) >> 8) + 0.5) * 0x1.0p-24;
}

/* The slow path of one draw: the exact ziggurat loop (tail, wedges). */
static double zig_slow(uint32_t word, zig_more *m)
{
    for (;;) {
        const int32_t h = (int32_t)word >> 8;
        const int i = (int)(word & (ZIG_STRIPS - 1));
        const uint32_t ah = (uint32_t)(h < 0 ? -h : h);
        if (ah < zig.k[i])
            return (double)h * zig.w[i];
        const double x = (double)h * zig.w[i];
        if (i == 0) { /* the tail beyond R (Marsaglia 1964) */
            double xt, y;
            do {
                xt = -log(zig_uniform(m)) / ZIG_R;
                y = -log(zig_uniform(m));
            } while (y + y < xt * xt);
            return h > 0 ? ZIG_R + xt : -ZIG_R - xt;
        }
        if (zig.f[i] + zig_uniform(m) * (zig.f[i - 1] - zig.f[i]) < exp(-0.5 * x * x))
            return x;
        word = zig_word(m);
    }
}

static inline uint64_t splitmix64_mix(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* The fast path for every lane: normal index0 + j, or index[j] when index is
 * given; rejected lanes are marked in `slow`. */
PS_SIMD_CLONES static size_t zig_fast(uint64_t base, uint64_t index0, const uint64_t *restrict index,
                                      size_t n, double *restrict out, uint32_t *restrict word,
                                      uint8_t *restrict slow)
{
    size_t n_slow = 0;
    for (size_t j = 0; j < n; j++) {
        const uint64_t at = index ? index[j] : index0 + j;
        const uint32_t w = (uint32_t)(splitmix64_mix(base + at * 0x9E3779B97F4A7C15ull) >> 32);
        const int32_t h = (int32_t)w >> 8;
        const uint32_t i = w & (ZIG_STRIPS - 1);
        const uint32_t ah = (uint32_t)(h < 0 ? -h : h);
        const int rejected = ah >= zig.k[i];
        out[j] = (double)h * zig.w[i];
        word[j] = w;
        slow[j] = (uint8_t)rejected;
        n_slow += (size_t)rejected;
    }
    return n_slow;
}

static void normals(uint64_t seed, uint64_t stream, uint64_t index0, const uint64_t *index,
                    size_t n, double *out)
{
    pthread_once(&zig_once, zig_setup);
    const uint64_t base = splitmix64_mix(seed ^ splitmix64_mix(stream ^ 0x6A09E667F3BCC909ull));
    enum { CHUNK = 256 };
    uint32_t word[CHUNK];
    uint8_t slow[CHUNK];
    for (size_t j0 = 0; j0 < n; j0 += CHUNK) {
        const size_t m = n - j0 < CHUNK ? n - j0 : CHUNK;
        if (zig_fast(base, index0 + j0, index ? index + j0 : NULL, m, out + j0, word, slow) == 0)
            continue;
        for (size_t j = 0; j < m; j++) {
            if (!slow[j])
                continue;
            const uint64_t at = index ? index[j0 + j] : index0 + j0 + j;
            zig_more more = {seed, ps_rng_substream(stream, at), 0, {0, 0, 0, 0}, 4};
            out[j0 + j] = zig_slow(word[j], &more);
        }
    }
}

void ps_rng_normal_fill(uint64_t seed, uint64_t stream, uint64_t index0, size_t n, double *out)
{
    normals(seed, stream, index0, NULL, n, out);
}

void ps_rng_normal_at(uint64_t seed, uint64_t stream, const uint64_t *index, size_t n, double *out)
{
    normals(seed, stream, 0, index, n, out);
}
