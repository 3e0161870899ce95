"""`learnact bench`: flags reach run_suites; tables printed and written; one-line errors."""

import json

import learnact.benchmarks
from learnact.cli.main import main

REPORT = {
    "environment": {"backend": "jax", "keras": "3", "cpus": 2, "date": "today"},
    "quick": True,
    "suites": {
        "numgrad": {
            "suite": "numgrad",
            "seconds": 0.5,
            "rows": [{"case": "c", "name": "book_loop", "median_ms": 2.0, "ratio": 1.0}],
            "targets": [],
        }
    },
}


def test_flags_reach_the_library_and_the_files_are_written(monkeypatch, tmp_path, capsys):
    received = {}

    def fake_run_suites(names, quick, progress):
        received.update(names=names, quick=quick)
        return REPORT

    monkeypatch.setattr(learnact.benchmarks, "run_suites", fake_run_suites)
    out, table = tmp_path / "sub" / "bench.json", tmp_path / "bench.md"
    argv = ["bench", "--quick", "--suite", "numgrad", "--json", str(out)]
    assert main([*argv, "--markdown", str(table)]) == 0
    assert received == {"names": ["numgrad"], "quick": True}
    assert json.loads(out.read_text()) == REPORT
    assert "| case | candidate | median ms | ratio |" in table.read_text()
    assert "book_loop" in capsys.readouterr().out


def test_an_unwritable_output_is_one_line(tmp_path, capsys):
    (tmp_path / "file").write_text("x")
    assert main(["bench", "--json", str(tmp_path / "file" / "bench.json")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("learnact bench: error: cannot create the folder of --json")
    assert err.count("\n") == 1
