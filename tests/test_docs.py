"""Every ``python`` block of README.md and docs/*.md runs as written (issue 14 item 8).

Each block is written to a file and run by the venv's Python in a fresh
process, in an empty temporary folder, as a new user would run it: no
``KERAS_BACKEND`` and an empty Keras home (``KERAS_HOME``), so a block that
imports Keras before learnact ends on Keras's own default backend rather than
learnact's JAX, and fails here. Shell sessions are ``bash``/``sh`` blocks and
output listings or fragments are untagged: neither is collected.

The blocks after a ``<!-- native: BACKEND -->`` marker in docs/backends.md
are run, and what they computed checked, by tests/backends/test_native.py in
their own backend's leg; they are skipped here. Everything else runs once, in
the JAX leg, two processes at a time (the blocks are independent; the suite
runs on two cores).
"""

import concurrent.futures
import os
import pathlib
import re
import subprocess
import sys
import textwrap

import pytest

from tests.conftest import backend

ROOT = pathlib.Path(__file__).resolve().parents[1]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# Indented blocks (inside a list) too: a fragment that is not a program must not be tagged.
BLOCK = re.compile(r"^([ \t]*)```python\n(.*?)^\1```", re.DOTALL | re.MULTILINE)
NATIVE = re.compile(r"<!-- native: (\w+) -->\s*$")
# After the block, in the same process: which backend it ran on.
CHECK_BACKEND = (
    "import runpy, sys\n"
    "runpy.run_path(sys.argv[1], run_name='__main__')\n"
    "import keras\n"
    "if keras.backend.backend() != 'jax':\n"
    "    sys.exit(f'ran on Keras backend {keras.backend.backend()!r}, not learnact default "
    "jax: import learnact before keras')\n"
)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(backend() != "jax", reason="the documented blocks run once, in the JAX leg"),
]


def documented_blocks() -> list:
    """``(id, code, native backend or None)`` for every python block, in document order."""
    blocks = []
    for document in DOCUMENTS:
        text = document.read_text()
        for match in BLOCK.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            before = text[: match.start()].rstrip("\n").rsplit("\n", 1)[-1]
            native = NATIVE.search(before)
            name = f"{document.relative_to(ROOT)}:{line}"
            code = textwrap.dedent(match.group(2))
            blocks.append((name, code, native.group(1) if native else None))
    return blocks


BLOCKS = documented_blocks()


def _run(name: str, code: str, folder: pathlib.Path) -> subprocess.CompletedProcess:
    folder.mkdir()
    script = folder / "block.py"
    script.write_text(f"# {name}\n{code}")
    env = {k: v for k, v in os.environ.items() if k != "KERAS_BACKEND"}
    env.update(
        PYTHONPATH=str(ROOT / "src"),
        KERAS_HOME=str(folder / "keras-home"),
        MPLBACKEND="Agg",
        TF_CPP_MIN_LOG_LEVEL="3",
    )
    try:
        return subprocess.run(
            [sys.executable, "-c", CHECK_BACKEND, str(script)],
            cwd=folder,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
    except subprocess.TimeoutExpired as exc:
        return subprocess.CompletedProcess(exc.cmd, -9, "", f"timed out after {exc.timeout} s")


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    """Run every block that is not a native one, two at a time; ``{id: CompletedProcess}``."""
    base = tmp_path_factory.mktemp("docs")
    runnable = [(name, code) for name, code, native in BLOCKS if native is None]
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        futures = {
            name: pool.submit(_run, name, code, base / f"block{i}")
            for i, (name, code) in enumerate(runnable)
        }
        return {name: future.result() for name, future in futures.items()}


def test_the_documents_hold_python_blocks():
    assert len(BLOCKS) >= 10
    assert sorted(native for _, _, native in BLOCKS if native) == ["jax", "tensorflow", "torch"]


@pytest.mark.parametrize("name, code, native", BLOCKS, ids=[name for name, _, _ in BLOCKS])
def test_documented_block_runs_as_written(name, code, native, results):
    if native is not None:
        pytest.skip(
            f"a native {native} example: tests/backends/test_native.py runs it in the {native} leg"
        )
    done = results[name]
    assert done.returncode == 0, f"{name} failed:\n{done.stderr[-3000:]}"
