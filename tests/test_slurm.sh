#!/usr/bin/env bash
# The README's Slurm recipe for a sharded sweep, end to end on a single-node
# Slurm that this test brings up on this machine (Debian's slurm-wlm and munge,
# as root): a munged, a slurmctld and a slurmd of its own (own key, socket,
# ports, state directories; nothing under /etc is touched), the README's batch
# script submitted as written, the merge job waiting on the array, and the
# merge checked against a single-host sweep. Every daemon it started is
# stopped on exit. Exit 77 (skip) with the reason when Slurm cannot run here.
# usage: test_slurm.sh PRIMESIM SOURCE_DIR
set -euo pipefail
bin=$(realpath "$1")
src=$(cd "$2" && pwd)
. "$src/tests/sweep_recipes.sh"
skip() { echo "SKIP: $* (the Slurm recipe was not run)"; exit 77; }

[ "$(id -u)" -eq 0 ] || skip "not root (slurmd must run as root to start jobs)"
for c in munged slurmctld slurmd sbatch squeue scontrol scancel; do
    command -v "$c" >/dev/null ||
        skip "no $c (Debian: slurm-wlm, munge; scripts/install-deps.sh --slurm installs them)"
done

tmp=$(mktemp -d)
pids=()
cleanup() {
    # Jobs first (their slurmstepd outlives slurmd), then the daemons, newest first.
    if [ -n "${SLURM_CONF:-}" ] && [ -f "$SLURM_CONF" ] && kill -0 "${pids[1]:-0}" 2>/dev/null; then
        scancel --full --user=root >/dev/null 2>&1 || true
        for _ in $(seq 50); do
            [ -z "$(squeue -h -o %i 2>/dev/null)" ] && break
            sleep 0.2
        done
    fi
    local i
    for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
        kill "${pids[i]}" 2>/dev/null || true
        wait "${pids[i]}" 2>/dev/null || true
    done
    rm -rf "$tmp"
}
trap cleanup EXIT
trap "exit 143" TERM INT HUP # so that cleanup runs when killed too
daemon_log() { for f in "$tmp"/state/*.log; do echo "--- $f"; tail -n 20 "$f"; done; }

# Free ports, not Slurm's 6817/6818: a real Slurm may be running here.
free_port() {
    local p
    for ((p = $1; p < $1 + 200; p++)); do
        (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
    done
    return 1
}
ctld_port=$(free_port 16817) || skip "no free port for slurmctld"
slurmd_port=$(free_port $((ctld_port + 1))) || skip "no free port for slurmd"

st=$tmp/state
mkdir -p "$st/munge" "$st/ctld" "$st/slurmd"
chmod 700 "$st/munge"
# munged insists on a key only its user can read, in a directory others cannot write.
head -c 1024 /dev/urandom >"$st/munge/munge.key"
chmod 600 "$st/munge/munge.key"
sock=$st/munge/munge.socket
munged -F --force --key-file="$st/munge/munge.key" --socket="$sock" \
    --pid-file="$st/munge/munged.pid" --log-file="$st/munged.log" \
    --seed-file="$st/munge/munged.seed" >"$st/munged.out.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done
[ -S "$sock" ] || { daemon_log; skip "munged did not start"; }

host=$(hostname -s)
cpus=$(nproc)
[ "$cpus" -ge 2 ] || skip "the README's tasks ask for 2 CPUs; this machine has $cpus"
# One node with this machine's CPUs, no cgroups (containers often have none),
# no accounting database; each job gets its CPUs (select/cons_tres, CR_CPU).
cat >"$st/slurm.conf" <<CONF
ClusterName=primesim-test
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$sock
StateSaveLocation=$st/ctld
SlurmdSpoolDir=$st/slurmd
SlurmctldPidFile=$st/slurmctld.pid
SlurmdPidFile=$st/slurmd.pid
SlurmctldLogFile=$st/slurmctld.log
SlurmdLogFile=$st/slurmd.log
ProctrackType=proctrack/pgid
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
MpiDefault=none
ReturnToService=2
MailProg=/bin/true
# Finished jobs stay in scontrol's view for 10 minutes (there is no accounting).
MinJobAge=600
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF=$st/slurm.conf
slurmctld -D -f "$SLURM_CONF" >"$st/slurmctld.out.log" 2>&1 &
pids+=($!)
slurmd -D -f "$SLURM_CONF" >"$st/slurmd.out.log" 2>&1 &
pids+=($!)
up=
for _ in $(seq 100); do
    kill -0 "${pids[1]}" 2>/dev/null && kill -0 "${pids[2]}" 2>/dev/null || break
    state=$(sinfo -h -n "$host" -o %T 2>/dev/null || true)
    case $state in idle*) up=1; break ;; esac
    sleep 0.2
done
[ -n "$up" ] || { daemon_log; skip "slurmctld/slurmd did not bring the node up (state '${state:-}')"; }
echo "slurm: node $host with $cpus CPUs up (ports $ctld_port, $slurmd_port) after ${SECONDS}s"

script=$(readme_block "$src/README.md" '^#!/bin/bash$')
submit=$(readme_block "$src/README.md" '^jobid=\$\(sbatch')
grep -q -- '--array=0-7' <<<"$script" || fail "README's batch script has changed: $script"
grep -q -- '--dependency=' <<<"$submit" || fail "README's submission has changed: $submit"
make_workdir "$tmp/w" "$bin" "$src"
cd "$tmp/w"
export PATH=$tmp/w/bin:$PATH # the jobs inherit it (sbatch --export=ALL)
printf '%s\n' "$script" >sweep.sbatch
# The README's two submission lines, and the ids they made.
ids=$(bash -c "set -e; $submit; echo \"array=\$jobid\"" 2>&1) || fail "submission: $ids"
array=$(sed -n 's/^array=//p' <<<"$ids")
merge=$(sed -n 's/^Submitted batch job //p' <<<"$ids")
[ -n "$array" ] && [ -n "$merge" ] || fail "no job ids in: $ids"

# 8 tasks of 2 CPUs each, then the merge: about 3 s each here (the scheduler's
# pace, not the work); 2 minutes is plenty.
for _ in $(seq 600); do
    [ -z "$(squeue -h -o %i)" ] && break
    sleep 0.2
done
[ -z "$(squeue -h -o %i)" ] && done_ok=1 || done_ok=
[ -n "$done_ok" ] || { squeue; daemon_log; fail "the jobs did not finish in 2 minutes"; }
echo "slurm: the array and the merge job finished after ${SECONDS}s"

# Task i ran shard i/8: points k with k mod 8 = i, so task 6 ran p006 alone
# (exit 1: the point fails), task 7 nothing (exit 0), the others p00i.
job_state() { scontrol -o show job "$1" | grep -o "$2=[^ ]*" | head -n 1 | cut -d= -f2; }
for i in 0 1 2 3 4 5 6 7; do
    want=COMPLETED
    [ "$i" -eq 6 ] && want=FAILED
    got=$(job_state "${array}_$i" JobState)
    [ "$got" = "$want" ] || { cat "slurm-${array}_$i.out" 2>/dev/null; fail "task $i: $got, expected $want"; }
    if [ "$i" -lt 7 ]; then
        [ "$(shard_points "out/tile_adc.shard$i")" = "p00$i" ] || fail "shard $i holds $(shard_points "out/tile_adc.shard$i")"
    else
        [ -z "$(shard_points out/tile_adc.shard7)" ] || fail "shard 7 holds points"
    fi
done
[ "$(job_state "$merge" JobState)" = COMPLETED ] ||
    { cat "slurm-$merge.out"; fail "the merge job: $(job_state "$merge" JobState)"; }
grep -q 'merged 8 sweep outputs into out/tile_adc: 7 points' "slurm-$merge.out" ||
    fail "the merge job wrote: $(cat "slurm-$merge.out")"
# The merge started only after the last task had ended.
last_end=$(for i in 0 1 2 3 4 5 6 7; do job_state "${array}_$i" EndTime; done | sort | tail -n 1)
merge_start=$(job_state "$merge" StartTime)
[[ ! "$merge_start" < "$last_end" ]] || fail "the merge started at $merge_start, before $last_end"

# Why afterany: under afterok, a job waiting on this array (task 6 failed) never runs.
ok_job=$(sbatch --parsable --dependency=afterok:"$array" --wrap true)
for _ in $(seq 50); do
    reason=$(job_state "$ok_job" Reason)
    [ "$reason" = DependencyNeverSatisfied ] && break
    sleep 0.2
done
scancel "$ok_job"
[ "$reason" = DependencyNeverSatisfied ] || fail "an afterok job on the array: reason $reason"

code=0
primesim sweep configs/sweeps/tile_adc.yaml --jobs 2 -o out/single >"$tmp/single.log" 2>&1 || code=$?
[ "$code" -eq 1 ] || { cat "$tmp/single.log"; fail "the single run exited $code, expected 1"; }
same_as_single_run out/tile_adc out/single
echo "slurm: an 8-task array and its merge job equal a single run"
echo "1 passed, 0 failed"
