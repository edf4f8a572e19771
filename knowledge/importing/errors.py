"""Errors raised by the importers; their messages are shown to users as is."""


class ImportFailed(ValueError):
    """The input cannot be imported. The message says why, in Chinese, for the user."""


def require_reader(extra: str) -> None:
    """The reader's optional library is installed; otherwise ImportFailed, whose message
    names the install command (``knowledge.extras``)."""
    from knowledge.extras import MissingExtra, require

    try:
        require(extra)
    except MissingExtra as exc:
        raise ImportFailed(str(exc)) from exc
