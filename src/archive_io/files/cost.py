"""The cost of archiving many small files: a lifecycle transition per object, or bundles in zips.

Two ways to put N files of an S3 prefix into an archive class (GLACIER or DEEP_ARCHIVE):

- **per-object transition**: a lifecycle rule moves every object to the class. Each object is one
  transition request and carries the archive overhead: 8 KB billed at S3 Standard and 32 KB at the
  class, for as long as it is archived.
- **bundling** (what Archive-IO does): every file is read once (a GET at S3 Standard) into zips of
  `archive_size` bytes, each written by multipart upload straight into the class (16 MiB parts,
  plus the create and complete requests, at the class's PUT price). The overhead is per bundle,
  and each bundle's manifest (about 200 bytes a member) is one PUT and stays in S3 Standard.

Restoring one file is the honest trade-off: a per-object archive thaws that file only, a bundle
is thawed whole to read one member. Prices are us-east-1 list prices, in `prices.json` with the
date they are from and their source. Money is Decimal USD, each figure to a millionth of a dollar;
a GB is 2^30 bytes, as AWS bills it. Not modelled: the index in DynamoDB, the compute that writes
the bundles, the ranged GET after a restore and the restored copy's days in S3 Standard.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from functools import cache
from importlib import resources
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

from archive_io.contracts.files import RetrievalTier, StorageClass
from archive_io.files.bundle import PART_BYTES

#: Money in USD; a number in JSON.
Usd = Annotated[Decimal, PlainSerializer(float, return_type=float, when_used="json")]
Cheaper = Literal["bundling", "per_object", "neither"]

MANIFEST_BYTES_PER_MEMBER = 200
_ARCHIVE_CLASSES: dict[str, StorageClass] = {"GLACIER": "GLACIER", "DEEP_ARCHIVE": "DEEP_ARCHIVE"}
MONTHS = 12
_MICRO = Decimal("0.000001")
_UNITS = {
    "": 1,
    "B": 1,
    "KB": 10**3,
    "MB": 10**6,
    "GB": 10**9,
    "TB": 10**12,
    "KIB": 2**10,
    "MIB": 2**20,
    "GIB": 2**30,
    "TIB": 2**40,
}
_SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*")


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Retrieval(_Frozen):
    """A restore tier's prices: per GB restored and per 1,000 restore requests."""

    per_gb: Usd
    per_1000_requests: Usd


class StandardPrices(_Frozen):
    storage_per_gb_month: Usd
    put_per_1000: Usd = Field(description="PUT, COPY, POST, LIST requests.")
    get_per_1000: Usd


class ArchivePrices(_Frozen):
    storage_per_gb_month: Usd
    put_per_1000: Usd = Field(description="PUT, COPY, POST, LIST requests; a multipart UploadPart is one.")
    transition_per_1000: Usd = Field(description="Lifecycle transition requests into the class.")
    minimum_storage_days: int
    retrieval: dict[str, Retrieval] = Field(description="By restore tier: the tiers the class has.")


class ArchiveOverhead(_Frozen):
    """What S3 adds to every archived object: bytes billed at S3 Standard and at the archive class."""

    standard_bytes: int
    archive_bytes: int


class Prices(_Frozen):
    """The S3 prices the model uses, with the date they are from and their source (`prices.json`)."""

    region: str
    currency: Literal["USD"]
    as_of: date = Field(description="The date the figures are from.")
    recorded: date
    source: str
    checked_against: tuple[str, ...]
    note: str
    gb_bytes: int
    archive_overhead: ArchiveOverhead
    standard: StandardPrices
    glacier: ArchivePrices = Field(description="S3 Glacier Flexible Retrieval.")
    deep_archive: ArchivePrices

    def archive(self, storage_class: StorageClass) -> ArchivePrices:
        return self.glacier if storage_class == "GLACIER" else self.deep_archive


class ApproachCost(_Frozen):
    """One way of archiving the files: what it costs once, the first year, each year after, and per restore."""

    archived_objects: int = Field(description="Objects in the archive class: the files, or the bundles.")
    requests: int = Field(description="Requests billed once, to archive.")
    requests_cost: Usd
    storage_per_year: Usd = Field(description="The files' bytes in the archive class for 12 months.")
    overhead_per_year: Usd = Field(
        description="40 KB per archived object (8 KB at Standard, 32 KB at the class) and, for bundles, "
        "their manifests in Standard, for 12 months."
    )
    first_year: Usd = Field(description="requests_cost + storage_per_year + overhead_per_year.")
    yearly: Usd = Field(description="Each year after the first: storage_per_year + overhead_per_year.")
    restored_bytes: int = Field(description="What a restore of one file retrieves: the file, or its whole bundle.")
    restore_one_file: Usd


class CostEstimate(_Frozen):
    """Per-object transition against bundling, for the CLI and the reports."""

    files: int
    avg_size_bytes: int
    archive_size_bytes: int
    total_bytes: int
    storage_class: StorageClass
    tier: RetrievalTier
    bundles: int
    part_bytes: int
    manifest_bytes_per_member: int
    minimum_storage_days: int
    per_object: ApproachCost
    bundling: ApproachCost
    savings_first_year: Usd = Field(
        description="per_object.first_year - bundling.first_year: less than 0 when bundling costs more."
    )
    savings_yearly: Usd = Field(description="per_object.yearly - bundling.yearly.")
    cheaper_first_year: Cheaper
    cheaper_yearly: Cheaper
    prices: Prices


@cache
def load_prices() -> Prices:
    """The prices of `prices.json`, shipped with the package."""
    text = resources.files("archive_io.files").joinpath("prices.json").read_text(encoding="utf-8")
    return Prices.model_validate_json(text)


def parse_size(text: str) -> int:
    """Bytes of a size: `100KB`, `500MB`, `2GB` (powers of 1000), `1.5GiB` (of 1024), or a plain number of bytes."""
    match = _SIZE.fullmatch(text)
    unit = _UNITS.get(match[2].upper()) if match else None
    if match is None or unit is None:
        raise ValueError(f"{text!r} is not a size: bytes, or a number with KB, MB, GB, TB, KiB, MiB, GiB or TiB")
    return int((Decimal(match[1]) * unit).to_integral_value(ROUND_HALF_EVEN))


def estimate(
    files: int,
    avg_size_bytes: int,
    archive_size_bytes: int,
    storage_class: str = "DEEP_ARCHIVE",
    tier: str = "Standard",
    *,
    prices: Prices | None = None,
) -> CostEstimate:
    """What archiving `files` files of `avg_size_bytes` costs by per-object transition and by bundling.

    Bundles hold `archive_size_bytes` each, the last one the rest, so there are
    ceil(total / archive_size) of them; files larger than a bundle are a bundle each, as the
    planner makes them. Raises ValueError naming the argument on bad input.
    """
    if prices is None:
        prices = load_prices()
    if files < 1:
        raise ValueError(f"files: at least 1 file, not {files}")
    for name, value in (("avg_size_bytes", avg_size_bytes), ("archive_size_bytes", archive_size_bytes)):
        if value <= 0:
            raise ValueError(f"{name}: must be more than 0 bytes, not {value}")
    archive_class = _ARCHIVE_CLASSES.get(storage_class.upper())
    if archive_class is None:
        raise ValueError(f"storage_class: {storage_class!r} is not DEEP_ARCHIVE or GLACIER")
    archive = prices.archive(archive_class)
    tier_name = next((t for t in archive.retrieval if t.lower() == tier.lower()), None)
    if tier_name is None:
        tiers = ", ".join(archive.retrieval)
        raise ValueError(f"tier: {tier!r} is not a restore tier of {archive_class}; it has {tiers}")
    standard, overhead, restore = prices.standard, prices.archive_overhead, archive.retrieval[tier_name]

    def stored(nbytes: int, per_gb_month: Decimal) -> Decimal:
        """`nbytes` kept 12 months."""
        return nbytes * per_gb_month * MONTHS / prices.gb_bytes

    def restored(nbytes: int) -> Decimal:
        return nbytes * restore.per_gb / prices.gb_bytes + restore.per_1000_requests / 1000

    total = files * avg_size_bytes
    storage = stored(total, archive.storage_per_gb_month)
    overhead_per_object = stored(overhead.standard_bytes, standard.storage_per_gb_month) + stored(
        overhead.archive_bytes, archive.storage_per_gb_month
    )
    per_object = _approach(
        objects=files,
        requests=files,
        requests_cost=files * archive.transition_per_1000 / 1000,
        storage=storage,
        overhead=files * overhead_per_object,
        restored_bytes=avg_size_bytes,
        restore=restored(avg_size_bytes),
    )

    sizes = _bundle_sizes(files, avg_size_bytes, archive_size_bytes)
    bundles = sum(count for count, _ in sizes)
    uploads = sum(count * (-(-size // PART_BYTES) + 2) for count, size in sizes)  # parts + create + complete
    reads, puts = files, bundles  # a GET per file, a manifest PUT per bundle
    manifests = files * MANIFEST_BYTES_PER_MEMBER
    largest = max(size for _, size in sizes)
    bundling = _approach(
        objects=bundles,
        requests=uploads + reads + puts,
        requests_cost=(uploads * archive.put_per_1000 + reads * standard.get_per_1000 + puts * standard.put_per_1000)
        / 1000,
        storage=storage,
        overhead=bundles * overhead_per_object + stored(manifests, standard.storage_per_gb_month),
        restored_bytes=largest,
        restore=restored(largest),
    )
    return CostEstimate(
        files=files,
        avg_size_bytes=avg_size_bytes,
        archive_size_bytes=archive_size_bytes,
        total_bytes=total,
        storage_class=archive_class,
        tier=tier_name,
        bundles=bundles,
        part_bytes=PART_BYTES,
        manifest_bytes_per_member=MANIFEST_BYTES_PER_MEMBER,
        minimum_storage_days=archive.minimum_storage_days,
        per_object=per_object,
        bundling=bundling,
        savings_first_year=per_object.first_year - bundling.first_year,
        savings_yearly=per_object.yearly - bundling.yearly,
        cheaper_first_year=_cheaper(per_object.first_year, bundling.first_year),
        cheaper_yearly=_cheaper(per_object.yearly, bundling.yearly),
        prices=prices,
    )


def _bundle_sizes(files: int, avg_size: int, archive_size: int) -> list[tuple[int, int]]:
    """(how many, bytes) of the bundles: full ones and the rest, or one per file when files are larger."""
    if avg_size >= archive_size:
        return [(files, avg_size)]
    full, rest = divmod(files * avg_size, archive_size)
    return [(count, size) for count, size in ((full, archive_size), (1 if rest else 0, rest)) if count]


def _usd(value: Decimal) -> Decimal:
    return value.quantize(_MICRO, ROUND_HALF_EVEN)


def _approach(
    *,
    objects: int,
    requests: int,
    requests_cost: Decimal,
    storage: Decimal,
    overhead: Decimal,
    restored_bytes: int,
    restore: Decimal,
) -> ApproachCost:
    # Rounded first, then added: the totals are the sums of the figures shown.
    requests_cost, storage, overhead = _usd(requests_cost), _usd(storage), _usd(overhead)
    return ApproachCost(
        archived_objects=objects,
        requests=requests,
        requests_cost=requests_cost,
        storage_per_year=storage,
        overhead_per_year=overhead,
        first_year=requests_cost + storage + overhead,
        yearly=storage + overhead,
        restored_bytes=restored_bytes,
        restore_one_file=_usd(restore),
    )


def _cheaper(per_object: Decimal, bundling: Decimal) -> Cheaper:
    if per_object == bundling:
        return "neither"
    return "bundling" if bundling < per_object else "per_object"


def format_usd(value: Decimal) -> str:
    """`$1,234.57` from a dollar up, else every significant digit kept: `$0.000102`."""
    sign = "-" if value < 0 else ""
    value = abs(value)
    if value >= 1:
        return f"{sign}${value:,.2f}"
    text = f"{_usd(value):.6f}".rstrip("0")
    return f"{sign}${text}{'0' * max(0, 4 - len(text))}"  # at least two decimals: $0.10, $0.00


def format_size(nbytes: int) -> str:
    """`100 KB`, `500 MB`, `5 GB`, `1.61 GB`: decimal units, three significant digits."""
    value = float(nbytes)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if value < 999.5:
            return f"{value:.3g} {unit}"
        value /= 1000
    return f"{value:,.0f} PB"
