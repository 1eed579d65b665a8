"""Text reporter: one line per artifact and per finding, each distinct cause and fix once, evidence behind
--verbose, output that can be produced artifact by artifact, and no name that reaches the terminal raw."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import List

from linkguard.model import ArtifactReport, Finding, Report, Severity
from linkguard.report import RenderOptions
from linkguard.report.text import PATHS_SHOWN, REPORTER, CauseGroups
from tests.unit._report_samples import DYNAMIC, LG101_DYNAMIC, mixed_report

C_CAUSE = "A C program linked dynamically against the system C library ({needed})."
C_FIX = "Link statically against musl: `musl-gcc -static`."


def c_finding(needed: str) -> Finding:
    return replace(LG101_DYNAMIC, cause=C_CAUSE.format(needed=needed), fix=C_FIX, remedy="c-musl-static")


def release(count: int) -> Report:
    """`count` dynamic C programs with one remedy whose cause names each program's own libraries, and one C++."""
    artifacts: List[ArtifactReport] = [
        ArtifactReport(
            path=f"dist/bin-{index:02d}",
            location=f"/ws/dist/bin-{index:02d}",
            format="elf",
            facts=DYNAMIC,
            findings=(c_finding("libc.so.6" if index % 2 else "libm.so.6, libc.so.6"),),
        )
        for index in range(count)
    ]
    cxx = replace(LG101_DYNAMIC, cause="A C++ program.", fix="Use `zig c++ -static`.", remedy="cxx-musl-static")
    artifacts.append(
        ArtifactReport(path="dist/cxx", location="/ws/dist/cxx", format="elf", facts=DYNAMIC, findings=(cxx,))
    )
    return Report(artifacts=tuple(artifacts), tool_version="0.1.0")


def render(report: Report, verbose: bool = False, color: bool = False) -> List[str]:
    return REPORTER.render(report, RenderOptions(verbose=verbose, color=color)).text.splitlines()


def test_one_line_per_artifact_and_per_finding_then_causes_once() -> None:
    lines = render(release(12))
    blank = lines.index("")
    assert len(lines[:blank]) == 13 * 2  # 13 artifacts, one finding each
    assert all(line.startswith("dist/") for line in lines[:blank:2])
    assert all(line.startswith("  error LG101 dynamic-link [c") for line in lines[1:blank:2])
    closing = lines[blank + 1 :]
    assert closing[0].startswith("Causes and fixes")
    assert sum(line == f"  fix: {C_FIX}" for line in lines) == 1
    assert sum(line.startswith("  cause") for line in lines) == 2  # one per remedy
    assert closing[-1] == "linkguard: 13 artifacts checked, 0 skipped; 13 errors, 0 warnings: FAILED"


def test_a_cause_names_a_handful_of_artifacts_then_counts() -> None:
    lines = render(release(12))
    head = next(line for line in lines if line.startswith("[c-musl-static]"))
    shown = ", ".join(f"dist/bin-{index:02d}" for index in range(PATHS_SHOWN))
    assert head == f"[c-musl-static] LG101 dynamic-link, 12 artifacts: {shown} and {12 - PATHS_SHOWN} more"
    assert "[cxx-musl-static] LG101 dynamic-link, 1 artifact: dist/cxx" in lines


def test_a_finding_line_names_its_remedy() -> None:
    lines = render(release(2))
    assert lines[1].startswith("  error LG101 dynamic-link [c-musl-static]: needs 2 shared libraries")
    assert lines[5].startswith("  error LG101 dynamic-link [cxx-musl-static]: ")


def test_a_cause_worded_per_artifact_says_for_which() -> None:
    lines = render(release(3))
    assert "  cause, as worded for dist/bin-00: " + C_CAUSE.format(needed="libm.so.6, libc.so.6") in lines
    one = render(release(1))  # a single wording is printed as the cause, unqualified
    assert "  cause: " + C_CAUSE.format(needed="libm.so.6, libc.so.6") in one


def test_findings_without_remedy_group_by_their_own_text() -> None:
    lines = render(mixed_report())
    assert "LG101 dynamic-link, 2 artifacts: dist/app, dist/a,b:c%0A::error::x" in lines
    assert sum(line == "  cause: built with gcc without -static" for line in lines) == 1


def test_verbose_puts_evidence_cause_and_fix_under_each_artifact() -> None:
    report = replace(release(3), skipped=mixed_report().skipped)
    lines = render(report, verbose=True)
    assert sum(line == f"      fix: {C_FIX}" for line in lines) == 3
    assert lines.count("      libm.so.6: GLIBC_2.29 <- exp, log, pow") == 4
    assert "      remedy: c-musl-static" in lines
    assert not any(line.startswith("Causes and fixes") for line in lines)
    assert "dist/README.md  skipped (not an executable (ELF, PE or Mach-O))" in lines
    assert not any("[c-musl-static]" in line for line in lines)


def test_output_is_the_sum_of_per_artifact_parts_and_a_closing_from_aggregates() -> None:
    """What a streaming caller would emit: each artifact's lines as it arrives, then the closing section."""
    report = mixed_report()
    options = RenderOptions()
    causes = CauseGroups()
    streamed: List[str] = []
    for artifact in report.artifacts:
        streamed.extend(REPORTER.artifact_lines(artifact, options))
        causes.add(artifact)
    streamed.extend(REPORTER.closing_lines(causes, report.totals, report.skipped, options))
    assert "\n".join(streamed) + "\n" == REPORTER.render(report, options).text


def test_cause_groups_keep_a_bounded_number_of_paths() -> None:
    causes = CauseGroups()
    for artifact in release(1000).artifacts:
        causes.add(artifact)
    counts = {group.remedy: (group.count, len(group.paths)) for group in causes.groups}
    assert counts == {"c-musl-static": (1000, PATHS_SHOWN), "cxx-musl-static": (1, 1)}


HOSTILE = (
    "::error title=forged::x",
    "##vso[task.setvariable variable=X]1",
    "\x1b[2J\x1b]0;pwned\x07",
    "two\nlines",
    "\u202eevil",
)


def test_hostile_names_are_neither_commands_nor_terminal_escapes() -> None:
    artifacts = tuple(
        ArtifactReport(path=name, location=name, format="elf", facts=DYNAMIC, findings=(c_finding("libc.so.6"),))
        for name in HOSTILE
    )
    for verbose in (False, True):
        text = REPORTER.render(Report(artifacts=artifacts), RenderOptions(verbose=verbose, color=True)).text
        lines = text.split("\n")
        for line in lines:
            plain = re.sub(r"\x1b\[[0-9]+m", "", line)  # our own colour codes, and only those
            assert "\x1b" not in plain and "\x07" not in plain and "\u202e" not in plain, line
            assert not plain.lstrip().startswith("::"), line
            assert "##vso[" not in plain, line
        heads = [re.sub(r"\x1b\[[0-9]+m", "", line) for line in lines if "dynamic x86_64/64" in line]
        assert [head.split("  ", 1)[0] for head in heads] == [
            "\\::error title=forged::x",
            "##vso\\[task.setvariable variable=X]1",
            "\\x1b[2J\\x1b]0;pwned\\x07",
            "two\\nlines",
            "\\u202eevil",
        ]


def test_colour_only_when_asked() -> None:
    plain = REPORTER.render(mixed_report(), RenderOptions(color=False)).text
    assert "\x1b" not in plain
    coloured = REPORTER.render(mixed_report(), RenderOptions(color=True)).text
    assert "\x1b[31merror LG101\x1b[0m" in coloured


def test_unreadable_and_allowed_artifacts() -> None:
    lines = render(mixed_report())
    assert "dist/truncated  unreadable" in lines
    assert any(line.endswith("[allowed: plugins may link glibc]") for line in lines)
    assert Severity.NOTE.value in " ".join(lines)


def test_stream_writes_what_render_gives() -> None:
    from linkguard.report import RunInfo

    report = mixed_report()
    for options in (RenderOptions(), RenderOptions(quiet=True), RenderOptions(verbose=True)):
        written: List[str] = []
        stream = REPORTER.stream(RunInfo("0.1.0", report.fail_on), options, written.append)
        for artifact in report.artifacts:
            stream.artifact(artifact)
        for skipped in report.skipped:  # a collected Report lists skipped files last, as the walk here does
            stream.skipped(skipped)
        stream.finish(report.totals)
        assert "".join(written) == REPORTER.render(report, options).text


def test_quiet_leaves_out_clean_artifacts_but_counts_them() -> None:
    lines = REPORTER.render(mixed_report(), RenderOptions(quiet=True)).text.splitlines()
    assert "dist/tool  static x86_64/64" not in lines
    assert lines[-1].startswith("linkguard: 7 artifacts checked")
