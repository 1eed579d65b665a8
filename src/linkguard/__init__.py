"""linkguard: fail the build when a release artifact is not really static."""

from __future__ import annotations

__version__ = "0.1.0"
