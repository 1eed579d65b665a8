"""Harness: see targets.macho and fuzz/README.md."""

from __future__ import annotations

from harness import main

if __name__ == "__main__":
    main("macho")
