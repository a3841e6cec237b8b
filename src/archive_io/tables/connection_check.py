"""The connection tester (seed 001): can archival reach, log in, read and purge?"""

from __future__ import annotations

import socket
from contextlib import closing
from pathlib import Path
from urllib.parse import urlsplit

from archive_io.contracts.connections import ConnectionCheck, TableAccess, engine_of, sqlite_path
from archive_io.tables.errors import RequestError, SourceUnavailableError
from archive_io.tables.sources import SourceOpener, open_source

DEFAULT_PORTS = {"postgresql": 5432, "mysql": 3306}
CONNECT_TIMEOUT = 5.0


def _reachable(url: str) -> str | None:
    """None when the server (or SQLite file) is there, else what is wrong."""
    engine = engine_of(url)
    if engine == "sqlite":
        path = sqlite_path(url)
        return None if Path(path).is_file() else f"sqlite database {path} does not exist"
    parts = urlsplit(url)
    host, port = parts.hostname or "", parts.port or DEFAULT_PORTS[engine]
    try:
        socket.create_connection((host, port), timeout=CONNECT_TIMEOUT).close()
    except OSError as exc:
        return f"cannot reach {host}:{port}: {exc.strerror or exc}"
    return None


def check_connection(name: str, url: str, tables: list[str], opener: SourceOpener = open_source) -> ConnectionCheck:
    """Reachability, then credentials, then SELECT and DELETE on each `schema.table`."""
    engine = engine_of(url)
    if problem := _reachable(url):
        return ConnectionCheck(name=name, engine=engine, reachable=False, authenticated=False, problems=[problem])
    try:
        source = opener(url)
    except SourceUnavailableError as exc:
        return ConnectionCheck(name=name, engine=engine, reachable=True, authenticated=False, problems=[str(exc)])
    accesses, problems = [], []
    with closing(source):
        for qualified in tables:
            schema, table = qualified.split(".", 1)
            try:
                allowed = source.privileges(schema, table)
            except RequestError as exc:
                accesses.append(TableAccess(table=qualified, problem=str(exc)))
                problems.append(str(exc))
                continue
            access = TableAccess(table=qualified, **allowed)
            if not access.select:
                access = access.model_copy(update={"problem": f"no SELECT on {qualified}: it cannot be archived"})
                problems.append(access.problem or "")
            elif not access.delete:
                access = access.model_copy(update={"problem": f"no DELETE on {qualified}: its source purge would fail"})
            accesses.append(access)
    return ConnectionCheck(
        name=name, engine=engine, reachable=True, authenticated=True, tables=accesses, problems=problems
    )
