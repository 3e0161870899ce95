"""One owner per run folder: a second run is refused by name, a dead owner's lock is taken over."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from learnact.cli.main import main
from learnact.training import RunError
from learnact.training.folder import RunFolder
from tests.conftest import fill_disk


def test_a_second_owner_is_refused_with_the_owners_pid(tmp_path):
    folder = RunFolder(tmp_path / "run")
    with folder.owned():
        owner = json.loads((tmp_path / "run" / "run.lock").read_text())
        assert owner["pid"] == os.getpid()
        with pytest.raises(RunError, match=rf"in use by another run \(pid {os.getpid()} on "):
            with RunFolder(tmp_path / "run").owned():
                pytest.fail("two owners at once")
    assert not (tmp_path / "run" / "run.lock").exists()
    with RunFolder(tmp_path / "run").owned():  # free again once the owner is done
        pass


def test_a_lock_file_left_by_a_dead_run_is_stale(tmp_path):
    folder = RunFolder(tmp_path / "run")
    # What a run killed with SIGKILL leaves: the file, with no process holding its lock.
    (tmp_path / "run" / "run.lock").write_text('{"pid": 999999999, "host": "h", "started": 0}')
    with folder.owned():
        assert json.loads((tmp_path / "run" / "run.lock").read_text())["pid"] == os.getpid()


HOLD = """
import sys, time
from learnact.training.folder import RunFolder
from tests.conftest import fill_disk
with RunFolder(sys.argv[1]).owned():
    print("owned", flush=True)
    time.sleep(600)
"""


@pytest.fixture
def owner_process(tmp_path):
    """Another process that owns ``tmp_path / "run"`` until it is killed."""
    process = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(tmp_path / "run")], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout.readline().strip() == "owned"
    yield process
    process.kill()
    process.wait(timeout=30)


def test_train_in_an_owned_folder_is_one_line_exit_2(tmp_path, owner_process, capsys):
    out = tmp_path / "run"
    (out / "config.json").write_text('{"seed": 0}')
    assert main(["train", "--epochs", "1", "--seed", "1", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("learnact train: error: the run folder")
    assert f"in use by another run (pid {owner_process.pid} on " in err
    assert (out / "config.json").read_text() == '{"seed": 0}'  # the owner's files untouched

    owner_process.send_signal(signal.SIGKILL)  # the owner dies without cleaning up
    owner_process.wait(timeout=30)
    assert (out / "run.lock").exists()
    deadline = time.monotonic() + 10
    while True:  # the kernel releases the dead process's lock
        try:
            with RunFolder(out).owned():
                break
        except RunError:
            assert time.monotonic() < deadline
            time.sleep(0.05)


def test_a_lock_that_cannot_be_written_on_a_full_disk_is_one_line(small_disk, capsys):
    # An earlier attempt's lock raised a bare ENOSPC OSError here (traceback, exit 1).
    fill_disk(small_disk, keep_free=0)
    out = small_disk / "run"
    with pytest.raises(OSError, match="no space left on the device of the run folder"):
        with RunFolder(out).disk_errors(), RunFolder(out).owned():
            pytest.fail("locked on a full disk")
    assert main(["train", "--epochs", "1", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no space left on the device of the run folder" in err
