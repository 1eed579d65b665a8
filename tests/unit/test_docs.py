"""Rule text lives once, in the registry: docs/rules.md and the README table are derived from it."""

from __future__ import annotations

from pathlib import Path

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
