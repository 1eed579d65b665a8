"""The atheris driver shared by every harness: instrument linkguard, run one target per input, record findings.

Run a harness as `python fuzz/fuzz_<name>.py [libFuzzer flags] CORPUS_DIR...` (see fuzz/README.md).

Two additions to plain libFuzzer behaviour, both controlled by environment variables:

- `LINKGUARD_FUZZ_KEEP_GOING=1`: an exception is recorded (one file per distinct signature: exception class and
  the innermost linkguard frame) under `fuzz/findings/<harness>/` instead of stopping the campaign, so that one
  run reports every distinct crasher. Without it an exception stops libFuzzer, which writes `crash-<sha1>`.
- A watchdog thread replaces libFuzzer's `-timeout` (atheris' SIGALRM timer collides with the SIGALRM deadline
  inside readers.inspect_artifact, and atheris reads `-timeout=0` as zero seconds, so campaigns pass a large
  `-timeout` as a backstop): an input running longer than `LINKGUARD_FUZZ_HANG_SECONDS` (default: the
  per-artifact limit + 10 s) is written to `fuzz/findings/<harness>/hang-<sha1>` and the process exits with status
  70. Inputs slower than `LINKGUARD_FUZZ_SLOW_SECONDS` (default 1) are kept under `findings/<harness>/slow/`.
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
import threading
import time
import traceback
from typing import Callable, Dict, List, Optional

HERE = os.path.dirname(os.path.abspath(__file__))
FINDINGS = os.path.join(HERE, "findings")
PER_SIGNATURE = 3  # inputs kept per distinct signature

# modules instrumented for coverage, per harness family (linkguard always)
_EXTRA_MODULES: Dict[str, List[str]] = {
    "elf": ["elftools", "construct"],
    "pe": [],
    "macho": [],
    "upx": [],
    "decoders": [],
    "gobuild": [],
    "toolchain": ["elftools"],
    "archive": ["tarfile", "zipfile", "gzip", "_compression"],
    "config": ["tomllib"],
}


def _family(name: str) -> str:
    return "archive" if name.startswith("archive_") else name


def _import_targets(name: str) -> Callable[[bytes], None]:
    """Import linkguard (and the libraries the harness drives) under atheris' instrumentation."""
    import atheris

    sys.path.insert(0, HERE)
    include = ["linkguard", "targets", *_EXTRA_MODULES[_family(name)]]
    with atheris.instrument_imports(include=include):
        import tarfile  # noqa: F401
        import zipfile  # noqa: F401

        import targets

        import linkguard.config
        import linkguard.inputs.archives
        import linkguard.readers.elf
        import linkguard.readers.gobuild
        import linkguard.readers.toolchain
        import linkguard.readers.unpack
        import linkguard.readers.upx  # noqa: F401 - imported to be instrumented
    target: Callable[[bytes], None] = targets.TARGETS[name]
    return target


def signature(exc: BaseException) -> str:
    """Exception class plus the innermost frame inside linkguard: one name per distinct bug."""
    frames = traceback.extract_tb(exc.__traceback__)
    where = "?"
    for frame in frames:
        if "linkguard" in frame.filename or "/fuzz/" in frame.filename:
            where = f"{os.path.basename(frame.filename)}:{frame.lineno}"
    text = str(exc)
    if type(exc).__name__ == "CampaignFinding":
        where = re.sub(r"[^a-z_.]+", "-", text.split(" took ")[0].lower())[:40]
    return re.sub(r"[^A-Za-z0-9_.:-]+", "_", f"{type(exc).__name__}-{where}")


def _save(directory: str, name: str, data: bytes) -> str:
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, name)
    with open(path, "wb") as out:
        out.write(data)
    return path


class _Watchdog(threading.Thread):
    """Writes the running input and exits when one input runs past the hang bound."""

    def __init__(self, harness: str, seconds: float) -> None:
        super().__init__(daemon=True)
        self.harness = harness
        self.seconds = seconds
        self.started: Optional[float] = None
        self.data = b""

    def run(self) -> None:
        while True:
            time.sleep(1.0)
            started = self.started
            if started is not None and time.monotonic() - started > self.seconds:
                digest = hashlib.sha1(self.data).hexdigest()
                path = _save(os.path.join(FINDINGS, self.harness), f"hang-{digest}", self.data)
                sys.stderr.write(f"\n==linkguard-fuzz== HANG over {self.seconds:g} s: {path}\n")
                sys.stderr.flush()
                os._exit(70)


def main(name: str) -> None:
    import atheris

    target = _import_targets(name)
    import targets

    keep_going = os.environ.get("LINKGUARD_FUZZ_KEEP_GOING") == "1"
    slow = float(os.environ.get("LINKGUARD_FUZZ_SLOW_SECONDS", "1"))
    hang = float(os.environ.get("LINKGUARD_FUZZ_HANG_SECONDS", str(targets.LIMITS.seconds + 10)))
    watchdog = _Watchdog(name, hang)
    watchdog.start()
    seen: Dict[str, int] = {}
    out_dir = os.path.join(FINDINGS, name)

    def one_input(data: bytes) -> None:
        watchdog.data = data
        watchdog.started = started = time.monotonic()
        try:
            target(data)
        except Exception as exc:
            if not keep_going:
                raise
            sig = signature(exc)
            seen[sig] = seen.get(sig, 0) + 1
            if seen[sig] <= PER_SIGNATURE:
                digest = hashlib.sha1(data).hexdigest()
                path = _save(os.path.join(out_dir, sig), digest, data)
                with open(os.path.join(out_dir, "findings.log"), "a") as log:
                    log.write(f"{sig}\t{path}\t{type(exc).__name__}: {str(exc)[:300]}\n")
                if seen[sig] == 1:
                    sys.stderr.write(f"\n==linkguard-fuzz== NEW {sig}: {path}\n")
        finally:
            watchdog.started = None
            elapsed = time.monotonic() - started
            if elapsed > slow:
                digest = hashlib.sha1(data).hexdigest()
                _save(os.path.join(out_dir, "slow"), f"{elapsed:07.2f}s-{digest}", data)

    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()
