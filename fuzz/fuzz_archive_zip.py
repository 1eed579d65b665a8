"""Harness: see targets.archive("archive_zip") and fuzz/README.md."""

from __future__ import annotations

from harness import main

if __name__ == "__main__":
    main("archive_zip")
