"""Smoke test of ``learnact bench``: a tiny run writes valid JSON with ratios (no timing checks)."""

import json

import pytest

from learnact.cli.main import main


@pytest.mark.slow
def test_bench_quick_writes_json_with_ratios(tmp_path, capsys):
    out = tmp_path / "bench.json"
    table = tmp_path / "bench.md"
    status = main(
        ["bench", "--quick", "--suite", "series", "--suite", "numgrad", "--json", str(out)]
        + ["--markdown", str(table)]
    )
    assert status == 0
    markdown = table.read_text()
    assert "| size | candidate | median ms | ratio |" in markdown
    assert "| case | candidate | median ms | ratio |" in markdown
    assert "- book loop / batched central" in markdown
    report = json.loads(out.read_text())
    assert report["quick"] is True
    assert set(report["suites"]) == {"series", "numgrad"}
    series = report["suites"]["series"]["rows"]
    by_name = {row["name"]: row for row in series}
    assert by_name["prelu"]["ratio"] == pytest.approx(1.0)
    assert {"relu", "tanh", "taylor3", "answer3", "taylor10", "answer10"} <= set(by_name)
    for row in series + report["suites"]["numgrad"]["rows"]:
        assert row["median_ms"] > 0 and row["ratio"] > 0
    assert all("max_rel_error" in row for row in report["suites"]["numgrad"]["rows"])
    assert all(isinstance(t["met"], bool) for t in report["suites"]["series"]["targets"])
    assert "taylor3" in capsys.readouterr().out
