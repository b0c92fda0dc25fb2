/* Vector clones of hot loops: on x86-64 with GCC, a function marked
 * PS_SIMD_CLONES is compiled for the x86-64-v4 (AVX-512 F/BW/CD/DQ/VL) and
 * x86-64-v3 (AVX2) levels and the baseline, and the loader picks the best
 * the CPU has. The loops so marked compute the same
 * bits in every clone (integer sums, or floating point without contraction
 * or reassociation: C11, -ffp-contract=off), so the choice never changes a
 * result. PS_NO_CLONES turns it off. */
#ifndef PS_SIMD_H
#define PS_SIMD_H

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && !defined(PS_NO_CLONES)
#define PS_SIMD_CLONES \
    __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define PS_SIMD_CLONES
#endif

#endif
