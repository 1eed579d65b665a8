"""Markdown summary: escaping keeps every row at five cells and lets no HTML through; verdicts and totals."""

from __future__ import annotations

import re

import pytest

from linkguard.model import Severity
from linkguard.report import RenderOptions
from linkguard.report.markdown import REPORTER, artifact_verdict, escape_html, escape_markdown, summary_markdown
from tests.unit._report_samples import clean_report, many_report, mixed_report

# A cell separator is a `|` not preceded by a backslash.
CELL_SPLIT = re.compile(r"(?<!\\)\|")


def table_rows(text: str) -> list:
    return [line for line in text.splitlines() if line.startswith("| ") and not line.startswith("| ---")]


def test_every_row_has_five_cells() -> None:
    rows = table_rows(summary_markdown(mixed_report()))
    assert rows[0] == "| Artifact | Verdict | Rule | Evidence | Fix |"
    assert len(rows) == 1 + 7  # header + one row per finding
    for row in rows:
        assert len(CELL_SPLIT.split(row)) == 7, row  # 5 cells between leading and trailing pipes


def test_no_raw_html_or_markup_from_data() -> None:
    text = summary_markdown(mixed_report())
    assert "<b>" not in text and "<i>" not in text
    assert "&lt;i&gt;not html&lt;/i&gt;" in text
    assert "dist/x\\|y&lt;b&gt;\\*\\_\\`\\$\\~\\\\" in text
    # the only HTML is ours
    assert set(re.findall(r"</?([a-z]+)", text)) == {"details", "summary", "br"}


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("a|b", "a\\|b"),
        ("<script>", "&lt;script&gt;"),
        ("x & y", "x &amp; y"),
        ("`code`", "\\`code\\`"),
        ("two\nlines", "two<br>lines"),
        ("crlf\r\nline", "crlf<br>line"),
        ("tab\tand bell\x07", "tab\\\\tand bell\\\\x07"),  # printable() spells them, markdown keeps the backslash
        ("*_[]~$\\", "\\*\\_\\[\\]\\~\\$\\\\"),
    ],
)
def test_escape_markdown(raw: str, escaped: str) -> None:
    assert escape_markdown(raw) == escaped


def test_escape_html_for_summary_elements() -> None:
    assert escape_html('<a href="x">&') == "&lt;a href=&quot;x&quot;&gt;&amp;"


def test_heading_and_totals() -> None:
    failed = summary_markdown(mixed_report())
    assert failed.startswith("## ❌ linkguard: failed (5 errors, 1 warning)\n")
    assert "**Totals:** 7 artifacts checked, 1 skipped; 5 errors, 1 warning, 1 note. Fails on: error." in failed
    clean = summary_markdown(clean_report())
    assert clean.startswith("## ✅ linkguard: passed (2 artifacts checked, no findings)\n")
    assert "| Artifact |" not in clean
    assert "<details><summary>2 artifacts passed</summary>" in clean


def test_per_artifact_details() -> None:
    text = summary_markdown(mixed_report())
    assert text.count("<details><summary>") == 7  # 6 artifacts with findings + the passed list
    assert "  - cause: built with gcc without -static" in text


def test_verdicts() -> None:
    artifacts = {a.path: a for a in mixed_report().artifacts}
    assert artifact_verdict(artifacts["dist/app"], Severity.ERROR) == "fail"
    assert artifact_verdict(artifacts["dist/warned"], Severity.ERROR) == "warning"
    assert artifact_verdict(artifacts["dist/warned"], Severity.WARNING) == "fail"
    assert artifact_verdict(artifacts["dist/app"], None) == "error"
    assert artifact_verdict(artifacts["dist/tool"], Severity.ERROR) == "pass"


def test_budget_shortens_and_says_so() -> None:
    report = many_report(300, 0)
    full = summary_markdown(report)
    short = summary_markdown(report, max_bytes=40_000)
    assert len(short.encode("utf-8")) <= 40_000 < len(full.encode("utf-8"))
    assert "Shortened" in short and "Shortened" not in full
    assert "<details>" not in short


def test_reporter_is_the_unbounded_summary() -> None:
    report = many_report(300, 0)
    assert REPORTER.render(report, RenderOptions()).text == summary_markdown(report)
