"""The cost model: per-object transition against bundling, checked against figures worked by hand.

The hand figures use prices.json (us-east-1): DEEP_ARCHIVE $0.00099/GB-month, $0.05 per 1,000
transitions and per 1,000 PUTs, Standard restore $0.02/GB + $0.10 per 1,000; GLACIER $0.0036,
$0.03, $0.03, Expedited $0.03/GB + $10 per 1,000, Bulk free; STANDARD $0.023/GB-month, PUT $0.005
and GET $0.0004 per 1,000. A GB is 2^30 = 1,073,741,824 bytes; the archive overhead a year is
(8,192 B x $0.023 + 32,768 B x the class's price) x 12 / 2^30 per archived object.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from typer.testing import CliRunner

from archive_io.cli import app
from archive_io.files.cost import estimate, load_prices, parse_size

runner = CliRunner()

# 50,000 files of 100 KB (5,000,000,000 bytes) into 500 MB bundles.
FILES, AVG, ARCHIVE = 50_000, 100_000, 500_000_000


def test_the_prices_file_says_when_and_where_its_figures_are_from() -> None:
    prices = load_prices()
    assert prices.region == "us-east-1"
    assert prices.currency == "USD"
    assert prices.as_of == date(2026, 6, 18)
    assert prices.source == "https://aws.amazon.com/s3/pricing/"
    assert prices.gb_bytes == 2**30
    assert (prices.archive_overhead.standard_bytes, prices.archive_overhead.archive_bytes) == (8192, 32768)
    assert prices.deep_archive.storage_per_gb_month == Decimal("0.00099")
    assert prices.glacier.storage_per_gb_month == Decimal("0.0036")
    assert prices.standard.storage_per_gb_month == Decimal("0.023")
    assert (prices.glacier.minimum_storage_days, prices.deep_archive.minimum_storage_days) == (90, 180)
    assert list(prices.glacier.retrieval) == ["Expedited", "Standard", "Bulk"]
    assert list(prices.deep_archive.retrieval) == ["Standard", "Bulk"]  # Deep Archive has no Expedited


def test_deep_archive_by_hand() -> None:
    cost = estimate(FILES, AVG, ARCHIVE, "DEEP_ARCHIVE", "Standard")
    per_object, bundling = cost.per_object, cost.bundling
    assert cost.total_bytes == 5_000_000_000

    assert per_object.archived_objects == 50_000
    assert per_object.requests == 50_000
    assert per_object.requests_cost == Decimal("2.5")  # 50,000 transitions x $0.05 / 1,000
    assert per_object.storage_per_year == Decimal("0.055321")  # 5e9 / 2^30 x 0.00099 x 12 = 0.0553206
    # (188.416 + 32.44032) x 12 = 2,650.27584 per 2^30 bytes a year, x 50,000 = 0.1234132
    assert per_object.overhead_per_year == Decimal("0.123413")
    assert per_object.first_year == Decimal("2.678734")
    assert per_object.yearly == Decimal("0.178734")
    assert per_object.restored_bytes == 100_000
    assert per_object.restore_one_file == Decimal("0.000102")  # 1e5 / 2^30 x 0.02 + 0.10 / 1,000

    # 10 bundles of 5e8 bytes: ceil(5e8 / 16 MiB) = 30 parts + create + complete = 32 requests each
    assert cost.bundles == bundling.archived_objects == 10
    assert bundling.requests == 320 + 50_000 + 10  # uploads, a GET per file, a manifest PUT per bundle
    # 320 x 0.05 / 1,000 + 50,000 x 0.0004 / 1,000 + 10 x 0.005 / 1,000 = 0.016 + 0.02 + 0.00005
    assert bundling.requests_cost == Decimal("0.03605")
    assert bundling.storage_per_year == Decimal("0.055321")  # the same bytes
    # 10 x 2,650.27584 / 2^30 = 0.0000247, plus manifests 1e7 B x 0.023 x 12 / 2^30 = 0.0025705
    assert bundling.overhead_per_year == Decimal("0.002595")
    assert bundling.first_year == Decimal("0.093966")
    assert bundling.yearly == Decimal("0.057916")
    assert bundling.restored_bytes == 500_000_000
    assert bundling.restore_one_file == Decimal("0.009413")  # 5e8 / 2^30 x 0.02 + 0.10 / 1,000

    assert cost.savings_first_year == Decimal("2.584768")
    assert cost.savings_yearly == Decimal("0.120818")
    assert cost.cheaper_first_year == cost.cheaper_yearly == "bundling"
    assert cost.minimum_storage_days == 180
    assert cost.prices.as_of == date(2026, 6, 18)


def test_glacier_expedited_and_bulk_by_hand() -> None:
    cost = estimate(FILES, AVG, ARCHIVE, "GLACIER", "Expedited")
    assert cost.per_object.requests_cost == Decimal("1.5")  # 50,000 x 0.03 / 1,000
    assert cost.per_object.storage_per_year == Decimal("0.201166")  # 5e9 / 2^30 x 0.0036 x 12
    # (188.416 + 117.9648) x 12 x 50,000 / 2^30 = 0.1712039
    assert cost.per_object.overhead_per_year == Decimal("0.171204")
    assert cost.per_object.restore_one_file == Decimal("0.010003")  # 1e5 / 2^30 x 0.03 + 10 / 1,000
    assert cost.bundling.requests_cost == Decimal("0.02965")  # 320 x 0.03 / 1,000 + 0.02 + 0.00005
    assert cost.bundling.restore_one_file == Decimal("0.02397")  # 5e8 / 2^30 x 0.03 + 10 / 1,000

    bulk = estimate(FILES, AVG, ARCHIVE, "GLACIER", "bulk")
    assert bulk.tier == "Bulk"
    assert bulk.per_object.restore_one_file == bulk.bundling.restore_one_file == 0  # free from GLACIER


def test_the_last_bundle_holds_the_rest() -> None:
    # 25 files of 100 MB = 2.5e9 bytes: two bundles of 1e9 (ceil(1e9 / 16 MiB) = 60 parts) and one of 5e8 (30)
    cost = estimate(25, parse_size("100MB"), parse_size("1GB"))
    assert cost.bundles == 3
    assert cost.bundling.requests == 2 * 62 + 32 + 25 + 3
    assert cost.bundling.restored_bytes == 1_000_000_000


def test_files_larger_than_a_bundle_are_a_bundle_each() -> None:
    cost = estimate(3, parse_size("2GB"), parse_size("500MB"))
    assert cost.bundles == 3
    assert cost.bundling.requests == 3 * (120 + 2) + 3 + 3  # ceil(2e9 / 16 MiB) = 120 parts
    assert cost.bundling.restored_bytes == cost.per_object.restored_bytes == 2_000_000_000
    assert cost.cheaper_first_year == "per_object"  # nothing to save by bundling, and the reads cost


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("100KB", 100_000),
        ("500MB", 500_000_000),
        ("2GB", 2_000_000_000),
        ("1.5GiB", 1_610_612_736),
        ("16MiB", 16_777_216),
        ("4KiB", 4096),
        ("1TB", 10**12),
        ("1234", 1234),
        ("10B", 10),
        (" 500 mb ", 500_000_000),
    ],
)
def test_sizes(text: str, expected: int) -> None:
    assert parse_size(text) == expected


@pytest.mark.parametrize("text", ["", "MB", "abc", "-5MB", "5XB", "1.5.2GB", "5 M B", "1e6"])
def test_bad_sizes_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="is not a size"):
        parse_size(text)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((0, AVG, ARCHIVE, "DEEP_ARCHIVE", "Standard"), "^files: "),
        ((FILES, 0, ARCHIVE, "DEEP_ARCHIVE", "Standard"), "^avg_size_bytes: "),
        ((FILES, AVG, -1, "DEEP_ARCHIVE", "Standard"), "^archive_size_bytes: "),
        ((FILES, AVG, ARCHIVE, "STANDARD", "Standard"), "^storage_class: 'STANDARD' is not DEEP_ARCHIVE or GLACIER"),
        ((FILES, AVG, ARCHIVE, "DEEP_ARCHIVE", "Expedited"), "^tier: 'Expedited' .+ it has Standard, Bulk$"),
        ((FILES, AVG, ARCHIVE, "GLACIER", "Fast"), "^tier: 'Fast' .* GLACIER; it has Expedited, Standard, Bulk$"),
    ],
)
def test_bad_input_is_refused_naming_the_argument(args: tuple[int, int, int, str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        estimate(*args)


def test_cli_table() -> None:
    result = runner.invoke(app, ["cost", "--files", "50000", "--avg-size", "100KB", "--archive-size", "500MB"])
    assert result.exit_code == 0, result.output
    for figure in (
        "$2.50",
        "$0.03605",
        "$0.055321",
        "$0.123413",
        "$0.002595",
        "$2.68",
        "$0.093966",
        "$0.178734",
        "$0.057916",
        "$0.000102",
        "$0.009413",
        "bundling saves $2.58",
        "bundling saves $0.120818",
        "10 bundles",
        "2026-06-18",
        "https://aws.amazon.com/s3/pricing/",
        "$0.00099/GB-month",
    ):
        assert figure in result.output, figure


def test_cli_json() -> None:
    result = runner.invoke(
        app,
        ["cost", "--files", "50000", "--avg-size", "100KB", "--archive-size", "500MB", "--tier", "Bulk", "--json"],
    )
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert body["storage_class"] == "DEEP_ARCHIVE"
    assert body["tier"] == "Bulk"
    assert body["per_object"]["first_year"] == 2.678734
    assert body["bundling"]["first_year"] == 0.093966
    assert body["savings_yearly"] == 0.120818
    assert body["bundling"]["restore_one_file"] == 0.001189  # 5e8 / 2^30 x 0.0025 + 0.025 / 1,000
    assert body["prices"]["as_of"] == "2026-06-18"
    assert body["prices"]["source"] == "https://aws.amazon.com/s3/pricing/"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--files", "0", "--avg-size", "100KB", "--archive-size", "500MB"], "--files: at least 1 file"),
        (["--files", "5", "--avg-size", "lots", "--archive-size", "500MB"], "--avg-size: 'lots' is not a size"),
        (["--files", "5", "--avg-size", "1KB", "--archive-size", "0"], "--archive-size: must be more than 0 bytes"),
        (
            ["--files", "5", "--avg-size", "1KB", "--archive-size", "1MB", "--tier", "Expedited"],
            "--tier: 'Expedited' is not a restore tier of DEEP_ARCHIVE; it has Standard, Bulk",
        ),
        (
            ["--files", "5", "--avg-size", "1KB", "--archive-size", "1MB", "--storage-class", "STANDARD"],
            "--storage-class: 'STANDARD' is not DEEP_ARCHIVE or GLACIER",
        ),
    ],
)
def test_cli_bad_input_exits_2_with_one_line(args: list[str], message: str) -> None:
    result = runner.invoke(app, ["cost", *args])
    assert result.exit_code == 2
    assert result.output.startswith(message)
    assert len(result.output.strip().splitlines()) == 1
    assert "Traceback" not in result.output
