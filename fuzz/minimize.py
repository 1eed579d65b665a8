"""Shrink a finding while it keeps its signature, without the fuzzer: `python fuzz/minimize.py HARNESS INPUT OUT`.

The signature is the one the harness records (exception class + innermost linkguard frame, see harness.py), or,
with `--slower-than S`, "the target still takes more than S seconds". Removes chunks (halving their size down to
one byte), then replaces chunks with zeros, as long as the signature holds; stops after `--seconds`.
Runs the target uninstrumented, in-process, so it needs no atheris. libFuzzer's own `-minimize_crash=1` works too
(without LINKGUARD_FUZZ_KEEP_GOING), but is slower on these Python targets.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Callable, Optional

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "src"))
sys.path.insert(0, HERE)

import targets  # noqa: E402
from harness import signature  # noqa: E402


def outcome(target: Callable[[bytes], None], data: bytes, slower_than: Optional[float]) -> Optional[str]:
    started = time.monotonic()
    try:
        target(data)
    except Exception as exc:
        if slower_than is None:
            return signature(exc)
        return f"raised {signature(exc)}"
    if slower_than is not None and time.monotonic() - started > slower_than:
        return "slow"
    return None


def shrink(keep: Callable[[bytes], bool], data: bytes, deadline: float) -> bytes:
    chunk = max(1, len(data) // 2)
    while chunk >= 1 and time.monotonic() < deadline:
        at = 0
        while at < len(data) and time.monotonic() < deadline:
            candidate = data[:at] + data[at + chunk :]
            if candidate != data and keep(candidate):
                data = candidate
            else:
                at += chunk
        chunk //= 2
    chunk = max(1, len(data) // 8)
    while chunk >= 1 and time.monotonic() < deadline:
        for at in range(0, len(data), chunk):
            zeroed = data[:at] + bytes(len(data[at : at + chunk])) + data[at + chunk :]
            if zeroed != data and keep(zeroed):
                data = zeroed
        chunk //= 4
    return data


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("harness", choices=sorted(targets.TARGETS))
    parser.add_argument("input")
    parser.add_argument("output")
    parser.add_argument("--seconds", type=float, default=120.0)
    parser.add_argument("--slower-than", type=float, default=None)
    args = parser.parse_args()
    target = targets.TARGETS[args.harness]
    with open(args.input, "rb") as handle:
        data = handle.read()
    wanted = outcome(target, data, args.slower_than)
    if wanted is None:
        print("the input does not reproduce: nothing raised" + (" or ran slow" if args.slower_than else ""))
        return 1
    smaller = shrink(lambda d: outcome(target, d, args.slower_than) == wanted, data, time.monotonic() + args.seconds)
    with open(args.output, "wb") as handle:
        handle.write(smaller)
    print(f"{wanted}: {len(data)} -> {len(smaller)} bytes, {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
