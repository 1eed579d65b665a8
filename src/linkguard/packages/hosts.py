"""Hosts: the programs that load plugins and provide libraries to them (CPython, Node.js)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Tuple

from linkguard.model import ElfFacts, MachoFacts, PeFacts


@dataclass(frozen=True)
class Host:
    name: str  # "cpython" | "node"
    notes: Tuple[str, ...] = ()

    def provides(self, need: str) -> bool:
        """Whether this host provides the library `need` to the plugins it loads."""
        return False


def host_of(facts: ElfFacts | PeFacts | MachoFacts) -> Optional[Host]:
    """The host that loads this artifact, recognised by what it exports (PyInit_*, napi_register_module_v1)."""
    return None
