"""SARIF: valid against the shipped 2.1.0 schema, rules from the registry, stable fingerprints, relative URIs."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from pathlib import Path
from typing import Any, Dict

import pytest

from linkguard.report import RenderOptions
from linkguard.report.sarif import FINGERPRINT_KEY, LINE_HASH_KEY, SRCROOT, SarifReporter
from linkguard.rules import specs
from tests.truth import require_module
from tests.unit._report_samples import HOSTILE_NAME, WORKSPACE, clean_report, many_report, mixed_report

jsonschema = require_module("jsonschema", reason="jsonschema (the test extra) validates SARIF")

SCHEMA_PATH = Path(__file__).resolve().parents[1] / "data" / "sarif" / "sarif-schema-2.1.0.json"
SCHEMA_SHA256 = "c3b4bb2d6093897483348925aaa73af03b3e3f4bd4ca38cef26dcb4212a2682e"


def sarif(report: Any, workspace: Any = WORKSPACE, category: Any = None) -> Dict[str, Any]:
    options = RenderOptions(workspace=workspace, sarif_category=category)
    document: Dict[str, Any] = json.loads(SarifReporter().render(report, options).text)
    return document


def validate(document: Dict[str, Any]) -> None:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    validator = jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker())
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:10])


def test_schema_file_is_the_documented_one() -> None:
    assert hashlib.sha256(SCHEMA_PATH.read_bytes()).hexdigest() == SCHEMA_SHA256


@pytest.mark.parametrize("make", [clean_report, mixed_report, lambda: many_report(30, 20)])
@pytest.mark.parametrize("workspace", [WORKSPACE, None])
def test_valid_against_the_2_1_0_schema(make: Any, workspace: Any) -> None:
    validate(sarif(make(), workspace))


def test_schema_catches_a_broken_document() -> None:
    document = sarif(mixed_report())
    document["runs"][0]["results"][0]["level"] = "fatal"
    with pytest.raises(AssertionError):
        validate(document)


def test_rules_come_from_the_registry() -> None:
    rules = sarif(clean_report())["runs"][0]["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [s.code for s in specs()]
    for rule, spec in zip(rules, specs()):
        assert rule["name"] == spec.name
        assert rule["shortDescription"]["text"] == spec.summary
        assert rule["fullDescription"]["text"] == spec.description
        assert rule["help"]["markdown"] == spec.help_markdown
        assert "`" not in rule["help"]["text"]
        assert rule["helpUri"] == spec.help_uri
        assert rule["defaultConfiguration"]["level"] == spec.default_severity.value
        if spec.security_severity is None:
            assert "security-severity" not in rule["properties"]
            assert "security" not in rule["properties"]["tags"]
        else:
            assert rule["properties"]["security-severity"] == spec.security_severity
            assert 0.0 < float(spec.security_severity) <= 10.0  # GitHub ignores 0.0 and values outside
            assert "security" in rule["properties"]["tags"]


def test_only_security_rules_are_security_alerts() -> None:
    """The per-rule decision documented in docs/integrations.md: only upx-packed is a security rule."""
    security = {spec.name for spec in specs() if spec.security_severity is not None}
    assert security == {"upx-packed"}
    doc = (Path(__file__).resolve().parents[2] / "docs" / "integrations.md").read_text(encoding="utf-8")
    for spec in specs():
        verdict = "security alert" if spec.security_severity is not None else "not a security alert"
        assert f"| {spec.code} `{spec.name}` | {verdict} |" in doc, spec.code


def test_results_point_at_their_rules() -> None:
    run = sarif(mixed_report())["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert len(run["results"]) == 7
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] in ("error", "warning", "note")


def test_locations_relative_to_the_workspace() -> None:
    run = sarif(mixed_report())["runs"][0]
    assert run["originalUriBaseIds"] == {SRCROOT: {"uri": "file:///ws/"}}
    by_artifact = {r["properties"]["artifact"]: r for r in run["results"]}
    location = by_artifact["dist/app"]["locations"][0]
    assert location["physicalLocation"]["artifactLocation"] == {"uri": "dist/app", "uriBaseId": SRCROOT}
    hostile = by_artifact[f"dist/{HOSTILE_NAME}"]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert hostile["uri"] == "dist/a%2Cb%3Ac%250A%3A%3Aerror%3A%3Ax"


def test_archive_members_use_the_archive_file_and_a_logical_location() -> None:
    run = sarif(mixed_report())["runs"][0]
    member = [r for r in run["results"] if r["properties"]["artifact"].startswith("dist/release.tar.gz!")]
    assert {r["ruleId"] for r in member} == {"LG101", "LG201"}
    for result in member:
        location = result["locations"][0]
        assert location["physicalLocation"]["artifactLocation"]["uri"] == "dist/release.tar.gz"
        assert location["logicalLocations"] == [{"fullyQualifiedName": "app/bin/packed", "kind": "member"}]


def test_outside_the_workspace_is_an_absolute_uri() -> None:
    report = mixed_report()
    outside = replace(report, artifacts=(replace(report.artifacts[2], location="/elsewhere/app"),))
    location = sarif(outside)["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location == {"uri": "file:///elsewhere/app"}


def fingerprints(document: Dict[str, Any]) -> Dict[str, str]:
    return {
        f"{r['properties']['artifact']} {r['ruleId']}": r["partialFingerprints"][FINGERPRINT_KEY]
        for r in document["runs"][0]["results"]
    }


def test_fingerprints_are_stable_and_distinct() -> None:
    first = fingerprints(sarif(mixed_report()))
    assert first == fingerprints(sarif(mixed_report(), workspace="/elsewhere"))
    assert len(set(first.values())) == len(first)
    # a new tool version or a reworded message with the same evidence keeps the fingerprint
    report = replace(mixed_report(), tool_version="9.9.9")
    assert fingerprints(sarif(report)) == first


def test_fingerprint_changes_with_the_evidence() -> None:
    report = mixed_report()
    app = report.artifacts[2]
    changed = replace(app, findings=(replace(app.findings[0], evidence=("libc.so.6: GLIBC_2.38 <- foo",)),))
    before = fingerprints(sarif(replace(report, artifacts=(app,))))
    after = fingerprints(sarif(replace(report, artifacts=(changed,))))
    assert before.keys() == after.keys() and before != after


def test_primary_location_line_hash_is_set_and_stable() -> None:
    """GitHub uses only primaryLocationLineHash; it must be ours, distinct per finding and stable across runs."""
    first = sarif(mixed_report())["runs"][0]["results"]
    again = sarif(replace(mixed_report(), tool_version="9.9.9"), workspace="/elsewhere")["runs"][0]["results"]
    hashes = [r["partialFingerprints"][LINE_HASH_KEY] for r in first]
    assert hashes == [r["partialFingerprints"][LINE_HASH_KEY] for r in again]
    assert len(set(hashes)) == len(hashes)
    for result in first:
        value = result["partialFingerprints"][LINE_HASH_KEY]
        head, _, occurrence = value.partition(":")
        assert len(head) == 16 and int(head, 16) >= 0 and occurrence == "1"
        assert result["partialFingerprints"][FINGERPRINT_KEY].startswith(head)


def test_region_is_line_one() -> None:
    """A region with startLine (GitHub lists it as required; the multitool's GH1003 checks it): the whole file."""
    for result in sarif(mixed_report())["runs"][0]["results"]:
        region = result["locations"][0]["physicalLocation"]["region"]
        assert region == {"startLine": 1}


def test_category_becomes_the_automation_id() -> None:
    run = sarif(mixed_report(), category="linkguard-arm64")["runs"][0]
    assert run["automationDetails"] == {"id": "linkguard-arm64/"}  # all of it is the category
    nested = sarif(mixed_report(), category="linkguard/arm64/")
    validate(nested)
    assert nested["runs"][0]["automationDetails"]["id"] == "linkguard/arm64/"
    assert "automationDetails" not in sarif(mixed_report())["runs"][0]


def test_sarif_does_not_import_the_github_reporter() -> None:
    import subprocess
    import sys

    code = "import sys, linkguard.report.sarif; print('linkguard.report.github' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
