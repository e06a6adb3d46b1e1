#!/usr/bin/env bash
# Our `ipv8 node --rate-limits off` against a py-ipv8 node (scripts/py_ipv8_target.py), loaded by `ipv8 bench` on
# 127.0.0.1, in one run: --find-max for each, then a few common rates. Each bench invocation gets a fresh target
# process (the bench's identities become the target's peers, and max_peers is 30). Results: one JSON file per
# invocation in OUT, and a summary table on stdout. docs/benchmarking-a-node.md explains the numbers.
#
#   scripts/bench-vs-py-ipv8.sh [OUT]        env: PY_IPV8 (default ../shared/py-ipv8), RATES, STEP_SECONDS, RUN_SECONDS,
#                                                 IDENTITIES, MESSAGE, BENCH_ARGS (extra ipv8 bench options),
#                                                 SKIP_BUILD (set: use the built ipv8 as it is), NICE, GEN_NICE
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-/tmp/ipv8-bench-vs-py}
PY_IPV8=${PY_IPV8:-$(cd .. && pwd)/shared/py-ipv8}
RATES=${RATES:-"100 200 500 1000 2000 5000"}
STEP_SECONDS=${STEP_SECONDS:-5}
RUN_SECONDS=${RUN_SECONDS:-5}
IDENTITIES=${IDENTITIES:-20}
MESSAGE=${MESSAGE:-introduction-request}
BENCH_ARGS=${BENCH_ARGS:-}
NICE=${NICE:-0}   # e.g. -10 on a busy shared machine: the targets get the CPU before other work
GEN_NICE=${GEN_NICE:-$NICE}   # the generator's; e.g. -20 (below NICE): it keeps its schedule while the target saturates the cores
COMMUNITY=5ab4bb0b7c1b27c1ec3bfb1e2bb4fdc2edda5a3e
IPV8=src/Ipv8.Cli/bin/Release/net10.0/ipv8
mkdir -p "$OUT"
[[ -n "${SKIP_BUILD:-}" ]] || dotnet build src/Ipv8.Cli -c Release -v q -nologo >/dev/null

target_pid=
stop_target() {
  if [[ -n "$target_pid" ]]; then
    kill -TERM "$target_pid" 2>/dev/null || true
    wait "$target_pid" 2>/dev/null || true
    target_pid=
  fi
}
trap stop_target EXIT

# start_target KIND PORT: our node or py-ipv8's, on 127.0.0.1:PORT; waits until it listens (at most 30 s).
start_target() {
  local kind=$1 port=$2
  if [[ $kind == dotnet ]]; then
    nice -n "$NICE" "$IPV8" node --host 127.0.0.1 --port "$port" --community "$COMMUNITY" --loopback-only --rate-limits off \
      --log-level Warning --duration 900 >"$OUT/node-$port.json" 2>"$OUT/node-$port.err" &
  else
    PYTHONPATH="$PY_IPV8" nice -n "$NICE" /usr/bin/python3 scripts/py_ipv8_target.py --port "$port" --community "$COMMUNITY" \
      --time-limit 900 >"$OUT/py-$port.out" 2>"$OUT/py-$port.err" &
  fi
  target_pid=$!
  # the socket must be the target's own (pid=...): another process holding the port would otherwise pass
  for _ in $(seq 300); do
    if ss -Hlunp "sport = :$port" | grep -q "pid=$target_pid,"; then sleep 0.5; return 0; fi
    if ! kill -0 "$target_pid" 2>/dev/null; then
      echo "target $kind exited before listening on port $port (is the port taken?): see $OUT/*-$port.err" >&2
      target_pid=
      return 1
    fi
    sleep 0.1
  done
  echo "target $kind did not start on port $port" >&2
  return 1
}

# target_cpu: the running target's utime + stime in clock ticks
target_cpu() { awk '{ print $14 + $15 }' "/proc/$target_pid/stat"; }

port=47600
for kind in dotnet py-ipv8; do
  port=$((port + 1))
  start_target "$kind" "$port"
  echo "== $kind: --find-max" >&2
  nice -n "$GEN_NICE" "$IPV8" bench --target "127.0.0.1:$port" --community "$COMMUNITY" --message "$MESSAGE" --identities "$IDENTITIES" \
    --find-max --rate 100 --duration "$STEP_SECONDS" --quiet --report "$OUT/$kind-find-max.json" \
    --plot "$OUT/$kind-find-max.svg" $BENCH_ARGS 2>"$OUT/$kind-find-max.err" || true
  stop_target
  for rate in $RATES; do
    port=$((port + 1))
    start_target "$kind" "$port"
    echo "== $kind: $rate/s" >&2
    cpu_before=$(target_cpu)
    nice -n "$GEN_NICE" "$IPV8" bench --target "127.0.0.1:$port" --community "$COMMUNITY" --message "$MESSAGE" --identities "$IDENTITIES" \
      --rate "$rate" --duration "$RUN_SECONDS" --quiet --report "$OUT/$kind-$rate.json" $BENCH_ARGS \
      2>"$OUT/$kind-$rate.err" || true
    # the target's CPU (user + system, every thread) over the bench run, warm-up included: /proc/PID/stat in clock ticks
    echo "$cpu_before $(target_cpu) $(getconf CLK_TCK)" >"$OUT/$kind-$rate.cpu"
    stop_target
  done
done

python3 - "$OUT" "$RATES" <<'EOF'
import json, sys
out, rates = sys.argv[1], sys.argv[2].split()
def load(name):
    with open(f"{out}/{name}.json") as f:
        return json.load(f)
print("| target | max rate (p99 <= 50 ms, loss <= 1%) | steps (rate: p99 ms / loss %) |")
print("|---|---|---|")
for kind in ("dotnet", "py-ipv8"):
    r = load(f"{kind}-find-max")
    steps = ", ".join(
        f"{s['rate']:g}: refused" if "refused" in s else
        f"{s['rate']:g}: {s['latency_ms']['p99'] if s['latency_ms'] else '-'} / {100 * s['lost'] / s['sent']:.1f}"
        for s in r["steps"])
    print(f"| {kind} | {r['max_rate']} | {steps} |")
print()
def target_cpu(name):
    try:
        before, after, hz = open(f"{out}/{name}.cpu").read().split()
        return (int(after) - int(before)) / int(hz)
    except (OSError, ValueError):
        return None
print("| target | rate | answered/s | lost % | p50 ms | p99 ms | max ms | generator CPU s | schedule error p99 ms | target CPU s | target CPU µs per answer |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
for kind in ("dotnet", "py-ipv8"):
    for rate in rates:
        r = load(f"{kind}-{rate}")
        g = r["generator"]
        cpu = target_cpu(f"{kind}-{rate}")
        if "refused" in r:
            print(f"| {kind} | {rate} | refused: {r['refused']} | | | | | {g['cpu_seconds']} | {g['schedule_error_ms_p99']} | {cpu} | |")
            continue
        l = r["latency_ms"] or {}
        # answered during the run plus the warm-up's answers are not in `answered`: per answer is an upper bound
        per = f"{1e6 * cpu / r['answered']:.0f}" if cpu is not None and r["answered"] else "-"
        print(f"| {kind} | {rate} | {r['achieved_rate']} | {100 * r['lost'] / r['sent']:.2f} | {l.get('p50', '-')} | {l.get('p99', '-')} | {l.get('max', '-')} | {g['cpu_seconds']} | {g['schedule_error_ms_p99']} | {cpu} | {per} |")
EOF
