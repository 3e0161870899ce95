"""kan-tasks: opt-in (not in the default run), reachable by name, pykan's fit schedule."""

import pytest

import learnact.benchmarks
from learnact.benchmarks import OPTIONAL_SUITES, SUITES, kan_tasks, run_suites
from learnact.cli.main import main


def test_kan_tasks_is_opt_in():
    assert "kan-tasks" in OPTIONAL_SUITES and "kan-tasks" not in SUITES


def test_run_suites_reaches_the_module_by_name(monkeypatch):
    fake = {"suite": "kan-tasks", "rows": [], "targets": []}
    monkeypatch.setattr(kan_tasks, "run", lambda quick: dict(fake, quick=quick))
    report = run_suites(["kan-tasks"], quick=True)
    assert report["suites"]["kan-tasks"]["quick"] is True


def test_the_command_line_accepts_the_suite(monkeypatch):
    received = {}

    def fake_run_suites(names, quick, progress):
        received["names"] = names
        return {"environment": {"backend": "jax", "cpus": 2, "date": "d"}, "suites": {}}

    monkeypatch.setattr(learnact.benchmarks, "run_suites", fake_run_suites)
    assert main(["bench", "--suite", "kan-tasks"]) == 0
    assert received["names"] == ["kan-tasks"]


@pytest.mark.parametrize(
    ("steps", "stop", "updates", "chunks"),
    [
        (50, 50, list(range(0, 50, 5)), [5] * 10),
        (50, 20, list(range(0, 20, 2)), [2] * 10 + [30]),
        (200, 50, list(range(0, 50, 5)), [5] * 10 + [150]),
        (3, 50, [0], [3]),
    ],
)
def test_fit_follows_pykans_grid_update_schedule(monkeypatch, steps, stop, updates, chunks):
    """pykan's fit updates the grids at steps 0, s, 2s, ... < stop, s = stop / 10."""
    import learnact.kan
    import learnact.training

    log = []

    def fit(model, x, y, steps):
        log.append(steps)
        return [float(len(log)), -float(len(log))]  # a loss history per call

    monkeypatch.setattr(learnact.kan, "update_grids", lambda model, x: log.append("update"))
    monkeypatch.setattr(learnact.training, "fit_lbfgs", fit)
    objective = kan_tasks._fit_like_pykan(None, None, None, steps, stop)
    # The objective reported is the last history entry of the last fit.
    assert objective == -float(len(log))
    done, seen_updates, seen_chunks = 0, [], []
    for entry in log:
        if entry == "update":
            seen_updates.append(done)
        else:
            seen_chunks.append(entry)
            done += entry
    assert seen_updates == updates and seen_chunks == chunks and done == steps
