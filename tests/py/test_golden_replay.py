"""The golden journals (tests/golden, docs/contracts.md "Journal format versions") read through the Python test
harness as a user replays an exported journal (`workflow_replay`): every Python one replays OK against the source
it was recorded with. tests/js/golden-journals.test.js replays them through the engine and continues the
mid-flight ones; this guards pyworkflows.testing's path to the same journals."""

import json
from pathlib import Path

import pytest

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
FILES = sorted(p for p in GOLDEN.glob("pyworkflows-journal-*/*.json"))
PYTHON = [p for p in FILES if json.loads(p.read_text())["source"]["language"] == "python"]


def test_there_are_python_golden_journals():
    assert len(PYTHON) >= 10, FILES


@pytest.mark.parametrize("path", PYTHON, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_a_golden_journal_replays_through_the_harness(workflow_replay, path):
    golden = json.loads(path.read_text())
    report = workflow_replay(golden["final"]["journal"], golden["source"]["text"], workflow=golden["workflow"],
                             filename=Path(golden["source"]["filename"]).name).check()
    assert report.divergence is None and report.unreached == []
    assert report.replayed_steps == report.journal_steps == len(golden["final"]["steps"])
    if golden["final"]["status"] in ("complete", "errored"):
        assert report.outcome == golden["final"]["status"]
