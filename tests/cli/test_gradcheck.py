"""`learnact gradcheck`: the layer list, one table per layer, exit status, one-line errors."""

from learnact.cli.main import main
from learnact.layers import layer_classes


def test_list(capsys):
    assert main(["gradcheck", "--list"]) == 0
    listed = capsys.readouterr().out.split()
    assert listed == list(layer_classes())


def test_checks_one_layer_and_prints_the_table(capsys):
    status = main(["gradcheck", "--layer", "TaylorExpansion"])
    out = capsys.readouterr().out
    assert "== TaylorExpansion" in out and "max abs err" in out and "PASSED" in out
    assert status == 0, out


def test_unknown_layer_is_a_one_line_error(capsys):
    assert main(["gradcheck", "--layer", "NoSuchLayer"]) == 2
    err = capsys.readouterr().err
    assert "NoSuchLayer" in err and err.count("\n") == 1


def test_bad_tolerance_is_a_one_line_error(capsys):
    assert main(["gradcheck", "--atol", "0"]) == 2
    assert "atol" in capsys.readouterr().err
