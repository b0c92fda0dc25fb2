#include "data/events.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"

void ps_event_buf_init(ps_event_buf *b) { memset(b, 0, sizeof *b); }

void ps_event_buf_free(ps_event_buf *b)
{
    free(b->ev);
    ps_event_buf_init(b);
}

void ps_event_buf_clear(ps_event_buf *b) { b->count = 0; }

ps_status ps_event_buf_reserve(ps_event_buf *b, size_t capacity)
{
    if (capacity <= b->capacity)
        return PS_OK;
    size_t grown = b->capacity ? b->capacity * 2 : 1024;
    if (grown < capacity)
        grown = capacity;
    ps_event *ev = b->ev;
    ps_status st = ps_realloc(grown, sizeof *ev, &ev);
    if (st != PS_OK)
        return st;
    b->ev = ev;
    b->capacity = grown;
    return PS_OK;
}

ps_status ps_event_buf_push(ps_event_buf *b, ps_event e)
{
    if (b->count == b->capacity) {
        ps_status st = ps_event_buf_reserve(b, b->count + 1);
        if (st != PS_OK)
            return st;
    }
    b->ev[b->count++] = e;
    return PS_OK;
}

void ps_event_issues_clear(ps_event_issues *is) { memset(is, 0, sizeof *is); }

uint64_t ps_event_issues_total(const ps_event_issues *is)
{
    uint64_t t = 0;
    for (int k = 0; k < PS_BAD_KIND_COUNT; k++)
        t += is->count[k];
    return t;
}

void ps_event_issues_merge(ps_event_issues *a, const ps_event_issues *b)
{
    for (int k = 0; k < PS_BAD_KIND_COUNT; k++)
        a->count[k] += b->count[k];
    a->files_with_issues += b->files_with_issues;
    if (!a->first[0] && b->first[0])
        memcpy(a->first, b->first, sizeof a->first);
}

const char *ps_bad_event_name(ps_bad_event kind)
{
    switch (kind) {
    case PS_BAD_TRUNCATED:
        return "truncated event";
    case PS_BAD_COORDINATE:
        return "coordinate outside 34x34";
    case PS_BAD_TIME_BACKWARDS:
        return "timestamp going backwards";
    default:
        return "unknown";
    }
}

void ps_sample_stats_of(const ps_event *ev, size_t n, uint32_t saccade_us, ps_sample_stats *out)
{
    memset(out, 0, sizeof *out);
    out->events = n;
    if (n == 0)
        return;
    out->first_t_us = ev[0].t_us;
    out->last_t_us = ev[n - 1].t_us;
    for (size_t i = 0; i < n; i++) {
        out->on += ev[i].p != 0;
        uint32_t k = saccade_us ? ev[i].t_us / saccade_us : 0;
        out->saccade[k > 2 ? 2 : k]++;
    }
}

void ps_event_summary_clear(ps_event_summary *s)
{
    memset(s, 0, sizeof *s);
    s->min_events = UINT64_MAX;
}

void ps_event_summary_add(ps_event_summary *s, const ps_sample_stats *one)
{
    s->samples++;
    s->events += one->events;
    s->on += one->on;
    s->sum_events += (double)one->events;
    s->sum_sq_events += (double)one->events * (double)one->events;
    if (one->events < s->min_events)
        s->min_events = one->events;
    if (one->events > s->max_events)
        s->max_events = one->events;
    if (one->events) {
        s->sum_duration_us += (double)(one->last_t_us - one->first_t_us);
        if (one->last_t_us > s->max_t_us)
            s->max_t_us = one->last_t_us;
    }
    for (int k = 0; k < 3; k++)
        s->saccade[k] += one->saccade[k];
}

double ps_event_summary_mean(const ps_event_summary *s)
{
    return s->samples ? s->sum_events / (double)s->samples : 0.0;
}

double ps_event_summary_sd(const ps_event_summary *s)
{
    if (s->samples < 2)
        return 0.0;
    double n = (double)s->samples, mean = s->sum_events / n;
    double var = (s->sum_sq_events - n * mean * mean) / (n - 1.0);
    return var > 0.0 ? sqrt(var) : 0.0;
}

double ps_event_summary_on_fraction(const ps_event_summary *s)
{
    return s->events ? (double)s->on / (double)s->events : 0.0;
}

double ps_event_summary_mean_duration_ms(const ps_event_summary *s)
{
    return s->samples ? s->sum_duration_us / (double)s->samples / 1000.0 : 0.0;
}

double ps_event_summary_mean_saccade(const ps_event_summary *s, int k)
{
    return s->samples && k >= 0 && k < 3 ? (double)s->saccade[k] / (double)s->samples : 0.0;
}
