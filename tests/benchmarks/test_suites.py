"""run_suites / format_report: a quick run gives valid reports with ratios (no timing checks)."""

import json

import pytest

from learnact.benchmarks import format_report, run_suites
from learnact.errors import UserInputError


@pytest.mark.slow
def test_quick_series_and_numgrad_report_ratios():
    report = run_suites(["series", "numgrad"], quick=True)
    assert report["quick"] is True and set(report["suites"]) == {"series", "numgrad"}
    json.dumps(report)  # JSON-ready
    series = report["suites"]["series"]["rows"]
    by_name = {row["name"]: row for row in series}
    assert by_name["prelu"]["ratio"] == pytest.approx(1.0)
    assert {"relu", "tanh", "taylor3", "answer3", "taylor10", "answer10"} <= set(by_name)
    for row in series + report["suites"]["numgrad"]["rows"]:
        assert row["median_ms"] > 0 and row["ratio"] > 0
    assert all("max_rel_error" in row for row in report["suites"]["numgrad"]["rows"])
    assert all(isinstance(t["met"], bool) for t in report["suites"]["series"]["targets"])
    markdown = format_report(report, markdown=True)
    assert "| size | candidate | median ms | ratio |" in markdown
    assert "| case | candidate | median ms | ratio |" in markdown
    assert "- book loop / batched central" in markdown
    assert "taylor3" in format_report(report)


def test_unknown_suite_is_refused():
    with pytest.raises(UserInputError, match="unknown suite 'nope'"):
        run_suites(["nope"])


@pytest.mark.slow
def test_quick_kan_suite_times_every_basis_against_dense():
    report = run_suites(["kan"], quick=True)
    rows = {row["name"]: row for row in report["suites"]["kan"]["rows"]}
    assert rows["dense_relu"]["ratio"] == pytest.approx(1.0)
    bases = {"kan_bspline", "kan_chebyshev", "kan_rbf", "kan_fourier"}
    assert bases | {"dense9x_relu", "polydense3"} <= set(rows)
    assert all(row["median_ms"] > 0 and "memory_mb" in row for row in rows.values())
    json.dumps(report)


@pytest.mark.slow
def test_quick_rational_suite_reports_fused_autodiff_and_the_peer():
    import keras

    threads = None
    if keras.backend.backend() == "torch":
        import torch

        threads = torch.get_num_threads()
    report = run_suites(["rational"], quick=True)
    if threads is not None:  # timed on one thread, the caller's count restored
        assert report["suites"]["rational"]["torch_threads"] == 1
        assert torch.get_num_threads() == threads
    rows = report["suites"]["rational"]["rows"]
    by_name = {row["name"]: row for row in rows}
    assert by_name["prelu"]["ratio"] == pytest.approx(1.0)
    assert {"taylor5", "taylor10", "rational54", "rational54_autodiff", "rational54_g1"} <= set(
        by_name
    )
    assert by_name["rational54"]["speedup_vs_autodiff"] > 0
    if keras.backend.backend() == "jax":  # the native kernels and the XLA path side by side
        assert by_name["rational54_xla"]["ratio"] > 0
        assert report["suites"]["rational"]["native_kernels"].startswith(("on: ", "off: "))
    if keras.backend.backend() != "torch":
        assert by_name["pau54"]["skipped"] == "PyTorch backend only"
    else:  # the peer runs, or its row says why it could not
        assert "median_ms" in by_name["pau54"] or by_name["pau54"]["skipped"]
    names = [t["name"] for t in report["suites"]["rational"]["targets"]]
    assert names[:2] == [
        "rational54 / prelu at 64x128",
        "rational54_autodiff / rational54 at 64x128",
    ]
    assert "pau54" in format_report(report)
    if "skipped" in by_name["pau54"]:  # where the peer runs (torch, installed) no row skips
        assert "skipped" in format_report(report, markdown=True)
    json.dumps(report)
