"""Figures of a campaign from its logs (fuzz/logs/<harness>.<n>.log): `python fuzz/summarize.py [LOG_DIR]`.

Per harness: runs, executions, seconds fuzzed, executions per second, the last libFuzzer `cov:`/`ft:` figures,
peak RSS, the slowest unit libFuzzer saw, and the slow inputs the harness kept (fuzz/findings/<harness>/slow/).
Prints a markdown table (the one in fuzz/README.md). With `--retime`, the kept slow inputs are run again through
their target without instrumentation (what a user's run costs) and the slowest three per harness are listed with
the peak RSS of that process; `--retime-corpus` does the same for every input in fuzz/corpus/.
"""

from __future__ import annotations

import os
import re
import resource
import sys
import time
from dataclasses import dataclass
from typing import Dict, List

HERE = os.path.dirname(os.path.abspath(__file__))


@dataclass
class Figures:
    runs: int = 0
    executions: int = 0
    seconds: int = 0
    cov: int = 0
    ft: int = 0
    peak_rss_mb: int = 0
    slowest_unit_s: int = 0
    ended: str = ""


def _stat(text: str, name: str) -> int:
    found = re.findall(rf"stat::{name}:\s+(\d+)", text)
    return int(found[-1]) if found else 0


def _durations(log_dir: str) -> Dict[str, int]:
    """Wall-clock seconds of each run ("<harness>.<n>") from campaign.log, start-up included."""
    from datetime import datetime

    starts: Dict[str, datetime] = {}
    out: Dict[str, int] = {}
    path = os.path.join(log_dir, "campaign.log")
    if not os.path.exists(path):
        return out
    with open(path) as handle:
        for line in handle:
            match = re.match(r"(\S+Z) (start|end) (\w+) run (\d+)", line)
            if not match:
                continue
            when = datetime.strptime(match.group(1), "%Y-%m-%dT%H:%M:%SZ")
            run = f"{match.group(3)}.{match.group(4)}"
            if match.group(2) == "start":
                starts[run] = when
            elif run in starts:
                out[run] = int((when - starts[run]).total_seconds())
    return out


def summarize(log_dir: str) -> Dict[str, Figures]:
    figures: Dict[str, Figures] = {}
    durations = _durations(log_dir)
    for name in sorted(os.listdir(log_dir)):
        match = re.fullmatch(r"(\w+)\.(\d+)\.log", name)
        if not match:
            continue
        with open(os.path.join(log_dir, name), errors="replace") as handle:
            text = handle.read()
        run = f"{match.group(1)}.{match.group(2)}"
        if run not in durations:
            continue  # still running: left out of the figures
        fig = figures.setdefault(match.group(1), Figures())
        fig.runs += 1
        fig.seconds += durations[run]
        executed = _stat(text, "number_of_executed_units")
        if not executed:  # the run was cut short (hang or OOM): take the last status line
            counts = re.findall(r"^#(\d+)\s", text, re.M)
            executed = int(counts[-1]) if counts else 0
        fig.executions += executed
        cov = re.findall(r"cov: (\d+) ft: (\d+)", text)
        if cov:
            fig.cov = max(fig.cov, int(cov[-1][0]))
            fig.ft = max(fig.ft, int(cov[-1][1]))
        rss = [int(x) for x in re.findall(r"rss: (\d+)Mb", text)] + [_stat(text, "peak_rss_mb")]
        fig.peak_rss_mb = max([fig.peak_rss_mb, *rss])
        fig.slowest_unit_s = max(fig.slowest_unit_s, _stat(text, "slowest_unit_time_sec"))
        if "HANG over" in text:
            fig.ended = "hang"
        elif "out-of-memory" in text:
            fig.ended = "oom"
    return figures


def slow_inputs(harness: str, limit: int = 3) -> List[str]:
    directory = os.path.join(HERE, "findings", harness, "slow")
    if not os.path.isdir(directory):
        return []
    return sorted(os.listdir(directory), reverse=True)[:limit]


def retime(where: str) -> None:
    """Inputs timed again uninstrumented, slowest three per harness: the kept slow inputs (where="slow") or the
    whole corpus each campaign built (where="corpus")."""
    sys.path.insert(0, os.path.join(os.path.dirname(HERE), "src"))
    sys.path.insert(0, HERE)
    import targets

    print(f"\n| harness | {where} input | bytes | seconds (uninstrumented) | outcome |")
    print("|---|---|---|---|---|")
    for harness in sorted(targets.TARGETS):
        if where == "slow":
            directory = os.path.join(HERE, "findings", harness, "slow")
        else:
            directory = os.path.join(HERE, "corpus", harness)
        if not os.path.isdir(directory):
            continue
        timed = []
        for name in os.listdir(directory):
            with open(os.path.join(directory, name), "rb") as handle:
                data = handle.read()
            started = time.monotonic()
            try:
                targets.TARGETS[harness](data)
                outcome = "ok"
            except Exception as exc:
                outcome = type(exc).__name__
            timed.append((time.monotonic() - started, name, len(data), outcome))
        for seconds, name, size, outcome in sorted(timed, reverse=True)[:3]:
            print(f"| {harness} | {name.split('-', 1)[-1][:12]} | {size} | {seconds:.2f} | {outcome} |")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(f"\npeak RSS of the re-timing process: {peak} MB")


def main() -> int:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    log_dir = args[0] if args else os.path.join(HERE, "logs")
    figures = summarize(log_dir)
    print("| harness | runs | executions | seconds | exec/s | cov | ft | RSS MB | slowest kept, instrumented (s) |")
    print("|---|---|---|---|---|---|---|---|---|")
    total_exec = total_s = 0
    for harness, fig in figures.items():
        rate = fig.executions / fig.seconds if fig.seconds else 0.0
        slow = ", ".join(s.split("s-")[0].lstrip("0") for s in slow_inputs(harness)) or "none over 1 s"
        print(
            f"| {harness} | {fig.runs} | {fig.executions:,} | {fig.seconds} | {rate:,.0f} | {fig.cov} | {fig.ft} "
            f"| {fig.peak_rss_mb} | {slow} |"
        )
        total_exec += fig.executions
        total_s += fig.seconds
    print(f"| **total** | | **{total_exec:,}** | **{total_s}** | | | | | |")
    if "--retime" in sys.argv:
        retime("slow")
    if "--retime-corpus" in sys.argv:
        retime("corpus")
    return 0


if __name__ == "__main__":
    sys.exit(main())
