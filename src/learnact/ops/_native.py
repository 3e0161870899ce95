"""learnact's native CPU kernels for JAX: built on first use, cached, optional.

Some closed forms run faster as one hand-written loop than as what XLA:CPU
makes of them (``_rational_cpu.cc``: the rational function's forward and
backward passes in one pass over the data, 1.8x faster than the fused XLA
program at 256x512; ``_bspline_cpu.cc``: the B-splines that can be nonzero
at each input and their derivatives, where XLA runs the Cox-de Boor recursion
over every knot). They are XLA FFI custom calls, compiled from the C++
source shipped with learnact by the machine's C++ compiler against the
installed jaxlib's headers (``jax.ffi.include_dir()``), the first time a
process needs them, and cached:

* in ``$LEARNACT_CACHE_DIR``, else ``$XDG_CACHE_HOME/learnact``, else
  ``~/.cache/learnact``, under a name that changes with the source, the
  jaxlib version, the compiler and the CPU (``-march=native`` code runs only
  where it was built);
* written to a temporary file and renamed, so processes building at once
  never load a partial library; readable by every user of a shared cache;
* a build that failed leaves its compiler's message beside (``.failed``),
  so later processes do not run the compiler again for nothing.

Nothing is required: without a compiler, with an older JAX (no
``jax.ffi``), on another platform than Linux or macOS, or with
``LEARNACT_NATIVE=0`` in the environment, :func:`load` returns None and the
callers keep their ``keras.ops``/XLA path (same values, to float rounding).
:func:`status` says which, and why.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import hashlib
import logging
import os
import pathlib
import platform
import shutil
import subprocess
import sys
import tempfile
import threading

_LOG = logging.getLogger(__name__)
_SOURCES = {
    "rational": pathlib.Path(__file__).with_name("_rational_cpu.cc"),
    "bspline": pathlib.Path(__file__).with_name("_bspline_cpu.cc"),
}
# The handlers each library defines (XLA_FFI_DEFINE_HANDLER_SYMBOL), registered under these names.
_TARGETS = {
    "rational": (
        "LearnactRationalForwardF32",
        "LearnactRationalForwardF64",
        "LearnactRationalBackwardF32",
        "LearnactRationalBackwardF64",
    ),
    "bspline": ("LearnactBsplineTableF32", "LearnactBsplineTableF64"),
}
_FLAGS = ("-O3", "-march=native", "-std=c++17", "-shared", "-fPIC", "-w")
_COMPILE_TIMEOUT_S = 300
_LOCK = threading.Lock()
_status: dict[str, str] = {}
_registered: set[str] = set()  # JAX keeps a target for the process: register each name once


_off = threading.local()


def enabled() -> bool:
    """Whether native kernels may be used: not ``LEARNACT_NATIVE=0``, not within :func:`disabled`.

    Checked when a computation is traced: a function compiled before keeps its path.

    Example:
        >>> with disabled():
        ...     enabled()
        False
    """
    if getattr(_off, "depth", 0):
        return False
    return os.environ.get("LEARNACT_NATIVE", "1").strip().lower() not in ("0", "false", "no", "off")


@contextlib.contextmanager
def disabled():
    """Within the block (this thread), computations traced take the XLA path.

    ``learnact bench --suite rational`` times the same layer both ways with it.
    """
    _off.depth = getattr(_off, "depth", 0) + 1
    try:
        yield
    finally:
        _off.depth -= 1


def cache_dir() -> pathlib.Path:
    """Where built kernels are kept (see the module docstring).

    Example:
        >>> chosen = os.environ.get("LEARNACT_CACHE_DIR")
        >>> cache_dir() == pathlib.Path(chosen) if chosen else cache_dir().name == "learnact"
        True
    """
    if os.environ.get("LEARNACT_CACHE_DIR"):
        return pathlib.Path(os.environ["LEARNACT_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or pathlib.Path.home() / ".cache"
    return pathlib.Path(base) / "learnact"


def _compiler() -> str | None:
    for name in (os.environ.get("CXX"), "c++", "g++", "clang++"):
        found = shutil.which(name) if name else None
        if found:
            return found
    return None


# /proc/cpuinfo keys naming the CPU and what it can run (x86: vendor, model,
# flags; ARM: implementer, part, features); not the ones that change by the
# second (MHz) or by core (processor, apicid).
_CPU_KEYS = (
    "vendor_id", "cpu family", "model", "model name", "stepping", "flags",
    "CPU implementer", "CPU architecture", "CPU variant", "CPU part", "CPU revision",
    "Features", "isa", "uarch", "cpu",
)  # fmt: skip


def _cpu_identity() -> str:
    """What ``-march=native`` depends on: the platform, the CPU's model and its features."""
    try:
        lines = pathlib.Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        lines = []
    wanted = {line for line in lines if line.split(":")[0].strip() in _CPU_KEYS}
    return "\n".join([platform.platform(), platform.processor(), *sorted(wanted)])


def _library_path(name: str, compiler: str) -> pathlib.Path:
    import jax
    import jaxlib

    version = subprocess.run(
        [compiler, "--version"], capture_output=True, text=True, timeout=60
    ).stdout
    key = hashlib.sha256()
    for part in (
        _SOURCES[name].read_bytes().decode(),
        jaxlib.__version__,
        jax.__version__,
        version,
        " ".join(_FLAGS),
        platform.machine(),
        _cpu_identity(),
    ):
        key.update(part.encode())
        key.update(b"\0")
    suffix = ".dylib" if sys.platform == "darwin" else ".so"
    return cache_dir() / f"{name}-{key.hexdigest()[:20]}{suffix}"


def _build(name: str, compiler: str, target: pathlib.Path) -> None:
    import jax

    target.parent.mkdir(parents=True, exist_ok=True)
    handle, partial = tempfile.mkstemp(dir=target.parent, prefix=f".{name}-", suffix=".tmp")
    os.close(handle)
    try:
        command = [compiler, *_FLAGS, "-I", jax.ffi.include_dir(), str(_SOURCES[name])]
        if sys.platform == "darwin":
            command += ["-undefined", "dynamic_lookup"]
        done = subprocess.run(
            [*command, "-o", partial], capture_output=True, text=True, timeout=_COMPILE_TIMEOUT_S
        )
        if done.returncode != 0:
            raise RuntimeError(f"{compiler} exited {done.returncode}: {done.stderr[-2000:]}")
        # mkstemp made it private: a shared cache must be readable by its other users.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(partial, 0o755 & ~umask)
        os.replace(partial, target)  # atomic: another process loads all of it or none
    finally:
        if os.path.exists(partial):
            os.unlink(partial)


@functools.cache
def _load(name: str):
    if sys.platform not in ("linux", "darwin"):
        _status[name] = f"off: no native build on {sys.platform}"
        return None
    try:
        import jax
        import jax.ffi  # noqa: F401  (JAX >= 0.4.32)
    except ImportError as exc:
        _status[name] = f"off: {exc}"
        return None
    compiler = _compiler()
    if compiler is None:
        _status[name] = "off: no C++ compiler found (set CXX)"
        return None
    try:
        target = _library_path(name, compiler)
        failed = target.with_suffix(".failed")
        if failed.exists():  # this build failed before: do not pay the compiler again
            raise RuntimeError(f"an earlier build failed ({failed}): {failed.read_text()[-500:]}")
        if not target.exists():
            _build_or_mark(name, compiler, target, failed)
        try:
            library = ctypes.cdll.LoadLibrary(str(target))
        except OSError:  # a file that does not load (truncated, another user's): build afresh
            _build_or_mark(name, compiler, target, failed)
            library = ctypes.cdll.LoadLibrary(str(target))
        for symbol in _TARGETS[name]:
            if symbol not in _registered:
                jax.ffi.register_ffi_target(
                    symbol, jax.ffi.pycapsule(getattr(library, symbol)), platform="cpu"
                )
                _registered.add(symbol)
    except (OSError, RuntimeError, subprocess.SubprocessError, AttributeError) as exc:
        _status[name] = f"off: {type(exc).__name__}: {str(exc)[:500]}"
        _LOG.info("learnact: native %s kernels unavailable (%s)", name, exc)
        return None
    _status[name] = f"on: {target}"
    return library


def _build_or_mark(name, compiler, target, failed):
    """Build ``target``; if the compiler fails, leave its message in ``failed`` and raise."""
    _LOG.info("learnact: building the native %s kernels into %s", name, target)
    try:
        _build(name, compiler, target)
    except (RuntimeError, subprocess.SubprocessError) as exc:
        with contextlib.suppress(OSError):
            failed.write_text(str(exc))
        raise


def load(name: str):
    """The native library ``name`` ("rational", "bspline"), built if needed; None where unavailable.

    Once per process (the first call may take seconds: the compiler's); the
    library's FFI targets are registered with JAX for the CPU. None also
    while :func:`enabled` is false (checked at every call).
    """
    if not enabled():
        return None
    with _LOCK:
        return _load(name)


def usable(name: str, *dtypes) -> bool:
    """Whether the native library ``name`` runs here on arrays of ``dtypes``.

    Contract: JAX's default backend is the CPU, every dtype is float32 or
    float64 and all are alike (the kernels take no mixed or other types), and
    the library loads (:func:`load`: switched on, built, registered). Traced
    computations check it once, when they are traced.

    Example:
        >>> import numpy as np
        >>> usable("rational", np.float16)
        False
    """
    import jax
    import numpy as np

    kinds = {np.dtype(d) for d in dtypes}
    return (
        jax.default_backend() == "cpu"
        and len(kinds) == 1
        and kinds <= {np.dtype("float32"), np.dtype("float64")}
        and load(name) is not None
    )


def status(name: str = "rational") -> str:
    """``"on: PATH"`` or ``"off: REASON"`` for the native library ``name`` (loading it first).

    Example:
        >>> status("rational").split(":")[0] in ("on", "off")
        True
    """
    if not enabled():
        return "off: switched off (LEARNACT_NATIVE=0 or learnact.ops._native.disabled())"
    load(name)
    return _status[name]
