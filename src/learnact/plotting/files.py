"""Saving figures: atomically, in the format the file name says, closing them afterwards."""

from __future__ import annotations

import os
import tempfile

from learnact._files import atomic_path
from learnact.errors import UserInputError

# Formats every matplotlib backend writes.
IMAGE_FORMATS = ("png", "pdf", "svg", "jpg", "jpeg")


def check_image_path(path, name: str = "path") -> str:
    """Return ``path`` if an image can be written there, before any work is done.

    Raises:
        UserInputError: an empty name, a folder, an extension matplotlib
            would not infer, or a folder that does not exist or cannot be
            written (named by the path as given, not a temporary file).

    Example:
        >>> check_image_path("field.png")
        'field.png'
    """
    path = os.fspath(path) if path is not None else ""
    if not path:
        raise UserInputError(
            f"`{name}` must name an image file, e.g. figure.png; received {path!r}"
        )
    if os.path.isdir(path):
        raise UserInputError(
            f"`{name}` {path!r} is a folder; it must name an image file, e.g. figure.png"
        )
    extension = os.path.splitext(path)[1].lower().lstrip(".")
    if extension not in IMAGE_FORMATS:
        raise UserInputError(
            f"`{name}` must end in one of .{', .'.join(IMAGE_FORMATS)}; received {path!r}"
        )
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise UserInputError(f"the folder of `{name}` {path!r} does not exist")
    # The image is written as a temporary file in that folder, then renamed: try
    # exactly that (permission bits say nothing to root, nor of /proc or a full disk).
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".learnact-probe-"):
            pass
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise UserInputError(
            f"the folder of `{name}` {path!r} is not writable ({reason})"
        ) from None
    return path


def save_figure(figure, path, **savefig_kwargs) -> None:
    """Save a matplotlib ``figure`` to ``path`` atomically, then close it (even on failure).

    The temporary file keeps the extension of ``path`` (``.png`` when it has
    none), so matplotlib infers the same format it would for ``path``; a
    reader never sees half an image.

    Args:
        figure: the matplotlib figure to save.
        path: final image path.
        **savefig_kwargs: passed to ``figure.savefig`` (``dpi``, ``bbox_inches``, ...).

    Example:
        >>> import os, tempfile
        >>> import matplotlib.pyplot as plt
        >>> path = os.path.join(tempfile.mkdtemp(), "empty.png")
        >>> save_figure(plt.figure(), path)
        >>> os.path.getsize(path) > 0
        True
    """
    import matplotlib.pyplot as plt

    try:
        suffix = os.path.splitext(os.fspath(path))[1] or ".png"
        with atomic_path(path, suffix=suffix) as tmp:
            figure.savefig(tmp, **savefig_kwargs)
    finally:
        plt.close(figure)


__all__ = ["IMAGE_FORMATS", "check_image_path", "save_figure"]
