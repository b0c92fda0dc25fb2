#include "stats.h"
#include "outfile.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"

static const ps_stat_desc descs[PS_ST_SPIKES_L0] = {
    {"sample", "", "sample index in the dataset"},
    {"label", "", "true class"},
    {"t", "", "timestep, 1-based"},
    {"prediction", "", "argmax of the running-mean output after t"},
    {"confidence", "", "max softmax probability after t"},
    {"stop", "", "1 if the early-stop rule fired after t at the run's threshold"},
    {"cycles", "cycles", "hybrid chip: cycles of this timestep, frame ready to decision"},
    {"latency_ns", "ns", "hybrid chip: cycles / clock"},
    {"hy_crossbar_pj", "pJ", "hybrid: memristor cell reads (V^2 G t)"},
    {"hy_dac_pj", "pJ", "hybrid: word-line drivers / DACs"},
    {"hy_adc_pj", "pJ", "hybrid: ADC conversions"},
    {"hy_accumulate_pj", "pJ", "hybrid: shift-and-add, partial-sum accumulates"},
    {"hy_lif_pj", "pJ", "hybrid: digital LIF and integrator updates"},
    {"hy_buffer_pj", "pJ", "hybrid: tile buffers"},
    {"hy_noc_pj", "pJ", "hybrid: network on chip (routers, links)"},
    {"hy_early_stop_pj", "pJ", "hybrid: early-stop decision logic"},
    {"hy_leakage_pj", "pJ", "hybrid: static power x elapsed time"},
    {"hy_total_pj", "pJ", "hybrid: sum of the components above"},
    {"synaptic_ops", "", "non-zero input level x kept pair, per read"},
    {"crossbar_reads", "", "array reads (zero-skipped reads excluded)"},
    {"analogue_cycles", "", "analogue read cycles (bit planes)"},
    {"active_rows", "", "word lines driven, summed over analogue cycles"},
    {"adc_conversions", "", "ADC conversions"},
    {"accumulates", "", "digital adds of shift-and-add and partial sums"},
    {"mac_equivalents", "", "dense MACs of the unpruned network in this timestep"},
    {"neuron_updates", "", "LIF and integrator neuron updates"},
    {"noc_flits", "", "flits injected into the NoC"},
    {"spikes", "", "spikes emitted by all LIF layers"},
    {"ev_sram_pj", "pJ", "event baseline: SRAM weight reads"},
    {"ev_alu_pj", "pJ", "event baseline: accumulates"},
    {"ev_neuron_pj", "pJ", "event baseline: neuron updates"},
    {"ev_noc_pj", "pJ", "event baseline: spike messages"},
    {"ev_early_stop_pj", "pJ", "event baseline: early-stop decision"},
    {"ev_leakage_pj", "pJ", "event baseline: static power x elapsed time"},
    {"ev_total_pj", "pJ", "event baseline: sum of its components"},
    {"ev_cycles", "cycles", "event baseline: cycles of this timestep"},
    {"ev_latency_ns", "ns", "event baseline: cycles / its clock"},
    {"dn_sram_pj", "pJ", "dense baseline: SRAM weight reads"},
    {"dn_alu_pj", "pJ", "dense baseline: multiplies and accumulates"},
    {"dn_neuron_pj", "pJ", "dense baseline: neuron updates"},
    {"dn_noc_pj", "pJ", "dense baseline: interconnect (not modelled: 0)"},
    {"dn_early_stop_pj", "pJ", "dense baseline: early-stop decision"},
    {"dn_leakage_pj", "pJ", "dense baseline: static power x elapsed time"},
    {"dn_total_pj", "pJ", "dense baseline: sum of its components"},
    {"dn_cycles", "cycles", "dense baseline: cycles of this timestep"},
    {"dn_latency_ns", "ns", "dense baseline: cycles / its clock"},
};

static char layer_names[PS_STATS_MAX_LAYERS][16];
static ps_stat_desc layer_descs[PS_STATS_MAX_LAYERS];

const ps_stat_desc *ps_stat_descriptor(ps_stat_id id)
{
    if ((int)id < 0 || id >= PS_ST_COUNT)
        return NULL;
    if (id < PS_ST_SPIKES_L0)
        return &descs[id];
    const int k = (int)id - PS_ST_SPIKES_L0;
    if (!layer_descs[k].name) { /* built once; the strings are constant after */
        snprintf(layer_names[k], sizeof layer_names[k], "spikes_l%d", k);
        layer_descs[k].unit = "";
        layer_descs[k].description = "spikes emitted by layer k (0 without spiking neurons)";
        layer_descs[k].name = layer_names[k];
    }
    return &layer_descs[k];
}

struct ps_stats_run {
    ps_stats_meta meta;
    ps_stats_record *rec;
    size_t n, cap;
};

static size_t n_columns(const ps_stats_meta *m) { return PS_ST_SPIKES_L0 + (size_t)m->n_layers; }

static ps_status check_meta(const ps_stats_meta *m, ps_error *err)
{
    if (!m)
        return ps_error_set(err, PS_ERR_INVALID_ARG, "stats: NULL meta");
    if (m->timesteps < 1 || m->n_layers < 0 || m->n_layers > PS_STATS_MAX_LAYERS ||
        m->n_thresholds > PS_STATS_MAX_THRESHOLDS || !(m->clock_mhz > 0))
        return ps_error_set(err, PS_ERR_RANGE,
                            "stats: timesteps >= 1, 0..%d layers, <= %d thresholds, clock > 0",
                            PS_STATS_MAX_LAYERS, PS_STATS_MAX_THRESHOLDS);
    return PS_OK;
}

ps_status ps_stats_create(const ps_stats_meta *meta, ps_error *err, ps_stats_run **out)
{
    if (!out)
        return ps_error_set(err, PS_ERR_INVALID_ARG, "stats: NULL out");
    *out = NULL;
    ps_status s = check_meta(meta, err);
    if (s != PS_OK)
        return s;
    ps_stats_run *r = NULL;
    if ((s = ps_calloc(1, sizeof *r, &r)) != PS_OK)
        return ps_error_set(err, s, "stats: out of memory");
    r->meta = *meta;
    r->meta.system[sizeof r->meta.system - 1] = '\0';
    *out = r;
    return PS_OK;
}

void ps_stats_destroy(ps_stats_run *r)
{
    if (r) {
        free(r->rec);
        free(r);
    }
}

void ps_stats_reset(ps_stats_run *r)
{
    if (r)
        r->n = 0;
}

ps_status ps_stats_add(ps_stats_run *r, const ps_stats_record *rec)
{
    if (!r || !rec)
        return PS_ERR_INVALID_ARG;
    if (r->n == r->cap) {
        const size_t cap = r->cap ? r->cap * 2 : 256;
        ps_status s = ps_realloc(cap, sizeof *r->rec, &r->rec);
        if (s != PS_OK)
            return s;
        r->cap = cap;
    }
    r->rec[r->n++] = *rec;
    return PS_OK;
}

const ps_stats_meta *ps_stats_get_meta(const ps_stats_run *r) { return r ? &r->meta : NULL; }
size_t ps_stats_count(const ps_stats_run *r) { return r ? r->n : 0; }
const ps_stats_record *ps_stats_records(const ps_stats_run *r) { return r ? r->rec : NULL; }

static int cmp_rec(const void *a, const void *b)
{
    const ps_stats_record *x = a, *y = b;
    for (int k = PS_ST_SAMPLE; k <= PS_ST_T; k += PS_ST_T - PS_ST_SAMPLE) {
        if (x->v[k] < y->v[k])
            return -1;
        if (x->v[k] > y->v[k])
            return 1;
    }
    return 0;
}

ps_status ps_stats_sort(ps_stats_run *r, ps_error *err)
{
    if (!r)
        return ps_error_set(err, PS_ERR_INVALID_ARG, "stats: NULL run");
    qsort(r->rec, r->n, sizeof *r->rec, cmp_rec);
    for (size_t i = 1; i < r->n; i++)
        if (cmp_rec(&r->rec[i - 1], &r->rec[i]) == 0)
            return ps_error_set(err, PS_ERR_FORMAT, "stats: sample %.0f timestep %.0f recorded twice",
                                r->rec[i].v[PS_ST_SAMPLE], r->rec[i].v[PS_ST_T]);
    return PS_OK;
}

ps_status ps_stats_record_fill(ps_stats_record *rec, const ps_stats_meta *meta, uint64_t sample,
                               int32_t label, int64_t t, int32_t prediction, double confidence,
                               const ps_stats_hybrid_step *h, ps_baseline *b,
                               const ps_baseline_params *bp)
{
    if (!rec || !meta || !h || !b || !bp)
        return PS_ERR_INVALID_ARG;
    memset(rec, 0, sizeof *rec);
    double *v = rec->v;
    v[PS_ST_SAMPLE] = (double)sample;
    v[PS_ST_LABEL] = label;
    v[PS_ST_T] = (double)t;
    v[PS_ST_PREDICTION] = prediction;
    v[PS_ST_CONFIDENCE] = confidence;
    v[PS_ST_STOP] = confidence > meta->theta ? 1.0 : 0.0;
    v[PS_ST_CYCLES] = (double)h->cycles;
    v[PS_ST_LATENCY_NS] = (double)h->cycles * 1e3 / meta->clock_mhz;
    v[PS_ST_HY_CROSSBAR_PJ] = h->crossbar_pj;
    v[PS_ST_HY_DAC_PJ] = h->dac_pj;
    v[PS_ST_HY_ADC_PJ] = h->adc_pj;
    v[PS_ST_HY_ACCUMULATE_PJ] = h->accumulate_pj;
    v[PS_ST_HY_LIF_PJ] = h->lif_pj;
    v[PS_ST_HY_BUFFER_PJ] = h->buffer_pj;
    v[PS_ST_HY_NOC_PJ] = h->noc_pj;
    v[PS_ST_HY_EARLY_STOP_PJ] = h->early_stop_pj;
    v[PS_ST_HY_LEAKAGE_PJ] = bp->leakage_hybrid_mw * v[PS_ST_LATENCY_NS];
    double sum = 0.0;
    for (int k = PS_ST_HY_CROSSBAR_PJ; k < PS_ST_HY_TOTAL_PJ; k++)
        sum += v[k];
    v[PS_ST_HY_TOTAL_PJ] = sum;
    const ps_baseline_network *net = ps_baseline_get_network(b);
    v[PS_ST_SYNAPTIC_OPS] = (double)h->synaptic_ops;
    v[PS_ST_CROSSBAR_READS] = (double)h->crossbar_reads;
    v[PS_ST_ANALOGUE_CYCLES] = (double)h->analogue_cycles;
    v[PS_ST_ACTIVE_ROWS] = (double)h->active_rows;
    v[PS_ST_ADC_CONVERSIONS] = (double)h->adc_conversions;
    v[PS_ST_ACCUMULATES] = (double)h->accumulates;
    v[PS_ST_MAC_EQUIVALENTS] = (double)net->dense_macs;
    v[PS_ST_NEURON_UPDATES] = (double)net->neurons;
    v[PS_ST_NOC_FLITS] = (double)h->noc_flits;
    v[PS_ST_SPIKES] = (double)h->spikes;
    for (int64_t k = 0; k < meta->n_layers; k++)
        v[PS_ST_SPIKES_L0 + k] = (double)h->spikes_per_layer[k];

    ps_baseline_work w = {h->synaptic_ops, h->spikes, h->lif_pj, h->early_stop_pj,
                          h->early_stop_cycles};
    ps_baseline_step ev, de;
    ps_status s = ps_baseline_step_run(b, &w, &ev, &de);
    if (s != PS_OK)
        return s;
    const ps_baseline_step *steps[2] = {&ev, &de};
    const int base[2] = {PS_ST_EV_SRAM_PJ, PS_ST_DN_SRAM_PJ};
    for (int i = 0; i < 2; i++) {
        double *o = v + base[i];
        const ps_baseline_step *st = steps[i];
        o[0] = st->sram_pj;
        o[1] = st->alu_pj;
        o[2] = st->neuron_pj;
        o[3] = st->noc_pj;
        o[4] = st->early_stop_pj;
        o[5] = st->leakage_pj;
        o[6] = o[0] + o[1] + o[2] + o[3] + o[4] + o[5];
        o[7] = (double)st->cycles;
        o[8] = st->latency_ns;
    }
    return PS_OK;
}

/* ---- summary -------------------------------------------------------------- */

/* Stop step of the sample in rec[0..n) at theta; 0 when beyond the trace. */
static int64_t stop_step(const ps_stats_record *rec, size_t n, int64_t T, double theta)
{
    for (size_t i = 0; i < n; i++)
        if (rec[i].v[PS_ST_CONFIDENCE] > theta)
            return (int64_t)rec[i].v[PS_ST_T];
    const int64_t last = n ? (int64_t)rec[n - 1].v[PS_ST_T] : 0;
    return last == T ? T : 0;
}

/* Calls fn for each sample group of the sorted records. */
static size_t group_end(const ps_stats_run *r, size_t i)
{
    size_t j = i + 1;
    while (j < r->n && r->rec[j].v[PS_ST_SAMPLE] == r->rec[i].v[PS_ST_SAMPLE])
        j++;
    return j;
}

ps_status ps_stats_point_at(const ps_stats_run *r, double theta, ps_stats_point *out)
{
    if (!r || !out)
        return PS_ERR_INVALID_ARG;
    ps_stats_point p;
    memset(&p, 0, sizeof p);
    p.theta = theta;
    p.valid = true;
    const int64_t T = r->meta.timesteps;
    double correct = 0, steps = 0, ops_used = 0, ops_full = 0;
    bool full = true;
    for (size_t i = 0; i < r->n;) {
        const size_t j = group_end(r, i);
        const ps_stats_record *g = &r->rec[i];
        const int64_t s = stop_step(g, j - i, T, theta);
        if (s == 0) {
            p.valid = false;
            break;
        }
        if ((int64_t)g[j - i - 1].v[PS_ST_T] != T)
            full = false;
        p.samples++;
        steps += (double)s;
        for (size_t k = 0; k < j - i; k++) {
            const double *v = g[k].v;
            ops_full += v[PS_ST_SYNAPTIC_OPS];
            if (v[PS_ST_T] > (double)s)
                continue;
            if (v[PS_ST_T] == (double)s)
                correct += v[PS_ST_PREDICTION] == v[PS_ST_LABEL];
            ops_used += v[PS_ST_SYNAPTIC_OPS];
            p.mac_equivalents += v[PS_ST_MAC_EQUIVALENTS];
            p.hybrid_pj += v[PS_ST_HY_TOTAL_PJ];
            p.event_pj += v[PS_ST_EV_TOTAL_PJ];
            p.dense_pj += v[PS_ST_DN_TOTAL_PJ];
            for (int c = 0; c < 9; c++)
                p.hybrid_part_pj[c] += v[PS_ST_HY_CROSSBAR_PJ + c];
            for (int c = 0; c < 6; c++) {
                p.event_part_pj[c] += v[PS_ST_EV_SRAM_PJ + c];
                p.dense_part_pj[c] += v[PS_ST_DN_SRAM_PJ + c];
            }
            p.hybrid_ns += v[PS_ST_LATENCY_NS];
            p.event_ns += v[PS_ST_EV_LATENCY_NS];
            p.dense_ns += v[PS_ST_DN_LATENCY_NS];
        }
        i = j;
    }
    const double N = (double)p.samples;
    if (!p.valid || p.samples == 0) {
        const double nan = NAN;
        ps_stats_point z;
        memset(&z, 0, sizeof z);
        z.theta = theta;
        z.valid = false;
        z.samples = p.samples;
        double *fields[] = {&z.accuracy, &z.mean_timesteps, &z.load_saving_steps,
                            &z.load_saving_synops, &z.synaptic_ops, &z.mac_equivalents,
                            &z.hybrid_pj, &z.event_pj, &z.dense_pj, &z.hybrid_ns, &z.event_ns,
                            &z.dense_ns, &z.throughput_sps, &z.edp_pj_ns, &z.tops_per_w,
                            &z.event_ratio, &z.dense_ratio, &z.event_latency_ratio,
                            &z.dense_latency_ratio};
        for (size_t k = 0; k < sizeof fields / sizeof fields[0]; k++)
            *fields[k] = nan;
        for (int c = 0; c < 9; c++)
            z.hybrid_part_pj[c] = nan;
        for (int c = 0; c < 6; c++)
            z.event_part_pj[c] = z.dense_part_pj[c] = nan;
        *out = z;
        return PS_OK;
    }
    p.accuracy = correct / N;
    p.mean_timesteps = steps / N;
    p.load_saving_steps = 1.0 - steps / (N * (double)T);
    p.load_saving_synops = full && ops_full > 0 ? 1.0 - ops_used / ops_full : NAN;
    p.synaptic_ops = ops_used / N;
    p.mac_equivalents /= N;
    p.hybrid_pj /= N;
    p.event_pj /= N;
    p.dense_pj /= N;
    for (int c = 0; c < 9; c++)
        p.hybrid_part_pj[c] /= N;
    for (int c = 0; c < 6; c++) {
        p.event_part_pj[c] /= N;
        p.dense_part_pj[c] /= N;
    }
    p.hybrid_ns /= N;
    p.event_ns /= N;
    p.dense_ns /= N;
    p.throughput_sps = p.hybrid_ns > 0 ? 1e9 / p.hybrid_ns : NAN;
    p.edp_pj_ns = p.hybrid_pj * p.hybrid_ns;
    p.tops_per_w = p.hybrid_pj > 0 ? 2.0 * p.mac_equivalents / p.hybrid_pj : NAN;
    p.event_ratio = p.event_pj / p.hybrid_pj;
    p.dense_ratio = p.dense_pj / p.hybrid_pj;
    p.event_latency_ratio = p.hybrid_ns > 0 ? p.event_ns / p.hybrid_ns : NAN;
    p.dense_latency_ratio = p.hybrid_ns > 0 ? p.dense_ns / p.hybrid_ns : NAN;
    *out = p;
    return PS_OK;
}

ps_status ps_stats_stop_histogram(const ps_stats_run *r, uint64_t *hist)
{
    if (!r || !hist)
        return PS_ERR_INVALID_ARG;
    memset(hist, 0, sizeof *hist * (size_t)r->meta.timesteps);
    for (size_t i = 0; i < r->n;) {
        const size_t j = group_end(r, i);
        const int64_t s = stop_step(&r->rec[i], j - i, r->meta.timesteps, r->meta.theta);
        if (s > 0)
            hist[s - 1]++;
        i = j;
    }
    return PS_OK;
}

/* ---- timesteps.csv ------------------------------------------------------------- */

static void put_num(FILE *f, double x)
{
    if (isnan(x))
        fputs("nan", f);
    else
        fprintf(f, "%.17g", x);
}

ps_status ps_stats_write_csv(const ps_stats_run *r, const char *path, ps_error *err)
{
    if (!r || !path)
        return ps_error_set(err, PS_ERR_INVALID_ARG, "stats: NULL argument");
    ps_outfile out;
    const ps_status opened = ps_outfile_open(&out, path, err);
    if (opened != PS_OK)
        return opened;
    FILE *f = out.f;
    const ps_stats_meta *m = &r->meta;
    fprintf(f, "# primesim timesteps 1\n# system: %s\n# timesteps: %lld\n# n_layers: %lld\n",
            m->system, (long long)m->timesteps, (long long)m->n_layers);
    fprintf(f, "# clock_mhz: %.17g\n# theta: %.17g\n# early_stop: %d\n# timed: %d\n# thresholds:",
            m->clock_mhz, m->theta, m->early_stop ? 1 : 0, m->timed ? 1 : 0);
    for (size_t i = 0; i < m->n_thresholds; i++)
        fprintf(f, "%s%.17g", i ? "," : " ", m->thresholds[i]);
    fputc('\n', f);
    const size_t nc = n_columns(m);
    for (size_t c = 0; c < nc; c++)
        fprintf(f, "%s%s", c ? "," : "", ps_stat_descriptor((ps_stat_id)c)->name);
    fputc('\n', f);
    for (size_t i = 0; i < r->n; i++) {
        for (size_t c = 0; c < nc; c++) {
            if (c)
                fputc(',', f);
            put_num(f, r->rec[i].v[c]);
        }
        fputc('\n', f);
    }
    return ps_outfile_close(&out, err);
}

static ps_status parse_meta_line(ps_stats_meta *m, const char *line)
{
    char key[64];
    int off = 0;
    if (sscanf(line, "# %63[a-z_]:%n", key, &off) != 1 || off == 0)
        return PS_OK; /* a comment */
    const char *val = line + off;
    while (*val == ' ')
        val++;
    if (!strcmp(key, "system")) {
        snprintf(m->system, sizeof m->system, "%s", val);
        m->system[strcspn(m->system, "\r\n")] = '\0';
    } else if (!strcmp(key, "timesteps")) {
        m->timesteps = strtoll(val, NULL, 10);
    } else if (!strcmp(key, "n_layers")) {
        m->n_layers = strtoll(val, NULL, 10);
    } else if (!strcmp(key, "clock_mhz")) {
        m->clock_mhz = strtod(val, NULL);
    } else if (!strcmp(key, "theta")) {
        m->theta = strtod(val, NULL);
    } else if (!strcmp(key, "early_stop")) {
        m->early_stop = strtol(val, NULL, 10) != 0;
    } else if (!strcmp(key, "timed")) {
        m->timed = strtol(val, NULL, 10) != 0;
    } else if (!strcmp(key, "thresholds")) {
        m->n_thresholds = 0;
        char *end = NULL;
        const char *p = val;
        while (*p && *p != '\n') {
            const double x = strtod(p, &end);
            if (end == p)
                return PS_ERR_FORMAT;
            if (m->n_thresholds == PS_STATS_MAX_THRESHOLDS)
                return PS_ERR_RANGE;
            m->thresholds[m->n_thresholds++] = x;
            p = end;
            if (*p == ',')
                p++;
        }
    }
    return PS_OK;
}

ps_status ps_stats_read_csv(const char *path, ps_error *err, ps_stats_run **out)
{
    if (!path || !out)
        return ps_error_set(err, PS_ERR_INVALID_ARG, "stats: NULL argument");
    *out = NULL;
    FILE *f = fopen(path, "r");
    if (!f)
        return ps_error_set(err, PS_ERR_IO, "%s: %s", path, strerror(errno));
    size_t cap = 1 << 16;
    char *line = malloc(cap);
    if (!line) {
        fclose(f);
        return ps_error_set(err, PS_ERR_NOMEM, "stats: out of memory");
    }
    ps_stats_meta m;
    memset(&m, 0, sizeof m);
    ps_stats_run *r = NULL;
    ps_status s = PS_OK;
    size_t lineno = 0;
    bool header = false, magic = false;
    while (fgets(line, (int)cap, f)) {
        lineno++;
        if (!strchr(line, '\n') && !feof(f)) {
            s = ps_error_set(err, PS_ERR_FORMAT, "%s:%zu: line too long", path, lineno);
            break;
        }
        if (line[0] == '#') {
            if (lineno == 1)
                magic = strncmp(line, "# primesim timesteps 1", 22) == 0;
            if ((s = parse_meta_line(&m, line)) != PS_OK) {
                ps_error_set(err, s, "%s:%zu: bad meta line", path, lineno);
                break;
            }
            continue;
        }
        if (!magic) {
            s = ps_error_set(err, PS_ERR_FOREIGN, "%s: not a primesim timesteps.csv", path);
            break;
        }
        if (!header) {
            header = true;
            if ((s = ps_stats_create(&m, err, &r)) != PS_OK) {
                ps_error_prefix(err, "%s", path);
                break;
            }
            /* The columns must be ours, in order. */
            char *p = line;
            for (size_t c = 0; c < n_columns(&m) && s == PS_OK; c++) {
                const char *name = ps_stat_descriptor((ps_stat_id)c)->name;
                const size_t len = strlen(name);
                if (strncmp(p, name, len) != 0 || (p[len] != ',' && p[len] != '\n' && p[len] != '\r'))
                    s = ps_error_set(err, PS_ERR_FORMAT, "%s: column %zu is not '%s'", path, c + 1,
                                     name);
                p += len + 1;
            }
            if (s != PS_OK)
                break;
            continue;
        }
        ps_stats_record rec;
        memset(&rec, 0, sizeof rec);
        char *p = line;
        for (size_t c = 0; c < n_columns(&m); c++) {
            char *end = NULL;
            rec.v[c] = strtod(p, &end);
            if (end == p || (*end != ',' && c + 1 < n_columns(&m))) {
                s = ps_error_set(err, PS_ERR_FORMAT, "%s:%zu: field %zu", path, lineno, c + 1);
                break;
            }
            p = end + 1;
        }
        if (s != PS_OK || (s = ps_stats_add(r, &rec)) != PS_OK)
            break;
    }
    free(line);
    fclose(f);
    if (s == PS_OK && !header)
        s = ps_error_set(err, PS_ERR_TRUNCATED, "%s: no column header", path);
    if (s == PS_OK)
        s = ps_stats_sort(r, err);
    if (s != PS_OK) {
        ps_stats_destroy(r);
        return s;
    }
    *out = r;
    return PS_OK;
}

ps_status ps_stats_merge(ps_stats_run *const *runs, size_t n, ps_error *err, ps_stats_run **out)
{
    if (!runs || n == 0 || !out)
        return ps_error_set(err, PS_ERR_INVALID_ARG, "merge: no runs");
    *out = NULL;
    const ps_stats_meta *m = &runs[0]->meta;
    for (size_t i = 1; i < n; i++) {
        const ps_stats_meta *o = &runs[i]->meta;
        bool same = o->timesteps == m->timesteps && o->n_layers == m->n_layers &&
                    o->clock_mhz == m->clock_mhz && o->theta == m->theta &&
                    o->early_stop == m->early_stop && o->timed == m->timed &&
                    o->n_thresholds == m->n_thresholds && !strcmp(o->system, m->system);
        for (size_t k = 0; same && k < m->n_thresholds; k++)
            same = o->thresholds[k] == m->thresholds[k];
        if (!same)
            return ps_error_set(err, PS_ERR_FORMAT, "merge: run %zu has other settings than run 0",
                                i);
    }
    ps_stats_run *r = NULL;
    ps_status s = ps_stats_create(m, err, &r);
    for (size_t i = 0; s == PS_OK && i < n; i++)
        for (size_t k = 0; s == PS_OK && k < runs[i]->n; k++)
            s = ps_stats_add(r, &runs[i]->rec[k]);
    if (s == PS_OK)
        s = ps_stats_sort(r, err);
    if (s != PS_OK) {
        ps_stats_destroy(r);
        return s;
    }
    *out = r;
    return PS_OK;
}
