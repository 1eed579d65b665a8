"""The streamed JSON report is byte for byte what json.dumps writes for the whole document, in both layouts."""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional

import pytest

from linkguard.model import Totals
from linkguard.report import RenderOptions, RunInfo
from linkguard.report.json import JsonStream


@pytest.mark.parametrize("indent", [None, 2])
@pytest.mark.parametrize("count", [0, 1, 3, 255, 256, 257, 700])
def test_stream_equals_one_dumps(indent: Optional[int], count: int) -> None:
    artifacts: List[Dict[str, Any]] = [{"path": f"dist/p{i}", "needs": [1, {"a": i}], "e": []} for i in range(count)]
    skipped = [{"path": f"dist/s{i}", "reason": "not an executable (ELF, PE or Mach-O)"} for i in range(count // 2)]
    parts: List[str] = []
    stream = JsonStream(RunInfo("9.9", None), RenderOptions(color=indent is not None), parts.append)
    for item in artifacts:
        stream._lists["artifacts"].add(item)
    for item in skipped:
        stream._lists["skipped_files"].add(item)
    totals = Totals(count, count // 2, 0, 0, 0, False)
    stream.finish(totals)
    expected = {
        "version": 1,
        "tool": {"name": "linkguard", "version": "9.9"},
        "summary": {
            "artifacts": count,
            "skipped": count // 2,
            "errors": 0,
            "warnings": 0,
            "notes": 0,
            "failed": False,
            "fail_on": "never",
        },
        "artifacts": artifacts,
        "skipped_files": skipped,
    }
    assert "".join(parts) == json.dumps(expected, indent=indent, ensure_ascii=False) + "\n"


def test_names_that_azure_would_run_are_escaped_but_decode_the_same() -> None:
    from linkguard.report.escape import neutralize_json as _neutral

    names = ["dist/##vso[task.setvariable variable=X]1", "##[group]x", "a/##VSO[task.complete]"]
    text = json.dumps({"paths": names})
    escaped = _neutral(text)
    assert json.loads(escaped) == {"paths": names}
    assert "##vso[" not in escaped.lower() and "##[" not in escaped
