"""What learnact raises for bad input, and how to tell bad input from a bug.

This module imports nothing of learnact (it is the bottom of the package), so
every other module, from ``ops`` to ``cli``, can raise and recognise these.

A wrong argument, an invalid value or an unusable input file is the caller's
to fix: :class:`UserInputError` (a ``ValueError``, so ``except ValueError``
still catches it) or an ``OSError`` about a named file. Anything else is a bug
in learnact or in the caller's own code, and should keep its traceback;
:func:`is_user_error` draws that line once, for the command line and for any
other front end.
"""

from __future__ import annotations


class UserInputError(ValueError):
    """A bad argument, value or input: the message names it and the value received.

    Example:
        >>> from learnact.errors import UserInputError, is_user_error
        >>> error = UserInputError("`order` must be in [1, 16]; received order=17")
        >>> isinstance(error, ValueError), is_user_error(error)
        (True, True)
    """


# Errors about a file or folder the user named: unreadable, missing, of the wrong kind.
FILE_ERRORS = (
    FileNotFoundError,
    FileExistsError,
    IsADirectoryError,
    NotADirectoryError,
    PermissionError,
)


def is_user_error(error: BaseException) -> bool:
    """Return whether ``error`` is the user's input to fix rather than a bug.

    True for :class:`UserInputError`, for the file errors of :data:`FILE_ERRORS`,
    and for any other ``OSError`` that names the file it failed on (a full
    disk, a read-only folder). A plain ``ValueError``, ``TypeError``,
    ``KeyError`` ... raised inside learnact or inside a user's function is a
    bug: False.

    Args:
        error: the exception caught.

    Returns:
        ``True`` for input errors, ``False`` for bugs.

    Example:
        >>> is_user_error(FileNotFoundError(2, "No such file", "model.keras"))
        True
        >>> is_user_error(ValueError("operands could not be broadcast together"))
        False
    """
    if isinstance(error, (UserInputError, *FILE_ERRORS)):
        return True
    return isinstance(error, OSError) and getattr(error, "filename", None) is not None


__all__ = ["FILE_ERRORS", "UserInputError", "is_user_error"]
