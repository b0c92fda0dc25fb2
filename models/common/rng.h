/* Counter-based random numbers keyed by (seed, stream, index).
 *
 * Every draw is a pure function of its key: Philox4x32-10 (Salmon et al.,
 * "Parallel random numbers: as easy as 1, 2, 3", SC 2011) with the 64-bit
 * seed as the key and (index, stream) as the 128-bit counter. A component
 * derives its stream from its config path (ps_rng_stream_of("tiles[3].adc"))
 * and numbers its draws itself, so results never depend on event order,
 * thread count or shard split. */
#ifndef PS_RNG_H
#define PS_RNG_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The raw block function: 4 output words from a 4-word counter and a
 * 2-word key, bit-exact with Random123's philox4x32 with 10 rounds. */
void ps_philox4x32_10(const uint32_t counter[4], const uint32_t key[2],
                      uint32_t out[4]);

/* 64 uniformly distributed bits. */
uint64_t ps_rng_u64(uint64_t seed, uint64_t stream, uint64_t index);

/* Uniform double in [0, 1) with 53 random bits. */
double ps_rng_uniform(uint64_t seed, uint64_t stream, uint64_t index);

/* Standard normal N(0, 1) by Box-Muller over one 128-bit block. */
double ps_rng_normal(uint64_t seed, uint64_t stream, uint64_t index);

/* Standard normals number index0 .. index0 + n - 1 of (seed, stream), by
 * the ziggurat method (Marsaglia & Tsang, J. Stat. Softw. 5(8), 2000; 128
 * strips). Normal i takes 32 bits of the SplitMix64 mix (Steele et al.,
 * OOPSLA 2014) of its counter: a strip (7 bits), a sign and a 24-bit
 * abscissa, accepted at once about 98.8 % of the time; a rejected draw
 * continues the exact ziggurat loop on Philox blocks of a stream derived
 * from (stream, i). So every value is a pure function of (seed, stream, i),
 * whatever n and index0 are, and the fast path (no log, no sincos, no
 * Philox) vectorises: several times cheaper than Box-Muller. For the
 * high-volume draws (read noise); the rest keep ps_rng_normal. */
void ps_rng_normal_fill(uint64_t seed, uint64_t stream, uint64_t index0, size_t n, double *out);
/* The same numbers at any indices: out[k] is normal index[k]. */
void ps_rng_normal_at(uint64_t seed, uint64_t stream, const uint64_t *index, size_t n, double *out);

/* Stream id of a component path (FNV-1a 64 of the text). */
uint64_t ps_rng_stream_of(const char *path);

/* A distinct stream derived from a parent stream and a purpose number,
 * e.g. read noise vs programming noise of the same array. */
uint64_t ps_rng_substream(uint64_t stream, uint64_t purpose);

/* A cursor for code that draws in sequence: still a pure function of
 * (seed, stream, index), the cursor only remembers the next index. */
typedef struct ps_rng {
    uint64_t seed;
    uint64_t stream;
    uint64_t index;
} ps_rng;

static inline ps_rng ps_rng_at(uint64_t seed, uint64_t stream, uint64_t index)
{
    ps_rng r = {seed, stream, index};
    return r;
}
static inline uint64_t ps_rng_next_u64(ps_rng *r) { return ps_rng_u64(r->seed, r->stream, r->index++); }
static inline double ps_rng_next_uniform(ps_rng *r) { return ps_rng_uniform(r->seed, r->stream, r->index++); }
static inline double ps_rng_next_normal(ps_rng *r) { return ps_rng_normal(r->seed, r->stream, r->index++); }

#ifdef __cplusplus
}
#endif

#endif
