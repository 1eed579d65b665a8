"""JUnit XML: valid against Jenkins' published XSD, read by a real consumer (junitparser), no CI commands."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, List

import pytest

from linkguard.cli import main
from linkguard.report import RenderOptions
from linkguard.report.junit import JunitReporter
from tests.truth import require_module
from tests.unit._ci_hostile import AZURE_MEMBER, AZURE_NAME, GITHUB_NAME, ci_commands, hostile_tree
from tests.unit._report_samples import WORKSPACE, clean_report, many_report, mixed_report

xmlschema = require_module("xmlschema", reason="xmlschema (the test extra) validates JUnit XML")
junitparser = require_module("junitparser", reason="junitparser (the test extra) reads JUnit XML")

XSD = Path(__file__).resolve().parents[1] / "data" / "schemas" / "junit-10.xsd"
XSD_SHA256 = "feb190c00a51272bebd8ddbbdd5ba06fcbc65d913fffbca660d8815439527042"


def render(report: Any) -> str:
    return JunitReporter().render(report, RenderOptions(workspace=WORKSPACE)).text


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "linkguard.xml"
    path.write_text(text, encoding="utf-8")
    return path


def cases(path: Path) -> List[Any]:
    xml = junitparser.JUnitXml.fromfile(str(path))
    return [case for suite in xml for case in suite]


def test_schema_file_is_the_recorded_one() -> None:
    assert hashlib.sha256(XSD.read_bytes()).hexdigest() == XSD_SHA256


@pytest.mark.parametrize("make", [clean_report, mixed_report, lambda: many_report(30, 20)])
def test_valid_against_the_jenkins_xsd(make: Any, tmp_path: Path) -> None:
    xmlschema.XMLSchema(str(XSD)).validate(str(write(tmp_path, render(make()))))


def test_the_xsd_rejects_a_broken_report(tmp_path: Path) -> None:
    broken = render(mixed_report()).replace('<testsuite name="linkguard" tests="8"', '<testsuite name="linkguard"')
    with pytest.raises(xmlschema.XMLSchemaValidationError):
        xmlschema.XMLSchema(str(XSD)).validate(str(write(tmp_path, broken)))


def test_one_case_per_artifact_read_by_junitparser(tmp_path: Path) -> None:
    report = mixed_report()
    found = cases(write(tmp_path, render(report)))
    names = [case.name for case in found]
    assert names[: len(report.artifacts)] == [a.path for a in report.artifacts]
    by_name = {case.name: case for case in found}
    failing = {a.path for a in report.artifacts if any(f.severity.value == "error" for f in a.findings)}
    for artifact in report.artifacts:
        results = by_name[artifact.path].result
        if artifact.path in failing:
            assert [type(r) for r in results] == [junitparser.Failure]
        else:
            assert results == []  # passed, warnings and notes included: they do not reach fail-on error
    # the skipped file is a skipped case, not a failure
    (readme,) = [case for case in found if case.name == "dist/README.md"]
    assert [type(r) for r in readme.result] == [junitparser.Skipped]
    assert "not an executable (ELF, PE or Mach-O)" in readme.result[0].message


def test_failure_text_has_evidence_and_fix(tmp_path: Path) -> None:
    by_name = {case.name: case for case in cases(write(tmp_path, render(mixed_report())))}
    (failure,) = by_name["dist/app"].result
    assert failure.type == "LG101 dynamic-link"
    assert failure.message.startswith("LG101 dynamic-link: needs 2 shared libraries")
    assert "libm.so.6: GLIBC_2.29 <- exp, log, pow" in failure.text
    assert "fix: link with `musl-gcc -static` or add -static" in failure.text
    # a warning below fail-on stays visible in the case's output
    assert "glibc-too-new" in by_name["dist/warned"].system_out


def test_suite_totals_match_the_cases(tmp_path: Path) -> None:
    xml = junitparser.JUnitXml.fromfile(str(write(tmp_path, render(mixed_report()))))
    (suite,) = list(xml)
    assert (suite.tests, suite.failures, suite.errors, suite.skipped) == (8, 4, 0, 1)


def test_hostile_names_issue_no_ci_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Real binaries under command-like names, in a directory and inside an archive, end to end."""
    root = tmp_path / "dist"
    dynamic = hostile_tree(root)
    out = tmp_path / "out.xml"
    code = main(["--no-config", "--format", "junit", "--output", str(out), str(root)])
    assert code == 1
    text = out.read_text(encoding="utf-8")
    assert ci_commands(text) == []
    xmlschema.XMLSchema(str(XSD)).validate(str(out))
    found = cases(out)
    failed = sorted(case.name for case in found if case.result and isinstance(case.result[0], junitparser.Failure))
    assert len(failed) == len(dynamic) == 4
    # the names stay recognisable: only the command prefixes are broken
    assert any(GITHUB_NAME[2:] in name and name.endswith(GITHUB_NAME[2:]) for name in failed)
    assert any(AZURE_NAME.split("[", 1)[1] in name for name in failed)
    assert any(AZURE_MEMBER.split("[", 1)[1] in name for name in failed)
    assert sum(1 for case in found if case.result and isinstance(case.result[0], junitparser.Skipped)) >= 1
    capsys.readouterr()
