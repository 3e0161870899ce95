"""`learnact compare`: flags reach learnact.training.compare; its errors are one line."""

import learnact.training.comparison as library
from learnact.cli.main import main
from learnact.training.comparison import Comparison


def test_flags_are_passed_and_the_table_printed(monkeypatch, capsys, tmp_path):
    received = {}

    def fake_compare(models, **kwargs):
        received.update(models=models, **kwargs)
        kwargs["progress"]("[1/1] baseline-cnn seed 4: test accuracy 0.9000, 0.100 s/epoch")
        row = {
            "model": "baseline-cnn",
            "parameters": 10,
            "seeds": 1,
            "seconds_per_epoch": 0.1,
            "test_accuracy": {"mean": 0.9, "std": 0.0, "min": 0.9, "max": 0.9, "values": [0.9]},
            "test_loss": {"mean": 0.3, "std": 0.0, "min": 0.3, "max": 0.3, "values": [0.3]},
        }
        return Comparison("digits", 2, [4], [row], str(tmp_path))

    monkeypatch.setattr(library, "compare", fake_compare)
    argv = ["compare", "--models", "baseline-cnn", "--seeds", "1", "--seed", "4", "--epochs", "2"]
    assert main([*argv, "--out", str(tmp_path), "--verbose"]) == 0
    assert received["models"] == "baseline-cnn" and received["seeds"] == 1
    assert received["seed"] == 4 and received["epochs"] == 2 and received["verbose"] == 1
    assert received["out"] == str(tmp_path) and received["dataset"] == "digits"
    out = capsys.readouterr().out
    assert "[1/1] baseline-cnn seed 4" in out and "| baseline-cnn | 0.9000 ± 0.0000 |" in out


def test_bad_input_is_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["compare", "--models", "resnet"]) == 2
    err = capsys.readouterr().err
    assert (
        err.startswith("learnact compare: error: `model` must be one of") and err.count("\n") == 1
    )
    assert main(["compare", "--dataset", "imagenet"]) == 2
    assert "dataset" in capsys.readouterr().err
    assert main(["compare", "--seeds", "0"]) == 2
    assert "seeds" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())  # refused before anything is written
