"""Named source database connections: `POST /connections`."""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, StringConstraints, computed_field, field_validator

Engine = Literal["postgresql", "mysql", "sqlite"]
_SCHEMES: dict[str, Engine] = {
    "postgresql": "postgresql",
    "postgres": "postgresql",
    "mysql": "mysql",
    "mariadb": "mysql",
    "sqlite": "sqlite",
}


def sqlite_path(url: str) -> str:
    """The file of a sqlite URL: `sqlite:///data/x.db` and `sqlite:////data/x.db` both mean /data/x.db."""
    path = urlsplit(url).path
    return path[1:] if path.startswith("//") else path


def engine_of(url: str) -> Engine:
    """The engine a connection URL names, e.g. `postgresql` for `postgres://...`."""
    scheme = urlsplit(url).scheme.split("+")[0].lower()
    if scheme not in _SCHEMES:
        raise ValueError(f"unsupported URL scheme {scheme!r}: use one of postgresql, mysql, mariadb, sqlite")
    return _SCHEMES[scheme]


class ConnectionRequest(BaseModel):
    """Register a connection; the URL (with its credentials) is kept in Secrets Manager only."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,64}$")]
    url: SecretStr = Field(
        description="postgresql://user:pass@host:5432/db, mysql://user:pass@host:3306/db or sqlite:///path"
    )

    @field_validator("url")
    @classmethod
    def _known_engine(cls, url: SecretStr) -> SecretStr:
        value = url.get_secret_value()
        engine = engine_of(value)
        parts = urlsplit(value)
        if engine == "sqlite":
            if not parts.path or parts.path == "/":
                raise ValueError("a sqlite URL needs a file path: sqlite:///path/to/file.db")
        elif not parts.hostname or not parts.path.strip("/"):
            raise ValueError(f"a {engine} URL needs a host and a database: {engine}://user:pass@host:port/db")
        return url


class ConnectionTestRequest(BaseModel):
    """Which tables `POST /connections/{name}/test` checks the privileges of (none: login only)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    tables: list[Annotated[str, StringConstraints(pattern=r"^[^.\s]+\.[^.\s]+$")]] = Field(
        default_factory=list, max_length=200, description="schema.table names"
    )


class TableAccess(BaseModel):
    table: str
    select: bool = False
    delete: bool = False
    problem: str | None = None


class ConnectionCheck(BaseModel):
    """What an archival needs of a connection, checked step by step."""

    name: str
    engine: Engine
    reachable: bool
    authenticated: bool
    tables: list[TableAccess] = Field(default_factory=list)
    problems: list[str] = Field(default_factory=list)

    @computed_field  # type: ignore[prop-decorator]  # pydantic's documented pattern
    @property
    def ok(self) -> bool:
        """Archival can use this connection for these tables."""
        return not self.problems


class ConnectionInfo(BaseModel):
    """What may be shown of a connection: never its credentials."""

    model_config = ConfigDict(frozen=True)

    name: str
    engine: Engine
    host: str | None
    database: str

    @classmethod
    def from_url(cls, name: str, url: str) -> ConnectionInfo:
        parts = urlsplit(url)
        engine = engine_of(url)
        database = sqlite_path(url) if engine == "sqlite" else parts.path.strip("/")
        return cls(name=name, engine=engine, host=parts.hostname, database=database)
