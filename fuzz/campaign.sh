#!/usr/bin/env bash
# One fuzzing process at a time: each harness in turn for its share of minutes, restarted with the time left
# when it stops early (a hang or an out-of-memory input ends the process; both are kept under fuzz/findings/).
# Usage: bash fuzz/campaign.sh [harness=minutes ...]   (default: the schedule below)
# Logs: fuzz/logs/<harness>.<n>.log; summary lines in fuzz/logs/campaign.log.
set -u
cd "$(dirname "$0")/.."
export PYTHONPATH="$PWD/src${PYTHONPATH:+:$PYTHONPATH}"
export LINKGUARD_FUZZ_KEEP_GOING=1
schedule=("$@")
if [ ${#schedule[@]} -eq 0 ]; then
  schedule=(elf=10 upx=10 decoders=5 gobuild=3 toolchain=5 archive_tar=5 archive_zip=4 archive_ar=3 archive_stream=6 config=3)
fi
mkdir -p fuzz/logs
for item in "${schedule[@]}"; do
  harness=${item%%=*}
  seconds=$(( ${item#*=} * 60 ))
  mkdir -p "fuzz/corpus/$harness" "fuzz/findings/$harness" "tests/data/malformed/fuzz/$harness"
  end=$(( $(date +%s) + seconds ))
  n=$(ls fuzz/logs/"$harness".*.log 2>/dev/null | wc -l)
  while [ "$(date +%s)" -lt $(( end - 5 )) ]; do
    n=$((n + 1))
    left=$(( end - $(date +%s) ))
    log="fuzz/logs/$harness.$n.log"
    echo "$(date -u +%FT%TZ) start $harness run $n for ${left}s" >> fuzz/logs/campaign.log
    nice -n 5 python "fuzz/fuzz_$harness.py" -timeout=600 -rss_limit_mb=1024 -max_len=131072 \
      -max_total_time="$left" -print_final_stats=1 -artifact_prefix="fuzz/findings/$harness/" \
      "fuzz/corpus/$harness" "tests/data/malformed/fuzz/$harness" > "$log" 2>&1
    rc=$?
    echo "$(date -u +%FT%TZ) end $harness run $n rc=$rc $(grep -h 'stat::number_of_executed_units' "$log")" >> fuzz/logs/campaign.log
  done
done
echo "$(date -u +%FT%TZ) campaign done" >> fuzz/logs/campaign.log
