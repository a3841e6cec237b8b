"""Errors of table archival that name what is wrong in the request."""


class RequestError(ValueError):
    """The request asks for something the source cannot give: unknown table, bad condition..."""


class UnknownTableError(RequestError):
    pass


class UnsupportedTypeError(RequestError):
    pass


class SourceUnavailableError(RequestError):
    """The connection's database cannot be reached or opened."""
