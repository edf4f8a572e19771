"""Errors raised by the importers; their messages are shown to users as is."""


class ImportFailed(ValueError):
    """The input cannot be imported. The message says why, in Chinese, for the user."""
