#include "noc.h"

#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"

static const ps_param_desc noc_params[] = {
    PS_PARAM_INT(ps_noc_params, mesh_x, 4, 1, 1024, "", "routers per mesh row", NULL),
    PS_PARAM_INT(ps_noc_params, mesh_y, 4, 1, 1024, "", "rows of routers", NULL),
    PS_PARAM_INT(ps_noc_params, flit_bits, 32, 8, 4096, "bits", "payload bits of one flit",
                 "Noxim default flit (its power table is per 32-bit flit)"),
    PS_PARAM_INT(ps_noc_params, buffer_flits, 4, 1, 1024, "flits", "depth of each router input buffer",
                 "Noxim default buffer depth 4"),
    PS_PARAM_INT(ps_noc_params, router_cycles, 1, 1, 64, "cycles",
                 "router pipeline: buffer write to switch traversal", NULL),
    PS_PARAM_INT(ps_noc_params, link_cycles, 1, 1, 64, "cycles",
                 "switch traversal to the neighbour's input buffer", NULL),
    PS_PARAM_INT(ps_noc_params, credit_cycles, 1, 1, 64, "cycles",
                 "a freed buffer slot reaches the upstream credit counter", NULL),
    PS_PARAM_DOUBLE(ps_noc_params, link_mm, 1.0, 0.0, 100.0, "mm",
                    "wire between neighbouring routers (tile pitch)", NULL),
};

const ps_param_table ps_noc_param_table = PS_PARAM_TABLE(
    "noc", "2D mesh: XY routing, credit flow control, wormhole, round-robin", ps_noc_params,
    noc_params);

enum { P_LOCAL = 0, P_NORTH, P_EAST, P_SOUTH, P_WEST, N_PORTS };

typedef struct flit {
    uint32_t pkt;
    uint8_t head, tail;
    uint64_t when; /* buffer: ready cycle; link: arrival cycle */
} flit;

typedef struct ring {
    flit *f;
    uint32_t first, count;
} ring;

typedef struct credit_ring {
    uint64_t *when;
    uint32_t first, count;
} credit_ring;

typedef struct router {
    ring in[N_PORTS];
    ring link[N_PORTS];         /* flits on the wire leaving by each output */
    credit_ring credit[N_PORTS];/* credits returning to each output */
    int64_t credits[N_PORTS];
    int32_t owner[N_PORTS];     /* input owning each output, -1 free */
    int32_t rr_last[N_PORTS];
    int32_t neighbour[N_PORTS]; /* router id, -1 at the edge */
    int64_t work;               /* flits buffered or on links + credits pending */
    uint32_t *queue;            /* packets waiting at this node, by (cycle, seq) */
    size_t queued, queue_cap;
} router;

typedef struct packet {
    int32_t src, dst, n_flits, sent;
    uint64_t tag, cycle, seq;
    uint32_t next_free;
} packet;

struct ps_noc {
    ps_noc_params p;
    ps_energy_hybrid_params e;
    double hop_link_pj;
    int64_t n;
    router *r;
    packet *pk;
    uint32_t n_pk, cap_pk, free_pk;
    uint64_t now, seq;
    int64_t in_flight; /* flits buffered or on links */
    size_t queued;     /* packets not fully injected */
    ps_noc_delivery *done;
    size_t n_done, first_done, cap_done;
    ps_noc_stats st;
    ps_noc_cycle_hook hook;
    void *hook_ctx;
    /* bit i: router i may have work or queued packets (set when either
     * grows, cleared when a visit finds both zero), so a cycle visits the
     * busy routers, not the mesh */
    uint64_t *active;
    int64_t n_words;
};

static inline void mark_active(ps_noc *noc, int64_t i) { noc->active[i >> 6] |= UINT64_C(1) << (i & 63); }

#define NO_PACKET UINT32_MAX

int64_t ps_noc_nodes(const ps_noc_params *p) { return p->mesh_x * p->mesh_y; }

int64_t ps_noc_hops(const ps_noc_params *p, int64_t src, int64_t dst)
{
    const int64_t dx = src % p->mesh_x - dst % p->mesh_x, dy = src / p->mesh_x - dst / p->mesh_x;
    return (dx < 0 ? -dx : dx) + (dy < 0 ? -dy : dy);
}

int64_t ps_noc_flits_for_bits(const ps_noc_params *p, uint64_t bits)
{
    const uint64_t f = (bits + (uint64_t)p->flit_bits - 1) / (uint64_t)p->flit_bits;
    return f < 1 ? 1 : (int64_t)f;
}

uint64_t ps_noc_uncontended_cycles(const ps_noc_params *p, int64_t hops, int64_t n_flits)
{
    return (uint64_t)(p->router_cycles + hops * (p->link_cycles + p->router_cycles) + n_flits - 1);
}

void ps_noc_destroy(ps_noc *noc)
{
    if (!noc)
        return;
    for (int64_t i = 0; noc->r && i < noc->n; i++) {
        router *r = &noc->r[i];
        for (int k = 0; k < N_PORTS; k++) {
            free(r->in[k].f);
            free(r->link[k].f);
            free(r->credit[k].when);
        }
        free(r->queue);
    }
    free(noc->r);
    free(noc->active);
    free(noc->pk);
    free(noc->done);
    free(noc);
}

static void clear_state(ps_noc *noc)
{
    const int64_t B = noc->p.buffer_flits;
    for (int64_t i = 0; i < noc->n; i++) {
        router *r = &noc->r[i];
        for (int k = 0; k < N_PORTS; k++) {
            r->in[k].first = r->in[k].count = 0;
            r->link[k].first = r->link[k].count = 0;
            r->credit[k].first = r->credit[k].count = 0;
            r->credits[k] = B;
            r->owner[k] = -1;
            r->rr_last[k] = N_PORTS - 1;
        }
        r->work = 0;
        r->queued = 0;
    }
    noc->n_pk = 0;
    noc->free_pk = NO_PACKET;
    noc->now = noc->seq = 0;
    noc->in_flight = 0;
    noc->queued = 0;
    noc->n_done = noc->first_done = 0;
    memset(noc->active, 0, (size_t)noc->n_words * sizeof *noc->active);
    memset(&noc->st, 0, sizeof noc->st);
}

ps_status ps_noc_create(const ps_noc_params *p, const ps_energy_hybrid_params *energy,
                        ps_error *err, ps_noc **out)
{
    if (!p || !out)
        return ps_error_set(err, PS_ERR_INVALID_ARG, "noc: NULL argument");
    *out = NULL;
    ps_status s = ps_params_validate(&ps_noc_param_table, p, err);
    if (s != PS_OK) {
        ps_error_prefix(err, "noc");
        return s;
    }
    if (p->mesh_x * p->mesh_y > (1 << 20))
        return ps_error_set(err, PS_ERR_RANGE, "noc: more than 2^20 routers");
    ps_noc *noc = NULL;
    if (PS_CALLOC_ARRAY(noc, 1) != PS_OK)
        return ps_error_set(err, PS_ERR_NOMEM, "noc: out of memory");
    noc->p = *p;
    if (energy)
        noc->e = *energy;
    noc->hop_link_pj = noc->e.noc_link_pj_per_bit_mm * (double)p->flit_bits * p->link_mm;
    noc->n = p->mesh_x * p->mesh_y;
    const size_t B = (size_t)p->buffer_flits;
    noc->n_words = (noc->n + 63) / 64;
    if (PS_CALLOC_ARRAY(noc->r, (size_t)noc->n) != PS_OK ||
        PS_CALLOC_ARRAY(noc->active, (size_t)noc->n_words) != PS_OK)
        goto nomem;
    for (int64_t i = 0; i < noc->n; i++) {
        router *r = &noc->r[i];
        const int64_t x = i % p->mesh_x, y = i / p->mesh_x;
        r->neighbour[P_LOCAL] = -1;
        r->neighbour[P_NORTH] = y > 0 ? (int32_t)(i - p->mesh_x) : -1;
        r->neighbour[P_EAST] = x + 1 < p->mesh_x ? (int32_t)(i + 1) : -1;
        r->neighbour[P_SOUTH] = y + 1 < p->mesh_y ? (int32_t)(i + p->mesh_x) : -1;
        r->neighbour[P_WEST] = x > 0 ? (int32_t)(i - 1) : -1;
        for (int k = 0; k < N_PORTS; k++)
            if (ps_calloc(B, sizeof(flit), &r->in[k].f) != PS_OK ||
                ps_calloc(B, sizeof(flit), &r->link[k].f) != PS_OK ||
                ps_calloc(B, sizeof(uint64_t), &r->credit[k].when) != PS_OK)
                goto nomem;
    }
    clear_state(noc);
    *out = noc;
    return PS_OK;
nomem:
    ps_noc_destroy(noc);
    return ps_error_set(err, PS_ERR_NOMEM, "noc: out of memory");
}

ps_status ps_noc_reset(ps_noc *noc)
{
    if (!noc)
        return PS_ERR_INVALID_ARG;
    clear_state(noc);
    return PS_OK;
}

ps_status ps_noc_stats_get(const ps_noc *noc, ps_noc_stats *out)
{
    if (!noc || !out)
        return PS_ERR_INVALID_ARG;
    *out = noc->st;
    out->buffer_energy_pj = (double)noc->st.router_traversals * noc->e.noc_buffer_flit_pj;
    out->crossbar_energy_pj = (double)noc->st.router_traversals * noc->e.noc_crossbar_flit_pj;
    out->link_energy_pj = (double)noc->st.link_traversals * noc->hop_link_pj;
    out->energy_pj = out->buffer_energy_pj + out->crossbar_energy_pj + out->link_energy_pj;
    return PS_OK;
}

const ps_noc_params *ps_noc_get_params(const ps_noc *noc) { return &noc->p; }
uint64_t ps_noc_now(const ps_noc *noc) { return noc->now; }
bool ps_noc_idle(const ps_noc *noc) { return noc->in_flight == 0 && noc->queued == 0; }

static inline flit *ring_front(ring *q) { return &q->f[q->first]; }
static inline void ring_pop(ring *q, uint32_t cap)
{
    if (++q->first == cap) /* no division: this runs for every flit move */
        q->first = 0;
    q->count--;
}
static inline void ring_push(ring *q, uint32_t cap, flit f)
{
    uint32_t k = q->first + q->count;
    if (k >= cap)
        k -= cap;
    q->f[k] = f;
    q->count++;
}

ps_status ps_noc_inject(ps_noc *noc, int64_t src, int64_t dst, int64_t n_flits, uint64_t tag,
                        uint64_t cycle)
{
    if (!noc || src < 0 || src >= noc->n || dst < 0 || dst >= noc->n || n_flits < 1 ||
        n_flits > INT32_MAX)
        return PS_ERR_INVALID_ARG;
    if (cycle <= noc->now)
        return PS_ERR_RANGE;
    uint32_t id;
    if (noc->free_pk != NO_PACKET) {
        id = noc->free_pk;
        noc->free_pk = noc->pk[id].next_free;
    } else {
        if (noc->n_pk == noc->cap_pk) {
            const uint32_t cap = noc->cap_pk ? noc->cap_pk * 2 : 64;
            if (ps_realloc(cap, sizeof *noc->pk, &noc->pk) != PS_OK)
                return PS_ERR_NOMEM;
            noc->cap_pk = cap;
        }
        id = noc->n_pk++;
    }
    router *r = &noc->r[src];
    if (r->queued == r->queue_cap) {
        const size_t cap = r->queue_cap ? r->queue_cap * 2 : 8;
        if (ps_realloc(cap, sizeof *r->queue, &r->queue) != PS_OK) {
            noc->pk[id].next_free = noc->free_pk;
            noc->free_pk = id;
            return PS_ERR_NOMEM;
        }
        r->queue_cap = cap;
    }
    packet *pk = &noc->pk[id];
    pk->src = (int32_t)src;
    pk->dst = (int32_t)dst;
    pk->n_flits = (int32_t)n_flits;
    pk->sent = 0;
    pk->tag = tag;
    pk->cycle = cycle;
    pk->seq = noc->seq++;
    /* Insert by (cycle, seq); the head may be partly injected and stays. */
    size_t k = r->queued;
    while (k > 0 && noc->pk[r->queue[k - 1]].cycle > cycle && noc->pk[r->queue[k - 1]].sent == 0)
        k--;
    memmove(r->queue + k + 1, r->queue + k, (r->queued - k) * sizeof *r->queue);
    r->queue[k] = id;
    r->queued++;
    mark_active(noc, src);
    noc->queued++;
    noc->st.packets_injected++;
    return PS_OK;
}

static int route(const ps_noc *noc, int64_t at, int64_t dst)
{
    const int64_t X = noc->p.mesh_x;
    const int64_t x = at % X, y = at / X, dx = dst % X, dy = dst / X;
    if (dx > x) return P_EAST;
    if (dx < x) return P_WEST;
    if (dy > y) return P_SOUTH;
    if (dy < y) return P_NORTH;
    return P_LOCAL;
}

static const int opposite[N_PORTS] = {P_LOCAL, P_SOUTH, P_WEST, P_NORTH, P_EAST};

static ps_status record_delivery(ps_noc *noc, uint32_t id, uint64_t c)
{
    if (noc->n_done == noc->cap_done) {
        const size_t cap = noc->cap_done ? noc->cap_done * 2 : 16;
        if (ps_realloc(cap, sizeof *noc->done, &noc->done) != PS_OK)
            return PS_ERR_NOMEM;
        noc->cap_done = cap;
    }
    packet *pk = &noc->pk[id];
    ps_noc_delivery d = {pk->tag, pk->src, pk->dst, pk->n_flits, pk->cycle, c};
    noc->done[noc->n_done++] = d;
    noc->st.packets_delivered++;
    noc->st.latency_cycles += c - pk->cycle;
    pk->next_free = noc->free_pk;
    noc->free_pk = id;
    return PS_OK;
}

/* Switch allocation and traversal of router i in cycle c. */
static ps_status switch_router(ps_noc *noc, int64_t i, router *r, uint64_t c)
{
    const uint32_t B = (uint32_t)noc->p.buffer_flits;
    int want[N_PORTS]; /* output wanted by each input's ready head flit, -1 none */
    unsigned wanted = 0; /* bit o: some input wants output o */
    for (int k = 0; k < N_PORTS; k++) {
        want[k] = -1;
        if (r->in[k].count) {
            const flit *f = ring_front(&r->in[k]);
            if (f->head && f->when <= c) {
                want[k] = route(noc, i, noc->pk[f->pkt].dst);
                wanted |= 1u << want[k];
            }
        }
    }
    for (int o = 0; o < N_PORTS; o++) {
        if (wanted >> o & 1u) { /* allocation; nothing to do for outputs nobody wants */
            if (r->owner[o] < 0) {
                int in = r->rr_last[o];
                for (int k = 1; k <= N_PORTS; k++) {
                    if (++in == N_PORTS)
                        in = 0;
                    if (want[in] == o) {
                        r->owner[o] = in;
                        r->rr_last[o] = in;
                        want[in] = -1;
                        break;
                    }
                }
            }
            for (int k = 0; k < N_PORTS; k++)
                if (want[k] == o && r->owner[o] != k)
                    noc->st.arbitration_losses++;
        }
        if (r->owner[o] < 0)
            continue;
        const int in = r->owner[o];
        ring *q = &r->in[in];
        if (!q->count || ring_front(q)->when > c)
            continue;
        if (o != P_LOCAL && r->credits[o] == 0) {
            noc->st.credit_stalls++;
            continue;
        }
        flit f = *ring_front(q);
        ring_pop(q, B);
        r->work--;
        noc->st.router_traversals++;
        if (in != P_LOCAL) { /* the slot is free: credit back upstream */
            router *up = &noc->r[r->neighbour[in]];
            credit_ring *cr = &up->credit[opposite[in]];
            uint32_t slot = cr->first + cr->count;
            if (slot >= B)
                slot -= B;
            cr->when[slot] = c + (uint64_t)noc->p.credit_cycles;
            cr->count++;
            up->work++;
            mark_active(noc, r->neighbour[in]);
        }
        if (f.tail)
            r->owner[o] = -1;
        if (o == P_LOCAL) {
            noc->in_flight--;
            noc->st.flits_delivered++;
            if (f.tail) {
                ps_status s = record_delivery(noc, f.pkt, c);
                if (s != PS_OK)
                    return s;
            }
        } else {
            r->credits[o]--;
            f.when = c + (uint64_t)noc->p.link_cycles;
            ring_push(&r->link[o], B, f);
            r->work++;
            noc->st.link_traversals++;
        }
    }
    return PS_OK;
}

/* One cycle c of router i: credits, arrivals, the switch, then injection
 * (a local slot freed by the switch this cycle takes the next flit). */
static ps_status step_router(ps_noc *noc, int64_t i, uint64_t c)
{
    router *r = &noc->r[i];
    const uint32_t B = (uint32_t)noc->p.buffer_flits;
    const uint64_t R = (uint64_t)noc->p.router_cycles;
    for (int o = 1; o < N_PORTS; o++) {
        credit_ring *cr = &r->credit[o];
        while (cr->count && cr->when[cr->first] <= c) {
            if (++cr->first == B)
                cr->first = 0;
            cr->count--;
            r->credits[o]++;
            r->work--;
        }
        ring *l = &r->link[o];
        while (l->count && ring_front(l)->when <= c) {
            flit f = *ring_front(l);
            ring_pop(l, B);
            r->work--;
            router *nb = &noc->r[r->neighbour[o]];
            f.when = c + R;
            ring_push(&nb->in[opposite[o]], B, f);
            nb->work++;
            mark_active(noc, r->neighbour[o]);
        }
    }
    if (r->work > 0) {
        ps_status s = switch_router(noc, i, r, c);
        if (s != PS_OK)
            return s;
    }
    if (r->queued && r->in[P_LOCAL].count < B) {
        packet *pk = &noc->pk[r->queue[0]];
        if (pk->cycle <= c) {
            flit f = {r->queue[0], pk->sent == 0, pk->sent + 1 == pk->n_flits, c + R};
            ring_push(&r->in[P_LOCAL], B, f);
            r->work++;
            noc->in_flight++;
            noc->st.flits_injected++;
            if (++pk->sent == pk->n_flits) {
                memmove(r->queue, r->queue + 1, (r->queued - 1) * sizeof *r->queue);
                r->queued--;
                noc->queued--;
            }
        }
    }
    return PS_OK;
}

/* With nothing in flight, every credit is home: settle them at once. */
static void settle_credits(ps_noc *noc)
{
    for (int64_t i = 0; i < noc->n; i++) {
        if (!(noc->active[i >> 6] >> (i & 63) & 1u))
            continue;
        router *r = &noc->r[i];
        if (!r->work)
            continue;
        for (int o = 1; o < N_PORTS; o++) {
            r->credits[o] += r->credit[o].count;
            r->credit[o].count = 0;
        }
        r->work = 0;
    }
}

static uint64_t next_injection(const ps_noc *noc)
{
    uint64_t best = UINT64_MAX;
    for (int64_t i = 0; i < noc->n; i++) {
        if (!(noc->active[i >> 6] >> (i & 63) & 1u))
            continue;
        const router *r = &noc->r[i];
        if (r->queued && noc->pk[r->queue[0]].cycle < best)
            best = noc->pk[r->queue[0]].cycle;
    }
    return best;
}

static size_t drain(ps_noc *noc, ps_noc_delivery *out, size_t cap)
{
    size_t n = noc->n_done - noc->first_done;
    if (n > cap)
        n = cap;
    if (n)
        memcpy(out, noc->done + noc->first_done, n * sizeof *out);
    noc->first_done += n;
    if (noc->first_done == noc->n_done)
        noc->first_done = noc->n_done = 0;
    return n;
}

ps_status ps_noc_run(ps_noc *noc, uint64_t until, ps_noc_delivery *out, size_t cap, size_t *n_out)
{
    if (!noc || !n_out || (cap && !out))
        return PS_ERR_INVALID_ARG;
    *n_out = 0;
    if (noc->n_done) {
        *n_out = drain(noc, out, cap);
        return noc->n_done ? PS_ERR_RANGE : PS_OK;
    }
    while (noc->now < until) {
        if (noc->in_flight == 0) {
            settle_credits(noc);
            if (noc->queued == 0)
                return PS_OK;
            const uint64_t next = next_injection(noc);
            if (next > until) {
                noc->now = until;
                return PS_OK;
            }
            noc->now = next - 1;
        }
        const uint64_t c = ++noc->now;
        noc->st.busy_cycles++;
        /* routers in index order, as a full scan would visit them: a word
         * is re-read after each visit, so a router made busy by a lower one
         * this cycle is visited too */
        for (int64_t j = 0; j < noc->n_words; j++) {
            uint64_t w = noc->active[j];
            while (w) {
                const int b = __builtin_ctzll(w);
                const int64_t i = j * 64 + b;
                const router *r = &noc->r[i];
                if (r->work == 0 && r->queued == 0) {
                    noc->active[j] &= ~(UINT64_C(1) << b);
                } else if (r->work != 0 || noc->pk[r->queue[0]].cycle <= c) {
                    ps_status s = step_router(noc, i, c);
                    if (s != PS_OK)
                        return s;
                }
                w = noc->active[j] & ~((UINT64_C(2) << b) - 1);
            }
        }
        if (noc->hook)
            noc->hook(noc->hook_ctx, noc, c);
        if (noc->n_done) {
            *n_out = drain(noc, out, cap);
            return noc->n_done ? PS_ERR_RANGE : PS_OK;
        }
    }
    return PS_OK;
}

int64_t ps_noc_flits_in_flight(const ps_noc *noc) { return noc ? noc->in_flight : 0; }

int64_t ps_noc_router_flits(const ps_noc *noc, int64_t node)
{
    if (!noc || node < 0 || node >= noc->n)
        return 0;
    int64_t n = 0;
    for (int k = 0; k < N_PORTS; k++)
        n += noc->r[node].in[k].count;
    return n;
}

void ps_noc_set_cycle_hook(ps_noc *noc, ps_noc_cycle_hook hook, void *ctx)
{
    if (!noc)
        return;
    noc->hook = hook;
    noc->hook_ctx = ctx;
}
