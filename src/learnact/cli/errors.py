"""The error of a bad command-line argument that only the command line can see."""

from learnact.errors import UserInputError


class CLIError(UserInputError):
    """A user-facing command-line error naming a flag: printed as one line, exit status 2."""
