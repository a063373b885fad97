#!/usr/bin/env bash
# Sharding on a real Slurm: starts a private single-node cluster (munged, slurmctld, slurmd
# from Debian, all state in one temp dir), submits a 4-task array of a smoke profile through
# `reprise slurm --submit`, waits for the array and its afterok merge job, and checks that the
# merged result equals the same run unsharded, bit for bit. Stops only the daemons it started.
# Run by `make test-slurm` (which builds first); needs root to install the packages.
set -uo pipefail
cd "$(dirname "$0")/../.."
BIN=$PWD/.build/release/reprise
SCENARIO=ntk-regime
PACKAGES="slurmctld slurmd slurm-client munge"

missing=$(for p in $PACKAGES; do dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q "install ok installed" || echo "$p"; done)
if [ -n "$missing" ]; then
  if [ "$(id -u)" != 0 ]; then echo "slurm-test: missing Debian packages: $missing (as root: apt-get install $missing)"; exit 1; fi
  echo "slurm-test: installing" $missing
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null || exit 1
fi

T=$(mktemp -d /tmp/rsl.XXXX)          # short: munge's socket path must stay under 108 bytes
chmod 755 "$T"
mkdir -p "$T"/{state,spool,log,munge}
chmod 755 "$T/munge"
export SLURM_CONF=$T/slurm.conf
started=()

# Only our own daemons, by pid, and only while their command line still names our temp dir.
stop() {
  squeue -h -o %i 2>/dev/null | xargs -r scancel 2>/dev/null
  for i in $(seq 50); do [ -z "$(squeue -h 2>/dev/null)" ] && break; sleep 0.2; done
  for (( k=${#started[@]}-1; k>=0; k-- )); do
    pid=${started[k]}
    if [ -r /proc/$pid/cmdline ] && tr '\0' ' ' < /proc/$pid/cmdline | grep -q "$T"; then
      kill -TERM "$pid" 2>/dev/null
      for i in $(seq 50); do grep -q '^State:.*[ZX]' /proc/$pid/status 2>/dev/null || [ ! -e /proc/$pid ] && break; sleep 0.1; done
    fi
  done
  if [ -n "${REPRISE_SLURM_KEEP:-}" ]; then echo "slurm-test: kept $T"; else rm -rf "$T"; fi
}
trap stop EXIT

(umask 077; head -c 1024 /dev/urandom > "$T/munge/munge.key")
munged -F --socket="$T/munge/munge.socket.2" --key-file="$T/munge/munge.key" --pid-file="$T/munge/munged.pid" \
  --seed-file="$T/munge/munged.seed" --log-file="$T/log/munged.log" </dev/null >"$T/log/munged.out" 2>&1 &
started+=($!)

host=$(hostname -s)
node=$(slurmd -C | head -1 | sed -E 's/NodeName=[^ ]+ //; s/ RealMemory=([0-9]+)//')
memory=$(( $(slurmd -C | head -1 | sed -E 's/.*RealMemory=([0-9]+).*/\1/') * 95 / 100 ))
port=$(( 20000 + RANDOM % 20000 ))
cat > "$SLURM_CONF" <<CONF
ClusterName=reprise-test
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$(( port + 1 ))
SlurmUser=$(id -un)
SlurmdUser=$(id -un)
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$T/munge/munge.socket.2
StateSaveLocation=$T/state
SlurmdSpoolDir=$T/spool
SlurmctldPidFile=$T/slurmctld.pid
SlurmdPidFile=$T/slurmd.pid
SlurmctldLogFile=$T/log/slurmctld.log
SlurmdLogFile=$T/log/slurmd.log
MailProg=/bin/true
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SwitchType=switch/none
MpiDefault=none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
ReturnToService=2
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/filetxt
JobCompLoc=$T/log/jobcomp.txt
NodeName=$host $node RealMemory=$memory NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
slurmctld -D -f "$SLURM_CONF" </dev/null >"$T/log/slurmctld.out" 2>&1 &
started+=($!)
slurmd -D -N "$host" -f "$SLURM_CONF" </dev/null >"$T/log/slurmd.out" 2>&1 &
started+=($!)
for i in $(seq 150); do [ "$(sinfo -h -o %T 2>/dev/null)" = idle ] && break; sleep 0.2; done
if [ "$(sinfo -h -o %T 2>/dev/null)" != idle ]; then
  echo "slurm-test: the node did not come up"; tail -5 "$T"/log/*.log; echo "slurm: 0 passed, 1 failed"; exit 1
fi

passed=0 failed=0
check() {  # check NAME COMMAND...: one assertion
  if "${@:2}"; then passed=$((passed + 1)); echo "ok   $1"; else failed=$((failed + 1)); echo "FAIL $1"; fi
}

start=$(date +%s)
out=$("$BIN" slurm "$SCENARIO" --profile smoke --array 4 --dir "$T/job" --db "$T/merged.sqlite" --submit)
echo "$out" | tail -1
ids=$(echo "$out" | sed -nE 's/^submitted array job ([0-9]+).* merge job ([0-9]+).*/\1 \2/p')
check "reprise slurm --submit submitted an array and a merge job" test -n "$ids"
array=${ids% *} merge=${ids#* }
# A failed array task leaves the merge pending forever (afterok): stop waiting once the array is done and one failed.
for i in $(seq 1500); do
  [ -z "$(squeue -h 2>/dev/null)" ] && break
  if [ -z "$(squeue -h -j "$array" 2>/dev/null)" ] && grep -q "Name=reprise-$SCENARIO-shards .*JobState=FAILED" "$T/log/jobcomp.txt" 2>/dev/null; then
    cat "$T"/job/logs/shard-*.out; break
  fi
  sleep 0.2
done
echo "slurm-test: array and merge finished in $(( $(date +%s) - start )) s"
check "all 4 array tasks completed" test "$(grep -c "Name=reprise-$SCENARIO-shards .*JobState=COMPLETED" "$T/log/jobcomp.txt")" = 4
check "the merge job completed after them" grep -q "JobId=$merge .*Name=reprise-$SCENARIO-merge .*JobState=COMPLETED" "$T/log/jobcomp.txt"

# The same run unsharded, in this process's own store.
"$BIN" run "$SCENARIO" --profile smoke --db "$T/plain.sqlite" --quiet >/dev/null
sq() { sqlite3 "$1" "$2"; }
merged_run=$(sq "$T/merged.sqlite" "SELECT max(id) FROM runs WHERE status = 'ok'")
plain_run=$(sq "$T/plain.sqlite" "SELECT max(id) FROM runs WHERE status = 'ok'")
export_data() { "$BIN" export "$1" --format csv --db "$2" | grep -E '^(series|metric),'; }
check "merged metrics and series equal the unsharded run's, bit for bit" \
  cmp -s <(export_data "$merged_run" "$T/merged.sqlite") <(export_data "$plain_run" "$T/plain.sqlite")
check "the aggregate after the merge computed no trial" test "$(sq "$T/merged.sqlite" "SELECT trials_computed FROM runs WHERE id = $merged_run")" = 0
total=$(sq "$T/plain.sqlite" "SELECT count(*) FROM trials")
sum=0 nonempty=0
for k in 0 1 2 3; do
  n=$(sq "$T/job/shard-$k.sqlite" "SELECT count(*) FROM trials" 2>/dev/null || echo 0)
  sum=$((sum + n)); [ "$n" -gt 0 ] && nonempty=$((nonempty + 1))
done
check "the 4 shards hold every trial once ($sum of $total), each shard some" test "$sum" = "$total" -a "$nonempty" = 4

echo "slurm: $passed passed, $failed failed"
[ "$failed" = 0 ]
