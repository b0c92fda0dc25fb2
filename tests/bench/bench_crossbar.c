/* Crossbar reads per second: a 512-row array with binary inputs at 10 %
 * activity (51 active rows, sparse spike list), read noise on and off,
 * 512 and 256 differential-pair columns.
 * Usage: bench_crossbar [seconds per case, default 1] */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "common/rng.h"
#include "crossbar.h"
#include "dac.h"
#include "device.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

#define N_PATTERNS 64

static int run(int64_t cols, double sigma, double seconds)
{
    ps_error err = {0};
    ps_device_params dp;
    ps_params_set_defaults(&ps_device_param_table, &dp);
    dp.read_noise_rel = sigma;
    ps_dac_params ap;
    ps_params_set_defaults(&ps_dac_param_table, &ap);
    ps_crossbar_params xp;
    ps_params_set_defaults(&ps_crossbar_param_table, &xp);
    xp.rows = 512;
    xp.cols = cols;
    ps_device *dev = NULL;
    ps_dac *dac = NULL;
    ps_crossbar *xb = NULL;
    ps_device_key key = {1, ps_rng_stream_of("bench.array")};
    if (ps_device_create(&dp, NULL, &err, &dev) || ps_dac_create(&ap, &err, &dac) ||
        ps_crossbar_create(&xp, dev, dac, key, &err, &xb) || ps_crossbar_form(xb)) {
        fprintf(stderr, "bench_crossbar: %s\n", err.message);
        return 1;
    }
    /* 10 % of 512 rows: 51 distinct rows per pattern (partial Fisher-Yates). */
    enum { ACTIVE = 51 };
    static uint32_t lists[N_PATTERNS][ACTIVE];
    for (int p = 0; p < N_PATTERNS; p++) {
        uint32_t perm[512];
        for (uint32_t i = 0; i < 512; i++)
            perm[i] = i;
        for (uint32_t i = 0; i < ACTIVE; i++) {
            uint32_t j = i + (uint32_t)(ps_rng_u64(7, (uint64_t)p, i) % (512 - i));
            uint32_t t = perm[i]; perm[i] = perm[j]; perm[j] = t;
            lists[p][i] = perm[i];
        }
    }
    double *out = malloc((size_t)cols * sizeof *out);
    double checksum = 0.0;
    uint64_t reads = 0;
    const double t0 = now_s();
    double t1 = t0;
    while (t1 - t0 < seconds) {
        for (int k = 0; k < 256; k++, reads++) {
            ps_crossbar_read_binary(xb, lists[reads % N_PATTERNS], ACTIVE, reads, out, NULL);
            checksum += out[reads % (uint64_t)cols];
        }
        t1 = now_s();
    }
    printf("512 x %-3lld pairs, 10%% activity (51 rows), read noise %-4s: %9.0f reads/s "
           "(%.2f us/read, checksum %.3g)\n",
           (long long)cols, sigma > 0 ? "on" : "off", (double)reads / (t1 - t0),
           1e6 * (t1 - t0) / (double)reads, checksum);
    free(out);
    ps_crossbar_destroy(xb);
    ps_dac_destroy(dac);
    ps_device_destroy(dev);
    return 0;
}

int main(int argc, char **argv)
{
    const double seconds = argc > 1 ? atof(argv[1]) : 1.0;
    int rc = 0;
    rc |= run(512, 0.0, seconds);
    rc |= run(512, 0.02, seconds);
    rc |= run(256, 0.0, seconds);
    rc |= run(256, 0.02, seconds);
    return rc;
}
