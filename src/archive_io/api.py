"""The REST API (one Lambda behind API Gateway): routes translate HTTP to archive_io calls."""

from __future__ import annotations

import re
from functools import cache
from typing import Annotated, Any, Union

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import NotFoundError, ServiceError
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.params import Body, Path
from botocore.exceptions import ClientError
from pydantic import Discriminator, Tag

from archive_io.aws.connections import UnknownConnectionError
from archive_io.aws.locks import TableLockedError
from archive_io.aws.purges import PurgeNotFoundError
from archive_io.aws.reports import PRESIGNED_SECONDS
from archive_io.aws.restores import RestoreNotFoundError
from archive_io.aws.runs import RunNotFoundError, now
from archive_io.contracts import ArchivalRequest, ConnectionInfo, ConnectionRequest, RunAccepted, RunStatus
from archive_io.contracts.connections import ConnectionTestRequest
from archive_io.contracts.files import FileArchivalRequest, FileRunRecord, RestoreRecord, RestoreRequest
from archive_io.contracts.onboarding import Onboarding
from archive_io.contracts.purges import ArchivePurgeRequest, LegalHoldRequest, PurgeStop
from archive_io.files.archival import start_file_archival
from archive_io.files.restore import NothingToRestoreError, start_restore
from archive_io.runtime import Runtime
from archive_io.settings import get_settings
from archive_io.tables.archival import IdempotencyConflictError, start_archival
from archive_io.tables.connection_check import check_connection
from archive_io.tables.errors import RequestError
from archive_io.tables.onboarding import discover, store_onboarding
from archive_io.tables.retention import change_legal_hold, start_retention_purge

logger = Logger(service="archive-io-api")
IDEMPOTENCY_HEADER = "Idempotency-Key"
IDEMPOTENCY_KEY = re.compile(r"[A-Za-z0-9._:-]{1,128}")
app = APIGatewayRestResolver(enable_validation=True)
RunId = Annotated[str, Path(pattern=r"^run-[0-9a-z-]{1,64}$")]
RestoreId = Annotated[str, Path(pattern=r"^restore-[0-9]{8}-[0-9]{6}-[0-9a-f]{8}$")]


def _archival_kind(body: Any) -> str:
    # A body naming a bucket archives files; any other archives tables.
    fields = body if isinstance(body, dict) else vars(body)
    return "files" if "bucket_name" in fields else "tables"


#: The body of POST /archive: a table archival (seed 000) or a file archival (seed 002).
AnyArchivalRequest = Annotated[
    Union[Annotated[ArchivalRequest, Tag("tables")], Annotated[FileArchivalRequest, Tag("files")]],  # noqa: UP007 (a tagged union needs Union)
    Discriminator(_archival_kind),
]


def resolve(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Answer one API Gateway proxy event.

    Every body is JSON, whatever Content-Type the client declared: `curl -d` says
    application/x-www-form-urlencoded, and a form parser would read the JSON (secrets and all)
    as one field name.
    """
    headers = {k: v for k, v in (event.get("headers") or {}).items() if k.lower() != "content-type"}
    multi = {k: v for k, v in (event.get("multiValueHeaders") or {}).items() if k.lower() != "content-type"}
    event = event | {
        "headers": headers | {"Content-Type": "application/json"},
        "multiValueHeaders": multi | {"Content-Type": ["application/json"]},
    }
    return app.resolve(event, context)


@cache
def runtime() -> Runtime:
    return Runtime(get_settings())


def _problem(status: int, message: str, **extra: Any) -> Response[Any]:
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body={"message": message, **extra})


@app.exception_handler(RequestValidationError)
def _invalid(exc: RequestValidationError) -> Response[Any]:
    # Name each field and the problem; never echo the input (a connection URL holds a password).
    errors = []
    for error in exc.errors():
        loc = [str(part) for part in error["loc"] if part != "body"]
        if error.get("type") == "json_invalid":  # its loc is the character where parsing stopped
            errors.append({"field": "body", "problem": f"not valid JSON (at character {'.'.join(loc) or 0})"})
            continue
        errors.append({"field": ".".join(loc) or "body", "problem": error.get("msg", "invalid")})
    message = "; ".join(f"{e['field']}: {e['problem']}" for e in errors)
    return _problem(400, f"invalid request: {message}", errors=errors)


@app.exception_handler(RequestError)
def _bad_request(exc: RequestError) -> Response[Any]:
    return _problem(400, str(exc))


@app.exception_handler(UnknownConnectionError)
def _unknown_connection(exc: UnknownConnectionError) -> Response[Any]:
    return _problem(400, f"glue_connection: {exc}")


@app.exception_handler(RunNotFoundError)
def _unknown_run(exc: RunNotFoundError) -> Response[Any]:
    return _problem(404, f"run {exc} does not exist")


@app.exception_handler(PurgeNotFoundError)
def _unknown_purge(exc: PurgeNotFoundError) -> Response[Any]:
    return _problem(404, f"no purge {exc}")


@app.exception_handler(Exception)
def _internal(exc: Exception) -> Response[Any]:
    if isinstance(exc, ServiceError):  # NotFoundError and friends: their own status and message
        return _problem(exc.status_code, str(exc.msg))
    logger.exception("unhandled error")
    return _problem(500, f"internal error ({type(exc).__name__}); see the API's log")


@app.exception_handler(TableLockedError)
def _locked(exc: TableLockedError) -> Response[Any]:
    return _problem(409, str(exc), locked=exc.lock_id, held_by=exc.holder)


@app.exception_handler(IdempotencyConflictError)
def _idempotency_conflict(exc: IdempotencyConflictError) -> Response[Any]:
    return _problem(409, str(exc))


@app.exception_handler(RestoreNotFoundError)
def _unknown_restore(exc: RestoreNotFoundError) -> Response[Any]:
    return _problem(404, f"restore {exc} does not exist")


@app.exception_handler(NothingToRestoreError)
def _nothing_to_restore(exc: NothingToRestoreError) -> Response[Any]:
    return _problem(404, str(exc), files=[_file_view(f) for f in exc.files])


@app.post("/archive")
def post_archive(request: Annotated[AnyArchivalRequest, Body()]) -> Response[RunAccepted]:
    key = app.current_event.get_header_value(IDEMPOTENCY_HEADER, case_sensitive=False)
    if key is not None and not IDEMPOTENCY_KEY.fullmatch(key):
        return _problem(400, f"{IDEMPOTENCY_HEADER}: 1 to 128 characters of A-Z a-z 0-9 . _ : -")
    if isinstance(request, FileArchivalRequest):
        accepted = start_file_archival(request, runtime(), idempotency_key=key)
        logger.info("file archival run started", extra={"run_id": accepted.run_id, "source": request.source})
    else:
        accepted = start_archival(request, runtime(), idempotency_key=key)
        logger.info("archival run started", extra={"run_id": accepted.run_id, "tables": len(request.source_table)})
    return Response(status_code=202, content_type=content_types.APPLICATION_JSON, body=accepted)


@app.get("/runs/<run_id>")
def get_run(run_id: RunId) -> dict[str, Any]:
    rt = runtime()
    record = rt.runs.get_any(run_id)
    view = record.model_dump(mode="json")
    if isinstance(record, FileRunRecord):
        view["bundles"] = [b.model_dump(mode="json") for b in record.bundle_list()]
    if record.execution_arn:
        # Step Functions is the authority on whether the run is still going.
        execution = rt.aws.stepfunctions.describe_execution(executionArn=record.execution_arn)
        view["status"] = RunStatus(execution["status"]).value
        if execution["status"] != RunStatus.SUCCEEDED:
            view["error"] = view["error"] or execution.get("error")
            view["cause"] = view["cause"] or execution.get("cause")
    return view


def _file_view(file: Any) -> dict[str, Any]:
    view: dict[str, Any] = file.model_dump(mode="json", exclude={"source"}, exclude_none=True)
    return view


def _restore_view(record: RestoreRecord) -> dict[str, Any]:
    view = record.model_dump(mode="json", exclude={"files"})
    view["files"] = [_file_view(f) for f in record.files]
    return view


@app.post("/restore")
def post_restore(request: Annotated[RestoreRequest, Body()]) -> Response[dict[str, Any]]:
    record = start_restore(runtime(), request)
    logger.info(
        "restore started",
        extra={"restore_id": record.restore_id, "files": len(record.files), "bundles": len(record.bundles)},
    )
    body = _restore_view(record) | {"status_url": f"/restores/{record.restore_id}"}
    return Response(status_code=202, content_type=content_types.APPLICATION_JSON, body=body)


@app.get("/restores/<restore_id>")
def get_restore(restore_id: RestoreId) -> dict[str, Any]:
    rt = runtime()
    record = rt.restores.get(restore_id)
    view = _restore_view(record)
    if record.execution_arn and record.status == RunStatus.RUNNING:
        view["status"] = rt.aws.stepfunctions.describe_execution(executionArn=record.execution_arn)["status"]
    return view


@app.post("/runs/<run_id>/purge-stop")
def post_purge_stop(run_id: RunId, request: Annotated[PurgeStop | None, Body()] = None) -> Response[dict[str, Any]]:
    stop = (request or PurgeStop()).stop
    runtime().runs.set_purge_stop(run_id, stop)
    logger.info("source purge stop flag set", extra={"run_id": run_id, "stop": stop})
    body = {"run_id": run_id, "purge_stop": stop}
    return Response(status_code=202, content_type=content_types.APPLICATION_JSON, body=body)


@app.post("/purge")
def post_purge(request: Annotated[ArchivePurgeRequest, Body()]) -> Response[dict[str, str]]:
    record = start_retention_purge(runtime(), request)
    logger.info("retention purge started", extra={"purge_id": record.purge_id, "by": request.requested_by})
    body = {"purge_id": record.purge_id, "status_url": f"/purges/{record.purge_id}"}
    return Response(status_code=202, content_type=content_types.APPLICATION_JSON, body=body)


@app.get("/purges/<purge_id>")
def get_purge(purge_id: Annotated[str, Path(pattern=r"^[a-z]+-[0-9]{8}-[0-9]{6}-[0-9a-f]{8}$")]) -> dict[str, Any]:
    rt = runtime()
    record = rt.purges.get(purge_id)
    view = record.model_dump(mode="json")
    if record.execution_arn:
        view["status"] = rt.aws.stepfunctions.describe_execution(executionArn=record.execution_arn)["status"]
    return view


@app.post("/legal-holds")
def post_legal_hold(request: Annotated[LegalHoldRequest, Body()]) -> dict[str, Any]:
    record = change_legal_hold(runtime(), request)
    logger.info("legal hold changed", extra={"target": request.target, "hold": request.hold})
    return record.model_dump(mode="json")


@app.get("/reports/<run_id>")
def get_report(run_id: RunId) -> dict[str, Any]:
    rt = runtime()
    record = rt.runs.get_any(run_id)
    if not record.report_key:
        raise NotFoundError(f"run {run_id} has no report yet (status {record.status.value})")
    return {"run_id": run_id, "url": rt.reports.presigned_url(record.report_key), "expires_in": PRESIGNED_SECONDS}


@app.post("/onboardings")
def post_onboarding(onboarding: Annotated[Onboarding, Body()]) -> Response[dict[str, str]]:
    key = store_onboarding(runtime(), onboarding)
    logger.info("source onboarded", extra={"key": key, "tables": len(onboarding.tables)})
    return Response(status_code=201, content_type=content_types.APPLICATION_JSON, body={"key": key})


@app.get("/discovery")
def get_discovery() -> dict[str, Any]:
    due, problems = discover(runtime(), now())
    return {
        "due": [d.model_dump(mode="json", by_alias=True) for d in due if d.due_rows or d.problem],
        "problems": problems + [f"{d.schema_}.{d.table}: {d.problem}" for d in due if d.problem],
    }


@app.post("/connections/<name>/test")
def post_connection_test(
    name: Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,64}$")],
    request: Annotated[ConnectionTestRequest | None, Body()] = None,
) -> dict[str, Any]:
    url = runtime().connections.url(name)
    check = check_connection(name, url, (request or ConnectionTestRequest()).tables)
    logger.info("connection tested", extra={"connection": name, "ok": check.ok})
    return check.model_dump(mode="json")


@app.post("/connections")
def post_connection(request: Annotated[ConnectionRequest, Body()]) -> Response[ConnectionInfo]:
    try:
        info = runtime().connections.put(request)
    except ClientError as exc:
        logger.error("connection not stored", extra={"connection": request.name, "code": exc.response["Error"]["Code"]})
        raise
    logger.info("connection registered", extra={"connection": info.name, "engine": info.engine})
    return Response(status_code=201, content_type=content_types.APPLICATION_JSON, body=info)
