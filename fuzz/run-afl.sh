#!/usr/bin/env bash
# Runs an AFL++ campaign on one fuzz target: ./fuzz/run-afl.sh TARGET [MINUTES]
# TARGET is one of: packet, payload, community (dotnet run --project fuzz -- list).
# Installs AFL++ (Debian's afl++) and the SharpFuzz instrumenter when missing, builds the harness, instruments the
# libraries under test (never the harness itself), generates the seed corpus from ../shared/vectors, and fuzzes.
# Findings go to fuzz/findings/TARGET (git-ignored); minimized reproducers belong in fuzz/regression.
set -euo pipefail
cd "$(dirname "$0")/.."

target=${1:?usage: run-afl.sh TARGET [MINUTES]}
minutes=${2:-30}

if ! command -v afl-fuzz >/dev/null; then
  apt-get update && apt-get install -y afl++
fi
export PATH="$PATH:$HOME/.dotnet/tools"
if ! command -v sharpfuzz >/dev/null; then
  dotnet tool install --global SharpFuzz.CommandLine --version 2.3.0
fi

out=fuzz/bin/afl-$target
rm -rf "$out"
dotnet publish fuzz/Ipv8.Fuzz.csproj -c Release -o "$out" --nologo -v quiet

# The seed corpus comes from the uninstrumented build: instrumented code only runs under afl-fuzz.
corpus=fuzz/bin/corpus-$target
rm -rf "$corpus"
dotnet "$out/Ipv8.Fuzz.dll" corpus "$corpus"

# Instrument the libraries under test only (instrumenting the harness crashes it at start-up).
sharpfuzz "$out/Ipv8.Wire.dll"
sharpfuzz "$out/Ipv8.Engine.dll"
seeds="$corpus/$target"
if [ -d "fuzz/regression/$target" ]; then
  cp fuzz/regression/"$target"/* "$seeds"/ 2>/dev/null || true
fi

findings=fuzz/findings/$target
mkdir -p "$findings"
# AFL_NO_AFFINITY: let several campaigns share the cores instead of refusing to start.
export AFL_SKIP_BIN_CHECK=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1 AFL_NO_AFFINITY=1
# A campaign that was stopped resumes from its findings.
input="$seeds"
if [ -f "$findings/default/fuzzer_stats" ]; then
  input=-
fi
timeout --signal=INT "$((minutes * 60))" \
  afl-fuzz -i "$input" -o "$findings" -x fuzz/ipv8.dict -t 5000 -m none -- dotnet "$out/Ipv8.Fuzz.dll" afl "$target" || true

stats="$findings/default/fuzzer_stats"
if [ -f "$stats" ]; then
  grep -E '^(run_time|execs_done|execs_per_sec|corpus_count|saved_crashes|saved_hangs|stability)' "$stats"
fi
echo "crashes: $(ls "$findings"/default/crashes 2>/dev/null | grep -vc README || true)"
