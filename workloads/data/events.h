/* Address events of a 34x34 two-polarity event camera (the N-MNIST sensor
 * geometry), a growable event buffer, the bookkeeping of bad events a
 * reader skipped, and the per-sample statistics `primesim data stats`
 * prints (events per sample, ON fraction, duration, events per saccade). */
#ifndef PS_DATA_EVENTS_H
#define PS_DATA_EVENTS_H

#include <stddef.h>
#include <stdint.h>

#include "common/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PS_EVENT_WIDTH 34
#define PS_EVENT_HEIGHT 34
#define PS_EVENT_MAX_T_US ((1u << 23) - 1u) /* the N-MNIST format's 23-bit timestamp */

typedef struct ps_event {
    uint32_t t_us; /* microseconds from the start of the recording */
    uint8_t x;     /* 0..33, column */
    uint8_t y;     /* 0..33, row */
    uint8_t p;     /* 1 = ON (brighter), 0 = OFF */
    uint8_t pad_;  /* zero */
} ps_event;

typedef struct ps_event_buf {
    ps_event *ev;
    size_t count;
    size_t capacity;
} ps_event_buf;

void ps_event_buf_init(ps_event_buf *b);
void ps_event_buf_free(ps_event_buf *b);
void ps_event_buf_clear(ps_event_buf *b);
/* Makes room for at least capacity events (keeps the content). */
ps_status ps_event_buf_reserve(ps_event_buf *b, size_t capacity);
ps_status ps_event_buf_push(ps_event_buf *b, ps_event e);

/* Kinds of bad input a reader can meet, counted when it skips them. */
typedef enum ps_bad_event {
    PS_BAD_TRUNCATED,      /* trailing bytes that do not make a whole event */
    PS_BAD_COORDINATE,     /* x or y outside 0..33 */
    PS_BAD_TIME_BACKWARDS, /* timestamp below the previous kept event's */
    PS_BAD_KIND_COUNT
} ps_bad_event;

/* What a non-strict reader skipped, summed over any number of files. */
typedef struct ps_event_issues {
    uint64_t count[PS_BAD_KIND_COUNT];
    uint64_t files_with_issues;
    char first[400]; /* message of the first skipped event: file, event index, reason */
} ps_event_issues;

void ps_event_issues_clear(ps_event_issues *is);
uint64_t ps_event_issues_total(const ps_event_issues *is);
/* Adds b's counts into a (keeps a's first message if it has one). */
void ps_event_issues_merge(ps_event_issues *a, const ps_event_issues *b);
const char *ps_bad_event_name(ps_bad_event kind);

/* Statistics of one sample. Saccade k (0, 1, 2) holds the events with
 * k * saccade_us <= t_us < (k + 1) * saccade_us; the last one also takes
 * everything later (N-MNIST's three ~100 ms saccades; tonic's
 * first_saccade_only uses the same 100 ms cut). */
typedef struct ps_sample_stats {
    uint64_t events;
    uint64_t on;
    uint32_t first_t_us, last_t_us;
    uint64_t saccade[3];
} ps_sample_stats;

void ps_sample_stats_of(const ps_event *ev, size_t n, uint32_t saccade_us, ps_sample_stats *out);

/* Running summary over samples. */
typedef struct ps_event_summary {
    uint64_t samples;
    uint64_t events, on;
    double sum_events, sum_sq_events;
    uint64_t min_events, max_events;
    double sum_duration_us;  /* last - first timestamp */
    uint32_t max_t_us;
    uint64_t saccade[3];
} ps_event_summary;

void ps_event_summary_clear(ps_event_summary *s);
void ps_event_summary_add(ps_event_summary *s, const ps_sample_stats *one);
double ps_event_summary_mean(const ps_event_summary *s);
double ps_event_summary_sd(const ps_event_summary *s); /* sample sd (n - 1) */
double ps_event_summary_on_fraction(const ps_event_summary *s);
double ps_event_summary_mean_duration_ms(const ps_event_summary *s);
double ps_event_summary_mean_saccade(const ps_event_summary *s, int k);

#ifdef __cplusplus
}
#endif

#endif
