#!/bin/bash
# Runs the Slurm example on a one-node Slurm cluster on this machine, installed from
# Debian's packages (slurm-wlm, munge), and checks that the merged result of the sharded
# job array is byte for byte the result of a single `greenloop sweep`.
#
#   sudo deploy/slurm/try-on-one-node.sh [SWEEP_FILE] [SHARDS]
#
# Needs root (it installs packages, writes /etc/slurm/slurm.conf and /etc/munge/munge.key if
# missing, and starts munged, slurmctld and slurmd). Run it on a scratch machine or
# container, not on a machine that is part of a real cluster. It stops the daemons at the
# end.
set -euo pipefail
cd "$(dirname "$0")/../.."
SWEEP=${1:-scenarios/card-network-lifecycle.toml}
SHARDS=${2:-3}
WORK=${WORK:-/tmp/greenloop-slurm}

if [ "$(id -u)" -ne 0 ]; then
    echo "run as root (sudo): it installs slurm-wlm and munge and starts their daemons" >&2
    exit 2
fi
if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q slurm-wlm munge
fi

HOST=$(hostname -s)
CPUS=$(nproc)
MEM_MB=$(awk '/MemTotal/ { printf "%d", $2 / 1024 * 0.8 }' /proc/meminfo)

# munge: a key and the daemon.
if [ ! -s /etc/munge/munge.key ]; then
    dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key status=none
fi
chown munge:munge /etc/munge/munge.key
chmod 400 /etc/munge/munge.key
mkdir -p /run/munge /var/log/munge /var/lib/munge
chown munge:munge /run/munge /var/log/munge /var/lib/munge
if ! pgrep -x munged >/dev/null; then
    runuser -u munge -- /usr/sbin/munged
fi

# A one-node cluster.
mkdir -p /etc/slurm /var/spool/slurmctld /var/spool/slurmd /var/log/slurm
cat > /etc/slurm/slurm.conf <<CONF
ClusterName=greenloop-test
SlurmctldHost=$HOST
SlurmUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
ReturnToService=2
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
NodeName=$HOST CPUs=$CPUS RealMemory=$MEM_MB State=UNKNOWN
PartitionName=debug Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
CONF
cleanup() {
    scontrol shutdown >/dev/null 2>&1 || true
}
trap cleanup EXIT
pgrep -x slurmctld >/dev/null || slurmctld
pgrep -x slurmd >/dev/null || slurmd
for _ in $(seq 1 30); do
    if sinfo -h -o %T 2>/dev/null | grep -qE "idle|mixed"; then break; fi
    scontrol update nodename="$HOST" state=resume >/dev/null 2>&1 || true
    sleep 1
done
sinfo

# The sweep: built once, run as a job array and as a single run.
cargo build --release --quiet
export GREENLOOP="$PWD/target/release/greenloop"
rm -rf "$WORK"
mkdir -p "$WORK"
cd "$WORK"
OUT="$WORK/sharded"
JOBS=$("$OLDPWD/deploy/slurm/submit.sh" "$OLDPWD/$SWEEP" "$OUT" "$SHARDS")
echo "$JOBS"
MERGE=$(echo "$JOBS" | sed -E 's/.*merge job ([0-9]+).*/\1/')
for _ in $(seq 1 1800); do
    if ! squeue -h -j "$MERGE" 2>/dev/null | grep -q .; then break; fi
    sleep 1
done
cat slurm-*.out 2>/dev/null | tail -n 20 || true
"$GREENLOOP" sweep "$OLDPWD/$SWEEP" --out "$WORK/single" --quiet
if cmp "$OUT/merged/sweep.csv" "$WORK/single/sweep.csv" && cmp "$OUT/merged/sweep.json" "$WORK/single/sweep.json"; then
    echo "OK: the Slurm job array ($SHARDS shards) and the single run wrote identical sweep.csv and sweep.json"
else
    echo "FAILED: the merged Slurm results differ from the single run" >&2
    exit 1
fi
