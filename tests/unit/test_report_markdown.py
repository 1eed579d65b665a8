"""Markdown summary, checked the way GitHub shows it: rendered by cmark-gfm (GitHub's engine, as the cmarkgfm
package, with the table and autolink extensions) and asserted on the HTML: one row per artifact, fixes in
<code>, and nothing taken from a file name turned into markup."""

from __future__ import annotations

from html.parser import HTMLParser
from types import ModuleType
from typing import List, Optional, Tuple

import pytest

from linkguard.model import ArtifactReport, Finding, Report, Severity
from linkguard.report import RenderOptions
from linkguard.report.markdown import (
    REPORTER,
    artifact_verdict,
    escape_markdown,
    markdown_with_code,
    summary_markdown,
)
from tests.truth import require_module
from tests.unit._report_samples import DYNAMIC, LG101_DYNAMIC, clean_report, many_report, mixed_report

GITHUB_LIMIT = 1024 * 1024

# Names that would be markup if they reached the renderer unescaped (each also a real file name: no `/`, no NUL).
HOSTILE_NAMES = (
    "<script>alert(1)</script>",
    "a|b|c",
    "`code` and ``more``",
    "[x](https://example.com)",
    "**bold** and _em_ and ~~gone~~",
    "![img](x.png)",
    "www.example.com",
    "mail user@example.com",
    "http://example.com:8080/x",
    "<img src=x onerror=alert(1)>",
    "$x^2$ &amp; &lt;",
    "::error title=forged::x",
    "##vso[task.setvariable variable=X]1",
    "tab\there",
)
# Tags the summary itself writes (cmark-gfm wraps some blocks in <p>).
OUR_TAGS = {"h2", "h3", "p", "strong", "table", "thead", "tbody", "tr", "th", "td", "details", "summary", "br"}
OUR_TAGS |= {"code", "ul", "li", "blockquote"}


def cmark() -> ModuleType:
    return require_module("cmarkgfm", "GitHub's markdown engine renders the summary (the test extra)")


def render_html(markdown: str) -> str:
    """HTML as GitHub's cmark-gfm makes it (GFM: table, autolink, strikethrough, tagfilter), raw HTML kept so that
    anything a name smuggled in would show."""
    engine = cmark()
    from cmarkgfm.cmark import Options

    return str(engine.github_flavored_markdown_to_html(markdown, options=Options.CMARK_OPT_UNSAFE))


class Table(HTMLParser):
    """Rows of the first table body: each row a list of cells, each cell (text, tags inside it)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: List[List[Tuple[str, List[str]]]] = []
        self.tags: List[str] = []
        self.code: List[str] = []
        self._in_body = False
        self._cell: Optional[Tuple[List[str], List[str]]] = None
        self._code_depth = 0

    def handle_starttag(self, tag: str, attrs: List[Tuple[str, Optional[str]]]) -> None:
        self.tags.append(tag)
        if tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._in_body:
            self.rows.append([])
        elif tag == "td" and self._in_body:
            self._cell = ([], [])
        elif self._cell is not None:
            self._cell[1].append(tag)
        if tag == "code":
            self._code_depth += 1
            self.code.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "tbody":
            self._in_body = False
        elif tag == "td" and self._cell is not None:
            self.rows[-1].append(("".join(self._cell[0]), self._cell[1]))
            self._cell = None
        elif tag == "code":
            self._code_depth -= 1

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell[0].append(data)
        if self._code_depth:
            self.code[-1] += data


def parse(markdown: str) -> Table:
    table = Table()
    table.feed(render_html(markdown))
    return table


def hostile_report(names: Tuple[str, ...] = HOSTILE_NAMES) -> Report:
    """Each name twice: as an artifact with a finding (name also in its message and evidence) and as a clean one."""
    artifacts: List[ArtifactReport] = []
    for name in names:
        finding = Finding(
            code="LG101",
            rule="dynamic-link",
            severity=Severity.ERROR,
            message=f"needs {name}",
            evidence=(f"{name}: GLIBC_2.34 <- {name}",),
            cause=LG101_DYNAMIC.cause,
            fix=LG101_DYNAMIC.fix,
        )
        artifacts.append(
            ArtifactReport(path=f"dist/{name}", location="/ws/x", format="elf", facts=DYNAMIC, findings=(finding,))
        )
        artifacts.append(ArtifactReport(path=f"ok/{name}", location="/ws/y", format="elf", facts=DYNAMIC))
    return Report(artifacts=tuple(artifacts), tool_version="0.1.0")


# ----------------------------------------------------------------------------------- rendered by cmark-gfm


def test_one_row_per_artifact_with_six_cells() -> None:
    report = mixed_report()
    table = parse(summary_markdown(report))
    assert len(table.rows) == len(report.artifacts) == 7
    assert all(len(row) == 6 for row in table.rows)
    by_path = {row[0][0]: row for row in table.rows}
    assert set(by_path) == {a.path for a in report.artifacts}
    app = [cell for cell, _ in by_path["dist/app"]]
    assert app[1:5] == ["❌ fail", "dynamic", "glibc 2.34", "—"]
    packed = [cell for cell, _ in by_path["dist/release.tar.gz!app/bin/packed"]]
    assert packed[2:5] == ["dynamic", "glibc 2.34", "UPX 3.94 (NRV2E, level 8, linux/amd64)"]
    assert [cell for cell, _ in by_path["dist/tool"]][1:] == ["✅ pass", "static", "—", "—", "—"]


def test_evidence_and_fix_are_in_the_rows_details_and_fixes_render_as_code() -> None:
    table = parse(summary_markdown(mixed_report()))
    by_path = {row[0][0]: row for row in table.rows}
    text, tags = by_path["dist/app"][5]
    assert tags[:2] == ["details", "summary"]
    assert "libm.so.6: GLIBC_2.29 <- exp, log, pow" in text
    assert "fix: link with musl-gcc -static or add -static" in text
    assert "code" in tags
    assert "musl-gcc -static" in table.code
    assert "upx" in table.code  # the packed artifact's fix
    assert "`" not in "".join(cell for row in table.rows for cell, _ in row[5:])  # no literal backticks left


def test_totals_come_before_the_table() -> None:
    text = summary_markdown(mixed_report())
    assert text.startswith("## ❌ linkguard: failed (5 errors, 1 warning)\n\n**Totals:** 7 artifacts checked")
    assert text.index("**Totals:**") < text.index("| Artifact |")


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_no_file_name_becomes_markup(name: str) -> None:
    table = parse(summary_markdown(hostile_report((name,))))
    assert set(table.tags) <= OUR_TAGS, set(table.tags) - OUR_TAGS
    # The name reads back exactly (tabs are shown escaped) in its own first cell, not split into other cells.
    shown = name.replace("\t", "\\t")
    assert [row[0][0] for row in table.rows] == [f"dist/{shown}", f"ok/{shown}"]
    assert [len(row) for row in table.rows] == [6, 6]
    assert f"needs {shown}" in table.rows[0][5][0]
    # Only our own fix produced <code>; names never did.
    assert set(table.code) == {"musl-gcc -static"}


def test_hostile_names_add_no_links_or_raw_html() -> None:
    rendered = render_html(summary_markdown(hostile_report()))
    assert "<a " not in rendered and "<script" not in rendered and "<img" not in rendered
    assert "<em>" not in rendered and "<del>" not in rendered


def test_summary_stays_under_the_limit_with_ten_thousand_artifacts() -> None:
    report = many_report(6000, 4000)
    markdown = summary_markdown(report, max_bytes=GITHUB_LIMIT - 64 * 1024)
    assert len(markdown.encode("utf-8")) < GITHUB_LIMIT
    table = parse(markdown)
    assert len(table.rows) == 10000  # every artifact keeps its row; details go first
    assert "Shortened" in markdown
    detailed = [row for row in table.rows if "details" in row[5][1]]
    assert 0 < len(detailed) < 10000
    assert all("details" in row[5][1] for row in table.rows[: len(detailed)])  # the most important keep them
    assert "link statically" in markdown.split("### Causes and fixes", 1)[1]


def test_long_paths_cut_rows_and_say_so() -> None:
    report = many_report(3000, 0)
    long_paths = tuple(
        ArtifactReport(
            path=f"dist/{'deep/' * 80}{artifact.path}",
            location=artifact.location,
            format="elf",
            facts=artifact.facts,
            findings=artifact.findings,
        )
        for artifact in report.artifacts
    )
    markdown = summary_markdown(Report(artifacts=long_paths, tool_version="0.1.0"), max_bytes=400_000)
    assert len(markdown.encode("utf-8")) <= 400_000
    table = parse(markdown)
    assert 0 < len(table.rows) < 3000
    assert f"first {len(table.rows)} of 3000 artifacts" in markdown


def test_unbounded_summary_has_every_detail() -> None:
    report = many_report(300, 0)
    table = parse(summary_markdown(report))
    assert len(table.rows) == 300 and all("details" in row[5][1] for row in table.rows)


# ------------------------------------------------------------------------------------- escaping helpers


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
        ("http://x", "http\\://x"),
        ("www.x", "www\\.x"),
        ("a@b.c", "a<!-- -->@b.c"),
    ],
)
def test_escape_markdown(raw: str, escaped: str) -> None:
    assert escape_markdown(raw) == escaped


def test_markdown_with_code_keeps_only_paired_spans() -> None:
    assert markdown_with_code("run `a|b` then `x") == "run <code>a\\|b</code> then \\`x"


def test_heading_for_each_outcome() -> None:
    clean = summary_markdown(clean_report())
    assert clean.startswith("## ✅ linkguard: passed (2 artifacts checked, no findings)\n")
    never = Report(artifacts=mixed_report().artifacts, fail_on=None, tool_version="0.1.0")
    assert summary_markdown(never).startswith("## ⚠️ linkguard: passed with findings (6 findings)\n")


def test_verdicts() -> None:
    artifacts = {a.path: a for a in mixed_report().artifacts}
    assert artifact_verdict(artifacts["dist/app"], Severity.ERROR) == "fail"
    assert artifact_verdict(artifacts["dist/warned"], Severity.ERROR) == "warning"
    assert artifact_verdict(artifacts["dist/warned"], Severity.WARNING) == "fail"
    assert artifact_verdict(artifacts["dist/app"], None) == "error"
    assert artifact_verdict(artifacts["dist/tool"], Severity.ERROR) == "pass"


def test_reporter_is_the_unbounded_summary() -> None:
    report = many_report(300, 0)
    assert REPORTER.render(report, RenderOptions()).text == summary_markdown(report)


# ------------------------------------------------------------------------- packed Windows and macOS artifacts

PACKED_NATIVE = {
    # the packed file -> linkage of the original, from the original's own imports / load commands
    # (objdump -p: mingw-cxx-thread-dynamic.exe imports libgcc_s_seh-1.dll and libstdc++-6.dll, mingw-c.exe only
    # KERNEL32.dll and msvcrt.dll; llvm-objdump --macho -L: usefoo-usrlocal-x86_64 loads /usr/local/lib/libfoo.dylib,
    # zig-c-x86_64 only /usr/lib/libSystem.B.dylib)
    "pe/bin/upx394-mingw-cxx-thread-dynamic.exe": "dynamic",
    "pe/bin/upx4-mingw-c.exe": "os-only",
    "macho/bin/upx394-usefoo-usrlocal-x86_64": "dynamic",
    "macho/bin/upx394-zig-c-x86_64": "os-only",
}


@pytest.mark.parametrize("fixture", sorted(PACKED_NATIVE))
def test_packed_pe_and_macho_show_the_originals_linkage(fixture: str) -> None:
    """The job summary's Linkage cell for a UPX-packed PE or Mach-O is the original's, not "unknown"."""
    from tests.conftest import DATA, run_cli

    _, text = run_cli(["--format", "markdown", str(DATA / fixture)])
    table = parse(text)
    ((cells),) = table.rows
    assert cells[2][0] == PACKED_NATIVE[fixture]


FLOORS = {
    # the Floor cell, from each fixture's truth: readelf --version-info (GLIBC_2.34 the highest need), objdump -p
    # (subsystem version: mingw-c 5.2, go-windows-amd64 10.0), llvm-objdump --macho (minos per slice:
    # universal-clean arm64 11.0, x86_64 12.0; zig-c-x86_64, the original behind UPX, 15.0)
    "elf/bin/gcc-glibc-dynamic-libm": "glibc 2.34",
    "elf/bin/musl-gcc-static": "—",
    "pe/bin/mingw-c.exe": "Windows NT 5.2",
    "pe/bin/upx4-mingw-c.exe": "Windows NT 5.2",
    "pe/bin/go-windows-amd64.exe": "Windows NT 10.0",
    "macho/bin/universal-clean": "macOS 12.0",
    "macho/bin/upx394-zig-c-x86_64": "macOS 15.0",
}


@pytest.mark.parametrize("fixture", sorted(FLOORS))
def test_the_floor_cell_speaks_each_formats_floor(fixture: str) -> None:
    from tests.conftest import DATA, run_cli

    _, text = run_cli(["--format", "markdown", str(DATA / fixture)])
    ((cells),) = parse(text).rows
    assert cells[3][0] == FLOORS[fixture]
