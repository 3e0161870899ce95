"""The error type the CLI turns into one line on stderr and a non-zero exit."""


class CLIError(Exception):
    """A user-facing command-line error: printed as one line, exit status 2."""
