/* Training throughput of the edge-popup trainer on PRIME's N-MNIST network
 * (T = 10, batch 128): bench_train [THREADS] [BATCHES] [PACKED.nmnp]
 * Without a data file it uses synthetic 2x34x34 frames. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "train/trainer.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(int argc, char **argv)
{
    const int threads = argc > 1 ? atoi(argv[1]) : 2;
    const int batches = argc > 2 ? atoi(argv[2]) : 4;
    ps_trainer_config cfg;
    ps_trainer_config_defaults(&cfg);
    ps_error err = {0};
    ps_train_data *data = NULL;
    const size_t n = (size_t)batches * 128;
    ps_status s = argc > 3 ? ps_train_data_load(argv[3], &cfg.frames, 15, n, &err, &data)
                           : ps_train_data_synthetic(n, 10, 2, 34, 34, 10, 1, &err, &data);
    ps_trainer *tr = NULL;
    if (s == PS_OK)
        s = ps_trainer_create(&cfg, &err, &tr);
    if (s == PS_OK)
        s = ps_trainer_set_threads(tr, threads, &err);
    ps_epoch_metrics m;
    const double t0 = now_s();
    if (s == PS_OK)
        s = ps_trainer_train_epoch(tr, data, 0, NULL, NULL, &m, &err);
    if (s != PS_OK) {
        fprintf(stderr, "bench_train: %s\n", err.message);
        return 1;
    }
    const double secs = now_s() - t0;
    double acc;
    const double t1 = now_s();
    ps_trainer_evaluate(tr, data, NULL, &acc, NULL, NULL, &err);
    const double eval_s = now_s() - t1;
    printf("train: %zu samples in %.2f s = %.1f samples/s (%d threads); inference %.1f samples/s\n",
           data->count, secs, (double)data->count / secs, threads, (double)data->count / eval_s);
    ps_trainer_destroy(tr);
    ps_train_data_free(data);
    return 0;
}
