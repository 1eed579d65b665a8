"""Rule text lives once, in the registry: docs/rules.md and the README table are derived from it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Dict, Set

from linkguard.rules.docs import rule_table, rules_markdown

ROOT = Path(__file__).parents[2]


def test_rules_md_is_generated_from_the_registry() -> None:
    hint = "regenerate with: python -m linkguard.rules.docs > docs/rules.md"
    assert (ROOT / "docs" / "rules.md").read_text() == rules_markdown(), hint


def test_readme_rule_table_is_the_registry_table() -> None:
    readme = (ROOT / "README.md").read_text()
    start = readme.index("<!-- rule-table")
    start = readme.index("\n", start) + 1
    end = readme.index("<!-- /rule-table -->")
    assert readme[start:end] == rule_table()


def test_readme_opens_with_the_two_commands() -> None:
    lines = (ROOT / "README.md").read_text().splitlines()
    block = lines[lines.index("```sh") + 1 : lines.index("```sh") + 4]
    venv = "python3 -m venv .venv && . .venv/bin/activate && "  # Debian's python3 refuses a bare pip install
    assert block[0] == venv + "pip install . && linkguard examples/dist"
    assert block[1] == venv + "pip install -e '.[test,github,dev]' && python -m pytest"
    assert block[2] == "```", "exactly two commands"
    ci = (ROOT / ".ci" / "run").read_text()
    assert "bash .ci/fresh-machine" in ci, "CI runs the second command as a fresh machine would"


def test_readme_counts_the_unproven_fixes_from_the_remedy_tables() -> None:
    """The README's numbers of proven and unproven fixes are derived here from the data, so they cannot drift:
    ELF fixes with a "before" fixture and no "after" one (tests/data/remedies/manifest.json), and the rows of
    remedies/native.py marked NOT_PROVEN."""
    from linkguard.remedies.native import NOT_PROVEN, REMEDIES_NATIVE

    text = " ".join((ROOT / "README.md").read_text().split())
    fixtures = json.loads((ROOT / "tests" / "data" / "remedies" / "manifest.json").read_text())["fixtures"]
    roles: Dict[str, Set[str]] = {}
    for fixture in fixtures:
        roles.setdefault(fixture["remedy"], set()).add(fixture["role"])
    elf_unproven = sum(1 for kinds in roles.values() if "before" in kinds and "after" not in kinds)
    native_unproven = sum(1 for remedy in REMEDIES_NATIVE if remedy.proven_by == NOT_PROVEN)
    native_proven = len(REMEDIES_NATIVE) - native_unproven
    assert f"every ELF fix linkguard prints was built and checked, except {elf_unproven} that cannot be built" in text
    assert (
        f"Of the {len(REMEDIES_NATIVE)} Windows and macOS fixes (`remedies/native.py`), {native_proven} were built "
        f'and checked on fixtures and {native_unproven} are marked "{NOT_PROVEN}" in that table'
    ) in text
