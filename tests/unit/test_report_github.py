"""GitHub reporter: annotations parsed back the way the runner parses them, limits, env-file safety, summary size."""

from __future__ import annotations

import re
from typing import Dict, List, Optional, Tuple

import pytest

from linkguard.model import ArtifactReport, Finding, Report, Severity
from linkguard.report import Rendered, RenderOptions
from linkguard.report import github as gh
from tests.truth import require_module
from tests.unit._report_samples import HOSTILE_NAME, WORKSPACE, clean_report, many_report, mixed_report

Command = Tuple[str, Dict[str, str], str]


def unescape_data(text: str) -> str:
    return text.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


def unescape_property(text: str) -> str:
    return text.replace("%0D", "\r").replace("%0A", "\n").replace("%3A", ":").replace("%2C", ",").replace("%25", "%")


def parse_commands(log: str) -> List[Command]:
    """Workflow commands as the runner sees them: honours ::stop-commands::TOKEN until ::TOKEN::."""
    commands: List[Command] = []
    stopped: Optional[str] = None
    for raw in log.splitlines():
        line = raw.lstrip()
        if stopped is not None:
            if line == f"::{stopped}::":
                stopped = None
            continue
        match = re.match(r"^::([A-Za-z-]+)(?: ([^:]*))?::(.*)$", line)
        if not match:
            continue
        name, props, data = match.groups()
        if name == "stop-commands":
            stopped = data
            continue
        properties: Dict[str, str] = {}
        for pair in (props or "").split(","):
            if pair:
                key, _, value = pair.partition("=")
                properties[key] = unescape_property(value)
        commands.append((name, properties, unescape_data(data)))
    return commands


def render(report: Report, annotations: bool = True, summary: bool = True) -> Rendered:
    options = RenderOptions(workspace=WORKSPACE, annotations=annotations, summary=summary)
    return gh.GithubReporter().render(report, options)


def test_hostile_file_name_gives_exactly_one_annotation_with_that_name() -> None:
    commands = parse_commands(render(mixed_report()).text)
    hostile = [c for c in commands if c[1].get("file", "").endswith(HOSTILE_NAME)]
    assert len(hostile) == 1
    name, properties, message = hostile[0]
    assert name == "error"
    assert message.startswith("LG101 dynamic-link: needs 2 shared libraries")
    assert properties["file"] == f"dist/{HOSTILE_NAME}"
    assert properties["title"] == "linkguard fail: LG101 dynamic-link"
    # Nothing in the log or the messages turned into a command of its own.
    assert [c[0] for c in commands] == ["error", "error", "error", "error", "warning", "notice"]
    assert all(c[1]["file"] for c in commands)


def test_one_annotation_per_artifact_with_evidence_and_fix() -> None:
    commands = parse_commands(render(mixed_report()).text)
    packed = [c for c in commands if c[1]["file"] == "dist/release.tar.gz"]
    assert len(packed) == 1
    _, properties, message = packed[0]
    assert properties["title"] == "linkguard fail: LG101 dynamic-link, LG201 upx-packed"
    assert message.splitlines()[0] == "archive member app/bin/packed"
    assert "UPX! magic at offset 0xec" in message
    assert "Fix: drop the `upx` step from the release pipeline" in message


def test_the_log_cannot_issue_commands() -> None:
    text = render(mixed_report(), annotations=False).text
    assert "::error::x" in text  # the hostile name is printed in the log...
    assert parse_commands(text) == []  # ...but inside stop-commands, so it issues nothing


def test_toolkit_and_local_escaping_agree() -> None:
    require_module("actions_toolkit", "the github extra's actions-toolkit is the reference escaping")
    properties = {"file": f"dist/{HOSTILE_NAME}\r\n", "title": "t: a, b %"}
    message = "100% done\r\n::error::no"
    assert gh._toolkit_command("error", properties, message) == gh._own_command("error", properties, message)
    assert gh.command_formatter() is gh._toolkit_command


def test_escaping_functions() -> None:
    assert gh.escape_data("a%b\r\nc:d,e") == "a%25b%0D%0Ac:d,e"
    assert gh.escape_property("a%b\r\nc:d,e") == "a%25b%0D%0Ac%3Ad%2Ce"


@pytest.mark.parametrize(("errors", "warnings"), [(3, 2), (10, 10), (11, 0), (25, 13)])
def test_at_most_ten_per_level_and_the_last_counts_the_rest(errors: int, warnings: int) -> None:
    commands = parse_commands(render(many_report(errors, warnings)).text)
    for level, total in (("error", errors), ("warning", warnings)):
        shown = [c for c in commands if c[0] == level]
        assert len(shown) == min(total, gh.MAX_ANNOTATIONS_PER_LEVEL)
        hidden = total - len(shown)
        notes = [c for c in shown if "listed in the job summary" in c[2]]
        if hidden:
            assert notes == [shown[-1]]
            assert f"{hidden} more artifact" in shown[-1][2]
        else:
            assert notes == []


def test_most_important_first() -> None:
    report = mixed_report()
    order = [c[1]["file"] for c in parse_commands(render(report).text)]
    # errors (failing) before the warning before the note; ties by path
    assert order.index("dist/app") < order.index("dist/warned") < order.index("dist/x|y<b>*_`$~\\")


def test_no_annotations_no_summary() -> None:
    rendered = render(mixed_report(), annotations=False, summary=False)
    assert parse_commands(rendered.text) == []
    assert rendered.step_summary is None
    assert rendered.step_outputs["failed"] == "true"


def test_step_outputs() -> None:
    assert render(mixed_report()).step_outputs == {
        "errors": "5",
        "warnings": "1",
        "notes": "1",
        "artifacts": "7",
        "failed": "true",
    }
    assert render(clean_report()).step_outputs["failed"] == "false"


def parse_output_file(text: str) -> Dict[str, str]:
    """$GITHUB_OUTPUT as the runner reads it: `name=value` lines and `name<<DELIM` heredocs."""
    outputs: Dict[str, str] = {}
    lines = text.split("\n")
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        if not line:
            continue
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            value: List[str] = []
            while lines[index] != delimiter:
                value.append(lines[index])
                index += 1
            index += 1
            outputs[name] = "\n".join(value)
        else:
            name, _, value_text = line.partition("=")
            outputs[name] = value_text
    return outputs


def test_output_values_cannot_inject_outputs() -> None:
    tokens = iter(["aaaa", "aaaa", "bbbb", "cccc", "dddd"])
    evil = "x\nLINKGUARD_aaaa\nfailed=false\nLINKGUARD_bbbb"
    text = gh.output_file_text({"json": evil, "failed": "true"}, token=lambda: next(tokens))
    # delimiters that occur in the value are redrawn until one does not
    assert text.startswith("json<<LINKGUARD_cccc\n")
    assert parse_output_file(text) == {"json": evil, "failed": "true"}


def test_output_names_are_checked() -> None:
    with pytest.raises(ValueError):
        gh.output_file_text({"bad\nname": "1"})


def test_output_file_random_delimiters_roundtrip() -> None:
    outputs = {"a": "1", "b": "two\nlines", "c": ""}
    assert parse_output_file(gh.output_file_text(outputs)) == outputs


def test_summary_stays_under_the_limit_with_ten_thousand_artifacts() -> None:
    report = many_report(6000, 4000)
    summary = render(report).step_summary
    assert summary is not None
    assert len(summary.encode("utf-8")) <= gh.SUMMARY_MAX_BYTES < 1024 * 1024
    assert "Shortened" in summary
    assert summary.count("\n| dist/bin-") == 10000  # one row per artifact, all kept
    shown = re.search(r"fix are shown for the first (\d+) of 10000 artifacts", summary)
    assert shown is not None and 100 < int(shown.group(1)) < 10000
    assert summary.count("<details>") == int(shown.group(1))
    assert "**Totals:** 10000 artifacts checked" in summary
    # the most important rows (errors) come first, with their details
    assert summary.index("| dist/bin-00000 |") < summary.index("| dist/bin-06000 |")
    assert "| dist/bin-00000 | ❌ fail | dynamic | glibc 2.34 | — | <details>" in summary


def test_small_reports_are_not_shortened() -> None:
    summary = render(mixed_report()).step_summary
    assert summary is not None and "Shortened" not in summary


@pytest.mark.parametrize(
    ("location", "workspace", "expected"),
    [
        ("/ws/dist/a", "/ws", "dist/a"),
        ("/ws/dist/a", "/ws/", "dist/a"),
        ("/other/a", "/ws", "/other/a"),
        ("/wsx/a", "/ws", "/wsx/a"),
        ("dist/./a", None, "dist/a"),
    ],
)
def test_workspace_path(location: str, workspace: Optional[str], expected: str) -> None:
    assert gh.workspace_path(location, workspace) == expected


def test_note_only_report_uses_notice() -> None:
    report = Report(artifacts=mixed_report().artifacts[-1:], fail_on=Severity.ERROR)
    assert [c[0] for c in parse_commands(render(report).text)] == ["notice"]


def test_annotation_text_is_neutralized() -> None:
    """The message and title a person reads in the annotation carry no Azure command and no control character."""
    finding = Finding(code="LG101", rule="dynamic-link", severity=Severity.ERROR, message="needs \x1b[31mred")
    member = "##vso[task.setvariable variable=X]1"
    artifact = ArtifactReport(path=f"dist/r.tar!{member}", location="/ws/dist/r.tar", format="elf", findings=(finding,))
    commands = parse_commands(render(Report(artifacts=(artifact,))).text)
    assert len(commands) == 1
    _, properties, message = commands[0]
    assert properties["file"] == "dist/r.tar"
    assert message.splitlines() == [
        "archive member ##vso\\[task.setvariable variable=X]1",
        r"LG101 dynamic-link: needs \x1b[31mred",
    ]


def test_stop_commands_with_a_given_token() -> None:
    wrapped = gh.stop_commands("::error::x\n", token="f" * 64)
    assert wrapped == f"::stop-commands::{'f' * 64}\n::error::x\n::{'f' * 64}::\n"
    assert parse_commands(wrapped) == []
