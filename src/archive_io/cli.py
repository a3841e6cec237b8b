"""`archive-io`: run the embedded platform (`serve`) or the end-to-end demo (`demo`)."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from archive_io.runtime import Runtime

app = typer.Typer(
    help="Archive-IO: archival of relational tables to Iceberg and of S3 files to Glacier.", no_args_is_help=True
)
console = Console()
DEFAULT_STATE_DIR = Path(".archive-io")
StateDir = Annotated[Path, typer.Option("--state-dir", help="Where the platform writes its files.")]


def _quiet_logs(level: str) -> None:
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", level)
    logging.basicConfig(level=logging.WARNING if level == "WARNING" else logging.INFO)
    logging.getLogger("botocore").setLevel(logging.WARNING)


@app.command()
def serve(
    port: Annotated[int, typer.Option(help="Port of the API (0: any free port).")] = 8080,
    state_dir: StateDir = DEFAULT_STATE_DIR,
    thaw_seconds: Annotated[
        int, typer.Option(help="How long a restore from Glacier takes here (AWS: hours).", min=0)
    ] = 0,
    spark_min_rows: Annotated[
        int | None,
        typer.Option(
            help="Tables with at least this many rows (source statistics) go to the Spark engine, which "
            "writes a Hadoop catalog under the state dir here; unset: the single-node engine only.",
            min=0,
        ),
    ] = None,
) -> None:
    """Run the embedded platform in the foreground until interrupted."""
    _quiet_logs("INFO")
    from archive_io.local.platform import LocalPlatform

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with LocalPlatform(state_dir.resolve(), port, thaw_seconds, spark_min_rows) as platform:
        settings = platform.settings
        assert settings is not None
        # One parseable line: scripts and tests wait for it.
        print(f"Archive-IO embedded platform ready: API {platform.api_url} AWS {settings.endpoint_url}", flush=True)
        print(
            f"  Iceberg: PYICEBERG_HOME={platform.state_dir} then load_catalog({settings.catalog_name!r})",
            flush=True,
        )
        with contextlib.suppress(KeyboardInterrupt):
            stop.wait()
    console.print("stopped")


def openapi_document() -> str:
    """The REST API's OpenAPI document as the Powertools resolver of archive_io.api generates it.

    Committed as docs/openapi.json: API Gateway's definition (and its request validation) is built
    from that file, and a test fails when the committed copy drifts from the code.
    """
    from importlib.metadata import version

    from archive_io.api import app as api

    return api.get_openapi_json_schema(title="Archive-IO", version=version("archive-io")) + "\n"


@app.command()
def openapi() -> None:
    """Print the REST API's OpenAPI document (update the committed one: archive-io openapi > docs/openapi.json)."""
    sys.stdout.write(openapi_document())


@app.command()
def onboard(
    file: Annotated[Path, typer.Argument(help="The source database's onboarding YAML (see payloads/onboarding.yaml).")],
    api: Annotated[str, typer.Option(help="The platform's API URL.")] = "http://127.0.0.1:8080",
) -> None:
    """Check an onboarding file against its source and store it in the config bucket."""
    import requests
    from pydantic import ValidationError

    from archive_io.contracts.onboarding import Onboarding

    try:
        onboarding = Onboarding.from_yaml(file.read_text())
    except (OSError, ValueError, ValidationError) as exc:
        console.print(f"[red]{file}: {exc}")
        raise typer.Exit(2) from None
    response = requests.post(
        f"{api.rstrip('/')}/onboardings", json=onboarding.model_dump(mode="json", by_alias=True), timeout=60
    )
    if response.status_code != 201:
        console.print(f"[red]not onboarded ({response.status_code}): {response.json().get('message', response.text)}")
        raise typer.Exit(1)
    console.print(f"onboarded {len(onboarding.tables)} tables as {response.json()['key']}")


def _runtime(state_dir: Path) -> Runtime:
    """The platform's that `archive-io serve` runs from `state_dir`, else the AWS environment's (ARCHIVE_IO_*)."""
    from archive_io.local.platform import served_settings
    from archive_io.runtime import Runtime
    from archive_io.settings import Settings

    local = served_settings(state_dir.resolve())
    if local is not None:
        os.environ.update(local)
    return Runtime(Settings.from_mapping(os.environ))


@app.command()
def validate(
    *,
    connection: Annotated[str, typer.Option(help="The registered connection of the source database.")],
    table: Annotated[str, typer.Option(help="The source table, SCHEMA.TABLE.")],
    iceberg: Annotated[str, typer.Option("--iceberg", help="The archive's Iceberg table, NAMESPACE.TABLE.")],
    condition: Annotated[str | None, typer.Option(help="Validate only the source rows this WHERE selects.")] = None,
    run_id: Annotated[str | None, typer.Option(help="Compare only the archive's rows of this run.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the validation as JSON.")] = False,
    state_dir: StateDir = DEFAULT_STATE_DIR,
) -> None:
    """Check an archive against its source now, outside a run: schema, counts, checksums, differing rows.

    Reaches the platform `archive-io serve` runs from --state-dir, else the AWS environment's
    (ARCHIVE_IO_* variables). Exits 0 when it passed, 1 when it failed, 2 on bad input.
    """
    _quiet_logs("WARNING")
    from archive_io.aws.connections import UnknownConnectionError
    from archive_io.settings import SettingsError
    from archive_io.tables.archival import validate_iceberg_table
    from archive_io.tables.errors import RequestError, SourceUnavailableError

    try:
        runtime = _runtime(state_dir)
        validation = validate_iceberg_table(runtime, connection, table, iceberg, condition=condition, run_id=run_id)
    except (
        RequestError,
        SettingsError,
        UnknownConnectionError,
        SourceUnavailableError,
    ) as exc:
        console.print(f"[red]{exc}")
        raise typer.Exit(2) from None
    if as_json:
        print(validation.model_dump_json(indent=2))
    else:
        _print_validation(table, iceberg, validation)
    if validation.verdict != "PASSED":
        raise typer.Exit(1)


@app.command("purge-source")
def purge_source_command(
    run_id: Annotated[str, typer.Option(help="The run whose archived rows are deleted from the source.")],
    table: Annotated[str, typer.Option(help="The source table, as the run names it.")],
    state_dir: StateDir = DEFAULT_STATE_DIR,
) -> None:
    """Run (or resume) a run's source purge of one table, as the `purge_table` job does.

    Only after that run validated the table PASSED; a stopped or timed-out purge goes on from its
    last committed chunk. Clear the stop flag first (`POST /runs/{run_id}/purge-stop {"stop": false}`).
    """
    _quiet_logs("WARNING")
    from archive_io.aws.runs import RunNotFoundError
    from archive_io.settings import SettingsError
    from archive_io.tables.purge import purge_table

    try:
        runtime = _runtime(state_dir)
        if table not in runtime.runs.get(run_id).tables:
            console.print(f"[red]run {run_id} has no table {table!r}")
            raise typer.Exit(2)
        result = purge_table(runtime, run_id, table).purge
    except (RunNotFoundError, SettingsError) as exc:
        console.print(f"[red]{exc}")
        raise typer.Exit(2) from None
    assert result is not None
    console.print(result.model_dump_json(indent=2))
    if result.status not in {"DONE", "DRY_RUN"}:
        raise typer.Exit(1)


@app.command("delete-namespace")
def delete_namespace_command(
    namespace: Annotated[str, typer.Argument(help="The archive namespace, e.g. archive_sales_public.")],
    requested_by: Annotated[str, typer.Option(help="Who asks (recorded in the purges table).")],
    requested_by_email: Annotated[str, typer.Option(help="Their email (recorded).")],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    state_dir: StateDir = DEFAULT_STATE_DIR,
) -> None:
    """Drop every table of an archive namespace with its files, then the namespace.

    Refused, with nothing dropped, when any table in it is under legal hold. Exits 0 when deleted,
    1 when refused, 2 on bad input.
    """
    _quiet_logs("WARNING")
    from archive_io.settings import SettingsError
    from archive_io.tables.errors import RequestError
    from archive_io.tables.retention import LegalHoldError, delete_archive_namespace

    if not yes:
        typer.confirm(f"Drop every table of {namespace} and delete their files?", abort=True)
    try:
        runtime = _runtime(state_dir)
        record = delete_archive_namespace(runtime, namespace, requested_by, requested_by_email)
    except (RequestError, SettingsError) as exc:
        console.print(f"[red]{exc}")
        raise typer.Exit(2) from None
    except LegalHoldError as exc:
        console.print(f"[red]refused: {exc}")
        raise typer.Exit(1) from None
    for name, result in record.tables.items():
        console.print(f"dropped {name}: {result.rows_removed:,} rows, {result.files_removed} files")
    console.print(f"namespace {namespace} deleted (purge {record.purge_id})")


#: estimate()'s arguments, as the `cost` command's options name them.
_COST_OPTIONS = {
    "files": "--files",
    "avg_size_bytes": "--avg-size",
    "archive_size_bytes": "--archive-size",
    "storage_class": "--storage-class",
    "tier": "--tier",
}


@app.command()
def cost(
    *,
    files: Annotated[int, typer.Option(help="How many files.")],
    avg_size: Annotated[str, typer.Option(help="Their average size: 100KB, 2MB, 1.5GiB (KB: 1000 bytes, KiB: 1024).")],
    archive_size: Annotated[str, typer.Option(help="The size of a bundle (zip): 500MB, 2GB.")],
    storage_class: Annotated[
        str, typer.Option(help="DEEP_ARCHIVE, or GLACIER (Glacier Flexible Retrieval).")
    ] = "DEEP_ARCHIVE",
    tier: Annotated[str, typer.Option(help="The restore tier: Standard, Bulk, Expedited (GLACIER only).")] = "Standard",
    as_json: Annotated[bool, typer.Option("--json", help="Print the estimate as JSON.")] = False,
) -> None:
    """Compare archiving files one object each (lifecycle transition) with bundling them into zips, in USD.

    Uses the us-east-1 list prices shipped in archive_io/files/prices.json, printed with their date
    and source. Exits 2 on bad input.
    """
    from rich.markup import escape

    from archive_io.files.cost import estimate, parse_size

    try:
        sizes = []
        for option, text in (("--avg-size", avg_size), ("--archive-size", archive_size)):
            try:
                sizes.append(parse_size(text))
            except ValueError as exc:
                raise ValueError(f"{option}: {exc}") from None
        result = estimate(files, sizes[0], sizes[1], storage_class, tier)
    except ValueError as exc:
        name, colon, reason = str(exc).partition(":")
        message = f"{_COST_OPTIONS.get(name, name)}:{reason}" if colon else str(exc)
        console.print(f"[red]{escape(message)}", soft_wrap=True)
        raise typer.Exit(2) from None
    if as_json:
        print(result.model_dump_json(indent=2))
    else:
        _print_cost(result)


def _print_cost(estimate: Any) -> None:
    from archive_io.files.cost import format_size, format_usd

    per_object, bundling, prices = estimate.per_object, estimate.bundling, estimate.prices
    table = Table(
        title=f"{estimate.files:,} files of {format_size(estimate.avg_size_bytes)} "
        f"({format_size(estimate.total_bytes)}) into {estimate.storage_class}, {prices.region}"
    )
    table.add_column("")
    table.add_column("per-object transition", justify="right")
    table.add_column(f"bundling ({format_size(estimate.archive_size_bytes)} zips)", justify="right")
    table.add_row(
        "objects archived", f"{per_object.archived_objects:,} files", f"{bundling.archived_objects:,} bundles"
    )
    table.add_row(
        "requests, once",
        f"{format_usd(per_object.requests_cost)} ({per_object.requests:,})",
        f"{format_usd(bundling.requests_cost)} ({bundling.requests:,})",
    )
    for label, field in (("storage, 12 months", "storage_per_year"), ("overhead, 12 months", "overhead_per_year")):
        table.add_row(label, format_usd(getattr(per_object, field)), format_usd(getattr(bundling, field)))
    table.add_row(
        "[bold]first year", f"[bold]{format_usd(per_object.first_year)}", f"[bold]{format_usd(bundling.first_year)}"
    )
    table.add_row(
        "[bold]each year after", f"[bold]{format_usd(per_object.yearly)}", f"[bold]{format_usd(bundling.yearly)}"
    )
    table.add_row(
        f"restore 1 file ({estimate.tier})",
        f"{format_usd(per_object.restore_one_file)} ({format_size(per_object.restored_bytes)})",
        f"{format_usd(bundling.restore_one_file)} ({format_size(bundling.restored_bytes)})",
    )
    console.print(table)

    def saving(cheaper: str, amount: Any) -> str:
        if cheaper == "neither":
            return "both cost the same"
        return f"{'bundling' if cheaper == 'bundling' else 'per-object transition'} saves {format_usd(abs(amount))}"

    extra = bundling.restore_one_file - per_object.restore_one_file
    console.print(
        f"First year: {saving(estimate.cheaper_first_year, estimate.savings_first_year)}; "
        f"each year after: {saving(estimate.cheaper_yearly, estimate.savings_yearly)}. "
        + (
            f"Restoring one file costs {format_usd(extra)} more from a bundle: the whole bundle is retrieved."
            if extra > 0
            else "Restoring one file costs the same either way."
        ),
        soft_wrap=True,
    )
    archive = prices.archive(estimate.storage_class)
    restore = archive.retrieval[estimate.tier]
    overhead = prices.archive_overhead
    console.print(
        f"Prices: {prices.region} list prices as of {prices.as_of} (recorded {prices.recorded}), {prices.source}",
        soft_wrap=True,
    )
    for line in (
        f"{estimate.storage_class}: storage {format_usd(archive.storage_per_gb_month)}/GB-month, "
        f"lifecycle transition {format_usd(archive.transition_per_1000)}/1,000, "
        f"PUT {format_usd(archive.put_per_1000)}/1,000, {estimate.tier} restore {format_usd(restore.per_gb)}/GB "
        f"+ {format_usd(restore.per_1000_requests)}/1,000 requests, minimum {estimate.minimum_storage_days} days",
        f"STANDARD: storage {format_usd(prices.standard.storage_per_gb_month)}/GB-month, "
        f"PUT {format_usd(prices.standard.put_per_1000)}/1,000, GET {format_usd(prices.standard.get_per_1000)}/1,000",
        f"per archived object: {overhead.standard_bytes // 1024} KB at STANDARD + "
        f"{overhead.archive_bytes // 1024} KB at {estimate.storage_class}; GB = 2^30 bytes; "
        f"{estimate.part_bytes // 2**20} MiB parts; manifests {estimate.manifest_bytes_per_member} bytes a file",
    ):
        console.print(f"  {line}", soft_wrap=True, highlight=False)


def _print_validation(table: str, iceberg: str, validation: Any) -> None:
    style = "green" if validation.verdict == "PASSED" else "red"
    console.print(f"{table} -> {iceberg}: [bold {style}]{validation.verdict}[/]")
    console.print(f"  rows: source {validation.source_rows:,}, archive {validation.archive_rows:,}")
    for side, checksum in (("source", validation.source_checksum), ("archive", validation.archive_checksum)):
        console.print(f"  {side} checksum: count {checksum.count:,} sum {checksum.sum:x} xor {checksum.xor:015x}")
    console.print(f"  source read {validation.source_read}")
    for reason in validation.reasons:
        console.print(f"  [{style}]- {reason}")
    if validation.differences:
        rows = Table(title="Differing rows (first ones)")
        for column in ("kind", "key", "column", "source", "archive"):
            rows.add_column(column)
        for difference in validation.differences:
            key = ", ".join(f"{k}={v}" for k, v in difference.key.items())
            for value in difference.columns or [None]:
                rows.add_row(
                    difference.kind,
                    key,
                    value.column if value else "",
                    value.source if value else "",
                    value.archive if value else "",
                )
        console.print(rows)


def _summary(run: dict[str, Any]) -> Table:
    table = Table(title=f"Run {run['run_id']}: {run['status']}")
    for column in ("table", "rows archived", "rows/s", "Iceberg table", "validation"):
        table.add_column(column, justify="right" if column.startswith("rows") else "left")
    for name, result in run["tables"].items():
        validation = result.get("validation") or {}
        verdict = validation.get("verdict") or result.get("status")
        style = "green" if verdict == "PASSED" else "red"
        rows, speed = result.get("rows_archived"), result.get("rows_per_second")
        table.add_row(
            name,
            "—" if rows is None else f"{rows:,}",
            "—" if speed is None else f"{speed:,.0f}",
            result["iceberg_table"],
            f"[{style}]{verdict}[/]",
        )
    return table


@app.command()
def demo(
    state_dir: StateDir = DEFAULT_STATE_DIR,
    rows: Annotated[int, typer.Option(help="Rows per demo table.")] = 500,
) -> None:
    """Archive a demo SQLite database and a day of small files end to end on the embedded platform,
    then restore one of the files from Glacier."""
    _quiet_logs("WARNING")
    from archive_io.aws.clients import AwsClients
    from archive_io.local.demo import (
        DEMO_CONNECTION,
        DemoClient,
        create_demo_database,
        demo_file_request,
        load_payload,
        put_demo_files,
    )
    from archive_io.local.platform import LocalPlatform

    state_dir = state_dir.resolve()
    with console.status("Creating the demo database") as status:
        database = create_demo_database(state_dir / "demo.db", rows)
        status.update("Starting the embedded platform")
        with LocalPlatform(state_dir, thaw_seconds=DEMO_THAW_SECONDS) as platform:
            client = DemoClient(platform.api_url)
            response = client.post("/connections", {"name": DEMO_CONNECTION, "url": f"sqlite:///{database}"})
            if response.status_code != 201:
                console.print(f"[red]POST /connections failed ({response.status_code}): {response.text}")
                raise typer.Exit(1)
            response = client.post("/archive", load_payload())
            if response.status_code != 202:
                console.print(f"[red]POST /archive failed ({response.status_code}): {response.text}")
                raise typer.Exit(1)
            run_id = response.json()["run_id"]
            console.print(f"POST /archive -> 202, run {run_id}")

            def progress(run: dict[str, Any]) -> None:
                states = [f"{name} {t['status'].lower()}" for name, t in run["tables"].items()]
                status.update(f"Run {run_id} {run['status']}: " + ", ".join(states))

            run = client.wait_for_run(run_id, on_update=progress)
            report_path = _save_report(client, state_dir, run_id)

            status.update("Archiving a day of small files to Glacier Deep Archive")
            assert platform.settings is not None
            count = put_demo_files(AwsClients(platform.settings).s3)
            response = client.post("/archive", demo_file_request(count))
            if response.status_code != 202:
                console.print(f"[red]POST /archive (files) failed ({response.status_code}): {response.text}")
                raise typer.Exit(1)
            file_run = client.wait_for_run(response.json()["run_id"])
            file_report = _save_report(client, state_dir, file_run["run_id"])
            wanted = "5007_20250410.csv"
            status.update(
                f"Restoring {wanted} from its bundle (thawing takes {DEMO_THAW_SECONDS} s here, hours in AWS)"
            )
            response = client.post("/restore", {"project_name": "demo", "filename": wanted})
            restore = client.wait_for_restore(response.json()["restore_id"]) if response.status_code == 202 else None
    console.print(_summary(run))
    if run.get("error"):
        console.print(f"[red]{run['error']}: {run.get('cause')}")
    console.print(f"PDF report: {report_path}" if report_path else "[red]no report was produced")
    bundles = file_run.get("bundles", [])
    console.print(
        f"File archival {file_run['run_id']}: {file_run['status']}, {sum(b['members'] for b in bundles)} files "
        f"in {len(bundles)} zips in {file_run['request']['storage_class']}; report: {file_report}"
    )
    restored = restore["files"][0] if restore else {}
    console.print(
        f"Restore of {wanted}: {restored.get('status', response.text)} -> s3://{restored.get('bucket')}/{restored.get('key')}"
    )
    if run["status"] != "SUCCEEDED" or file_run["status"] != "SUCCEEDED" or restored.get("status") != "RESTORED":
        raise typer.Exit(1)


DEMO_THAW_SECONDS = 2


def _save_report(client: Any, state_dir: Path, run_id: str) -> Path | None:
    report = client.get(f"/reports/{run_id}")
    if report.status_code != 200:
        return None
    pdf = client.http.get(report.json()["url"], timeout=60)
    pdf.raise_for_status()
    path: Path = state_dir / "reports" / f"report-{run_id}.pdf"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pdf.content)
    return path
