"""File bundling throughput, memory and selective restore, against floors measured in the same run.

Run from the project's .venv (`.venv/bin/python benchmarks/file_bundling.py [--files 50000]`).
moto's S3 server runs in its own process, so the bundler's memory is measured apart from the
emulation's. It puts --files files of 1-200 KB (half random bytes, half text) under one prefix,
then measures:
  - the read floor: GET every file with the bundler's read concurrency and discard it;
  - bundling: the files planned into 500 MB bundles, each written by `write_bundle` in turn (in
    S3 Standard so that the restore measure can read them without a thaw), at deflate level 6
    (the default) and 1;
  - peak RSS of a child process writing one ~50 MB bundle and one ~2 GB bundle;
  - restoring one ~100 KB file from a ~500 MB bundle with `member_chunks` (bytes read from S3,
    time) against downloading the whole bundle.
Results print as Markdown: copy them into docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import boto3
from botocore.config import Config

from archive_io.contracts.files import IndexedFile
from archive_io.files import bundle as bundle_module
from archive_io.files.bundle import READ_CONCURRENCY, Member, SourceObject, write_bundle
from archive_io.files.plan import list_files, plan_bundles
from archive_io.files.restore import member_chunks

SOURCE, TARGET, PREFIX = "bench-landing", "bench-bundles", "day/"
MB = 1_000_000


def client(endpoint: str) -> Any:
    config = Config(s3={"addressing_style": "path"}, max_pool_connections=64, retries={"max_attempts": 5})
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",  # noqa: S106 (the emulation's fixed credentials)
        config=config,
    )


@contextmanager
def moto_server() -> Any:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(  # noqa: S603 (a fixed command)
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                client(endpoint).list_buckets()
                break
            except Exception:  # not up yet
                time.sleep(0.2)
        yield endpoint
    finally:
        server.terminate()
        server.wait(10)


def body(rnd: random.Random, size: int) -> bytes:
    half = size // 2
    text = (b"claim,amount,city\n5000,12.50,London\n" * (half // 36 + 1))[: size - half]
    return rnd.randbytes(half) + text


def populate(s3: Any, files: int) -> float:
    s3.create_bucket(Bucket=SOURCE)
    s3.create_bucket(Bucket=TARGET)
    rnd = random.Random(2025)  # noqa: S311 (reproducible data, not secrets)
    sizes = [rnd.randint(1_000, 200_000) for _ in range(files)]
    started = time.perf_counter()
    with ThreadPoolExecutor(32) as pool:
        list(
            pool.map(
                lambda i: s3.put_object(
                    Bucket=SOURCE,
                    Key=f"{PREFIX}{i // 1000:03d}/{i:06d}.csv",
                    Body=body(random.Random(i), sizes[i]),  # noqa: S311
                ),
                range(files),
            )
        )
    return time.perf_counter() - started


def read_floor(s3: Any, objects: list[SourceObject]) -> float:
    started = time.perf_counter()
    with ThreadPoolExecutor(READ_CONCURRENCY) as pool:
        list(pool.map(lambda o: s3.get_object(Bucket=o.bucket, Key=o.key)["Body"].read() and None, objects))
    return time.perf_counter() - started


def bundle_all(s3: Any, objects: list[SourceObject], level: int) -> tuple[float, int, list[tuple[str, list[Member]]]]:
    bundle_module.COMPRESS_LEVEL = level
    written, size = [], 0
    started = time.perf_counter()
    for index, group in enumerate(plan_bundles(objects, 500 * MB), start=1):
        key = f"level{level}/bundle-{index:06d}.zip"
        result = write_bundle(s3, group, TARGET, key, "STANDARD")
        written.append((key, result.members))
        size += result.size
    return time.perf_counter() - started, size, written


def rss_child(endpoint: str, nbytes: int) -> None:
    """In a fresh process: bundle the first files that add up to `nbytes`; print peak RSS (MB)."""
    s3 = client(endpoint)
    objects = list_files(s3, SOURCE, PREFIX)
    before = _vm("VmRSS")
    chosen, total = [], 0
    for obj in objects:
        if total >= nbytes:
            break
        chosen.append(obj)
        total += obj.size
    started = time.perf_counter()
    result = write_bundle(s3, chosen, TARGET, f"rss/{nbytes}.zip", "STANDARD")
    seconds = time.perf_counter() - started
    print(json.dumps({"imports_mb": before, "peak_mb": _vm("VmHWM"), "bytes": total, "zip": result.size, "s": seconds}))


def _vm(field: str) -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


class CountingS3:
    """The S3 client, counting the bytes that GETs return."""

    def __init__(self, s3: Any) -> None:
        self._s3, self.bytes = s3, 0

    def get_object(self, **kwargs: Any) -> Any:
        answer = self._s3.get_object(**kwargs)
        self.bytes += answer["ContentLength"]
        return answer


def restore_one(s3: Any, key: str, members: list[Member]) -> dict[str, Any]:
    member = min(members, key=lambda m: abs(m.size - 100_000))
    place = IndexedFile(
        original_key=member.original_key,
        bundle_bucket=TARGET,
        bundle_key=key,
        storage_class="STANDARD",
        run_id="bench",
        **{k: getattr(member, k) for k in ("member", "size", "compressed_size", "crc32", "header_offset", "etag")},
    )
    counting = CountingS3(s3)
    started = time.perf_counter()
    data = b"".join(member_chunks(counting, place))  # type: ignore[arg-type]
    ranged = time.perf_counter() - started
    started = time.perf_counter()
    whole = s3.get_object(Bucket=TARGET, Key=key)["Body"].read()
    full = time.perf_counter() - started
    assert len(data) == member.size
    return {"member": member.size, "read": counting.bytes, "ranged_s": ranged, "bundle": len(whole), "full_s": full}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=50_000)
    parser.add_argument("--rss-child", nargs=2, metavar=("ENDPOINT", "BYTES"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.rss_child:
        rss_child(args.rss_child[0], int(args.rss_child[1]))
        return
    with moto_server() as endpoint:
        s3 = client(endpoint)
        put_seconds = populate(s3, args.files)
        objects = list_files(s3, SOURCE, PREFIX)
        total = sum(o.size for o in objects)
        print(f"{len(objects):,} files, {total / MB:,.0f} MB put in {put_seconds:.0f} s", flush=True)
        floors = [read_floor(s3, objects)]
        level6, zip6, written = bundle_all(s3, objects, 6)
        floors.append(read_floor(s3, objects))
        level1, zip1, _ = bundle_all(s3, objects, 1)
        floors.append(read_floor(s3, objects))
        floor = min(floors)
        rss = {}
        for nbytes in (50 * MB, 2_000 * MB):
            out = subprocess.run(  # noqa: S603 (this script)
                [sys.executable, __file__, "--rss-child", endpoint, str(nbytes)],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            rss[nbytes] = json.loads(out.strip().splitlines()[-1])
        big = max(written, key=lambda w: sum(m.compressed_size for m in w[1]))
        restored = restore_one(s3, big[0], big[1])

    n, mb = len(objects), total / MB
    print(f"\n## File bundling, {datetime.now(UTC):%Y-%m-%d}, {os.cpu_count()} cores, {n:,} files, {mb:,.0f} MB\n")
    print("| measure | seconds | files/s | MB/s | vs read floor |")
    print("|---|---|---|---|---|")
    print(
        f"| read floor (GET and discard, {READ_CONCURRENCY} threads), best of {len(floors)} | {floor:.1f} "
        f"| {n / floor:,.0f} | {mb / floor:,.1f} | 1.00x |"
    )
    for label, seconds, zipped in (
        ("bundling, deflate 6", level6, zip6),
        ("bundling, deflate 1 (the default)", level1, zip1),
    ):
        print(
            f"| {label}: zips {zipped / total:.0%} of the files | {seconds:.1f} | {n / seconds:,.0f} "
            f"| {mb / seconds:,.1f} | {floor / seconds:.2f}x |"
        )
    print("\n| bundle | files' bytes | peak RSS | RSS after imports |")
    print("|---|---|---|---|")
    for nbytes, r in rss.items():
        print(
            f"| ~{nbytes / MB:,.0f} MB | {r['bytes'] / MB:,.0f} MB | {r['peak_mb']:.0f} MB | {r['imports_mb']:.0f} MB |"
        )
    r = restored
    print("\n| restore one file | bytes read from S3 | seconds |")
    print("|---|---|---|")
    print(f"| ranged GET of the member ({r['member']:,} bytes) | {r['read']:,} | {r['ranged_s']:.3f} |")
    print(f"| whole bundle | {r['bundle']:,} | {r['full_s']:.3f} |")
    print(f"\nbytes read beyond the member: {r['read'] - r['member']:,} (goal: under 65,536 more than the member)")


if __name__ == "__main__":
    main()
