"""`learnact compare`: model list parsing, table, JSON and plot, one-line errors."""

import json

import pytest

from learnact.cli.compare import markdown_table, parse_models, summarize
from learnact.cli.errors import CLIError
from learnact.cli.main import main


def test_parse_models():
    assert parse_models("baseline-cnn, expandable-cnn:3,expandable-cnn:5:polynomial-dense") == [
        ("baseline-cnn", None, None),
        ("expandable-cnn", 3, "taylor"),
        ("expandable-cnn", 5, "polynomial-dense"),
    ]
    assert parse_models("expandable-cnn") == [("expandable-cnn", 3, "taylor")]


@pytest.mark.parametrize(
    "text, needle",
    [
        ("resnet", "unknown model"),
        ("baseline-cnn:3", "takes no order"),
        ("expandable-cnn:0", "[1, 16]"),
        ("expandable-cnn:x", "integer"),
        ("expandable-cnn:3:fourier", "unknown expansion"),
        ("baseline-cnn,baseline-cnn", "twice"),
        (" , ", "no model"),
    ],
)
def test_parse_models_errors(text, needle):
    with pytest.raises(CLIError, match=needle.replace("[", r"\[")):
        parse_models(text)


def test_summary_and_markdown():
    runs = [
        {"test_accuracy": a, "test_loss": 0.1, "seconds_per_epoch": 0.2, "parameters": 10}
        for a in (0.9, 0.95, 1.0)
    ]
    (row,) = summarize({"m": runs})
    assert row["test_accuracy"]["mean"] == pytest.approx(0.95)
    assert row["test_accuracy"]["std"] == pytest.approx(0.05)
    assert "| m | 0.9500 ± 0.0500 | 0.9000-1.0000 |" in markdown_table([row], "digits", 5)


@pytest.mark.slow
def test_compare_writes_table_json_and_plot(tmp_path, capsys):
    out = tmp_path / "cmp"
    argv = ["compare", "--models", "baseline-cnn,expandable-cnn:2", "--seeds", "2"]
    assert main([*argv, "--epochs", "1", "--out", str(out)]) == 0
    report = json.loads((out / "comparison.json").read_text())
    assert report["seeds"] == [0, 1] and report["epochs"] == 1
    assert [row["model"] for row in report["models"]] == ["baseline-cnn", "expandable-cnn:2"]
    for row in report["models"]:
        assert len(row["test_accuracy"]["values"]) == 2 and row["parameters"] > 0
        assert row["seconds_per_epoch"] > 0
    table = (out / "comparison.md").read_text()
    assert "| baseline-cnn |" in table and "| expandable-cnn:2 |" in table
    assert (out / "comparison.png").stat().st_size > 1000
    assert (out / "runs" / "expandable-cnn-2" / "seed-1" / "metrics.json").is_file()
    assert "| expandable-cnn:2 |" in capsys.readouterr().out


def test_compare_bad_input_is_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["compare", "--models", "resnet"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("learnact compare: error: unknown model") and err.count("\n") == 1
    assert main(["compare", "--dataset", "imagenet"]) == 2
    assert "dataset" in capsys.readouterr().err
