"""Errors that stop the application from starting, with a message for the operator."""


class StartupError(RuntimeError):
    """The app cannot start; the message says why and what to do, without a traceback."""
