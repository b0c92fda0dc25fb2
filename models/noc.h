/* Cycle-accurate 2D mesh network-on-chip: wormhole routers with XY routing,
 * per-port input buffers with credit flow control, a router pipeline and
 * link latency, round-robin output arbitration; packets of flits.
 *
 * Nodes are numbered id = y * mesh_x + x. Ports: local, north (y - 1),
 * east (x + 1), south (y + 1), west (x - 1). Timing of one flit, with
 * R = router_cycles, L = link_cycles, C = credit_cycles:
 *   - a flit written into an input buffer at cycle w may cross the switch
 *     at cycle w + R at the earliest (route, allocation, switch);
 *   - a flit crossing the switch at cycle s towards a neighbour is written
 *     into the neighbour's input buffer at s + L; its slot in this buffer
 *     is free again for the upstream router's credit counter at s + C;
 *   - a packet injected at cycle c enters its source's local buffer one
 *     flit per cycle from c (if there is space); a flit crossing the
 *     destination's switch towards the local port is ejected that cycle.
 * Uncontended, a packet of n flits over h hops is delivered (tail ejected)
 * at c + R + h * (L + R) + (n - 1): ps_noc_uncontended_cycles.
 *
 * An output port belongs to one packet from its head to its tail flit
 * (wormhole); a free output picks among the inputs whose head flit wants
 * it, round-robin starting after the last winner. Within a cycle: credit
 * returns, link arrivals, injections, then switch traversal.
 *
 * Idle costs nothing: ps_noc_run jumps over cycles with no flit in flight
 * to the next injection; a busy cycle visits only routers holding flits. */
#ifndef PS_NOC_H
#define PS_NOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/params.h"
#include "common/status.h"
#include "energy.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ps_noc_params {
    int64_t mesh_x;        /* routers per row */
    int64_t mesh_y;        /* rows of routers */
    int64_t flit_bits;     /* payload of one flit */
    int64_t buffer_flits;  /* depth of each input buffer */
    int64_t router_cycles; /* pipeline depth: buffer write to switch traversal */
    int64_t link_cycles;   /* switch traversal to the neighbour's buffer */
    int64_t credit_cycles; /* a freed slot reaches the upstream credit counter */
    double link_mm;        /* wire length between neighbouring routers */
} ps_noc_params;

extern const ps_param_table ps_noc_param_table;

typedef struct ps_noc_stats {
    uint64_t packets_injected, packets_delivered;
    uint64_t flits_injected, flits_delivered;
    uint64_t router_traversals; /* flit x switch crossings (source and destination included) */
    uint64_t link_traversals;   /* flit x hops */
    uint64_t credit_stalls;     /* flit ready, port owned, no credit: per flit-cycle */
    uint64_t arbitration_losses;/* head ready, output owned by or granted to another: per cycle */
    uint64_t busy_cycles;       /* cycles simulated with flits in flight */
    uint64_t latency_cycles;    /* sum over delivered packets of delivery - injection */
    double buffer_energy_pj, crossbar_energy_pj, link_energy_pj, energy_pj;
} ps_noc_stats;

/* A packet that left the network: its tail was ejected at deliver_cycle. */
typedef struct ps_noc_delivery {
    uint64_t tag; /* the caller's, from ps_noc_inject */
    int32_t src, dst;
    int32_t n_flits;
    uint64_t inject_cycle, deliver_cycle;
} ps_noc_delivery;

typedef struct ps_noc ps_noc;

/* energy: the NoC constants of the hybrid chip (buffer and switch energy
 * per flit, link energy per bit and mm); NULL means zero energy. */
ps_status ps_noc_create(const ps_noc_params *p, const ps_energy_hybrid_params *energy,
                        ps_error *err, ps_noc **out);
void ps_noc_destroy(ps_noc *noc); /* accepts NULL */
/* Drops everything in flight, clears counters, time back to 0. */
ps_status ps_noc_reset(ps_noc *noc);
ps_status ps_noc_stats_get(const ps_noc *noc, ps_noc_stats *out);
const ps_noc_params *ps_noc_get_params(const ps_noc *noc);

int64_t ps_noc_nodes(const ps_noc_params *p);
/* Manhattan distance of XY routing. */
int64_t ps_noc_hops(const ps_noc_params *p, int64_t src, int64_t dst);
/* Flits for bits of payload: max(1, ceil(bits / flit_bits)). */
int64_t ps_noc_flits_for_bits(const ps_noc_params *p, uint64_t bits);
/* Delivery - injection of a lone packet: R + h (L + R) + n - 1. */
uint64_t ps_noc_uncontended_cycles(const ps_noc_params *p, int64_t hops, int64_t n_flits);

/* Last simulated cycle (0 before the first). */
uint64_t ps_noc_now(const ps_noc *noc);
/* No flit in flight and no packet waiting to be injected. */
bool ps_noc_idle(const ps_noc *noc);

/* Queues a packet to enter src's local buffer from cycle `cycle`, which
 * must be later than ps_noc_now (PS_ERR_RANGE otherwise: the network has
 * already simulated that cycle). Packets of one source enter in order of
 * cycle, then of injection calls. */
ps_status ps_noc_inject(ps_noc *noc, int64_t src, int64_t dst, int64_t n_flits, uint64_t tag,
                        uint64_t cycle);

/* Simulates cycles now + 1 .. until (or until the network is idle) and
 * stops at the end of the first cycle in which a packet is delivered; up
 * to cap deliveries of that cycle go to out (more than cap: PS_ERR_RANGE,
 * nothing lost: call again with until = now). *n_out = number written. */
ps_status ps_noc_run(ps_noc *noc, uint64_t until, ps_noc_delivery *out, size_t cap,
                     size_t *n_out);

/* Observation (tracing): flits buffered or on links in the whole mesh, and
 * flits in router node's input buffers. */
int64_t ps_noc_flits_in_flight(const ps_noc *noc);
int64_t ps_noc_router_flits(const ps_noc *noc, int64_t node);
/* Called at the end of every simulated busy cycle (after its deliveries);
 * it may only observe. NULL removes it. Costs nothing when unset. */
typedef void (*ps_noc_cycle_hook)(void *ctx, const ps_noc *noc, uint64_t cycle);
void ps_noc_set_cycle_hook(ps_noc *noc, ps_noc_cycle_hook hook, void *ctx);

#ifdef __cplusplus
}
#endif

#endif
