"""Pydantic models of what crosses a boundary: API bodies, task inputs and outputs, records."""

from archive_io.contracts.archival import ArchivalRequest, SourceTable
from archive_io.contracts.connections import ConnectionInfo, ConnectionRequest
from archive_io.contracts.runs import (
    RunAccepted,
    RunRecord,
    RunStatus,
    TableResult,
    TableStatus,
    Validation,
    Verdict,
)

__all__ = [
    "ArchivalRequest",
    "ConnectionInfo",
    "ConnectionRequest",
    "RunAccepted",
    "RunRecord",
    "RunStatus",
    "SourceTable",
    "TableResult",
    "TableStatus",
    "Validation",
    "Verdict",
]
