"""The demo: a SQLite database with `products`, `leads` and `customers`, archived end to end."""

from __future__ import annotations

import json
import random
import sqlite3
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import requests

from archive_io.paths import project_root

DEMO_CONNECTION = "demo_connection"
PAYLOAD = "archival_input_payload.json"
TERMINAL = {"SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"}

_FIRST = ["Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Margaret", "Ken", "Frances", "Tony", "Zoë", "Łukasz"]
_LAST = ["Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Hamilton", "Thompson", "Allen", "O'Hare"]
_CITIES = ["London", "Edinburgh", "Dublin", "Paris", "Berlin", "Madrid", "Lisbon", "Warsaw", "Oslo", "Zürich"]
_PRODUCTS = ["Lamp", "Desk", "Chair", "Monitor", "Keyboard", "Mouse", "Headset", "Webcam", "Cable", "Dock"]


def create_demo_database(path: Path, rows: int = 500) -> Path:
    """Create (or re-create) the demo database: each table has an `Index` column, 1-based."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    rnd = random.Random(20261122)  # noqa: S311 (reproducible demo data, not secrets)
    start = date(2015, 1, 1)
    with sqlite3.connect(path) as db:
        db.executescript(
            """
            CREATE TABLE products ("Index" INTEGER PRIMARY KEY, "Name" TEXT NOT NULL, "Description" TEXT,
                "Category" TEXT, "Price" DECIMAL(10,2), "Stock" INTEGER, "Available" BOOLEAN, "Added" DATE);
            CREATE TABLE leads ("Index" INTEGER PRIMARY KEY, "Lead Id" TEXT NOT NULL, "First Name" TEXT,
                "Last Name" TEXT, "Email" TEXT, "Score" REAL, "Created At" DATETIME);
            CREATE TABLE customers ("Index" INTEGER PRIMARY KEY, "Customer Id" TEXT NOT NULL, "First Name" TEXT,
                "Last Name" TEXT, "City" TEXT, "Subscription Date" DATE, "Website" TEXT);
            """
        )
        db.executemany(
            "INSERT INTO products VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    i,
                    f"{rnd.choice(_PRODUCTS)} {i:04d}",
                    None if i % 7 == 0 else f'A {rnd.choice(["sturdy", "light", "quiet"])} product, "model" {i}',
                    rnd.choice(["Office", "Home", "Electronics"]),
                    f"{rnd.uniform(1, 900):.2f}",
                    rnd.randint(0, 500),
                    rnd.random() > 0.2,
                    (start + timedelta(days=rnd.randint(0, 3500))).isoformat(),
                )
                for i in range(1, rows + 1)
            ],
        )
        db.executemany(
            "INSERT INTO leads VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    i,
                    f"L{rnd.getrandbits(40):010x}",
                    rnd.choice(_FIRST),
                    rnd.choice(_LAST),
                    f"lead{i}@example.com",
                    None if i % 11 == 0 else round(rnd.uniform(0, 100), 3),
                    (datetime(2020, 1, 1) + timedelta(seconds=rnd.randint(0, 10**8))).isoformat(sep=" "),
                )
                for i in range(1, rows + 1)
            ],
        )
        db.executemany(
            "INSERT INTO customers VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    i,
                    f"C{rnd.getrandbits(40):010x}",
                    rnd.choice(_FIRST),
                    rnd.choice(_LAST),
                    rnd.choice(_CITIES),
                    (start + timedelta(days=rnd.randint(0, 3500))).isoformat(),
                    f"https://www.example{i}.com",
                )
                for i in range(1, rows + 1)
            ],
        )
    return path


def load_payload(name: str = PAYLOAD) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((project_root() / "payloads" / name).read_text())
    return data


class DemoClient:
    """A thin HTTP client of the platform's API, as a user's script would be."""

    def __init__(self, api_url: str) -> None:
        self.api_url = api_url.rstrip("/")
        self.http = requests.Session()

    def post(self, path: str, body: dict[str, Any]) -> requests.Response:
        return self.http.post(f"{self.api_url}{path}", json=body, timeout=60)

    def get(self, path: str) -> requests.Response:
        return self.http.get(f"{self.api_url}{path}", timeout=60)

    def wait_for_run(
        self, run_id: str, timeout: float = 600, on_update: Callable[[dict[str, Any]], None] | None = None
    ) -> dict[str, Any]:
        """Poll `GET /runs/{run_id}` until the run ends; raises TimeoutError past `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            response = self.get(f"/runs/{run_id}")
            response.raise_for_status()
            run: dict[str, Any] = response.json()
            if on_update:
                on_update(run)
            if run["status"] in TERMINAL:
                return run
            if time.monotonic() > deadline:
                raise TimeoutError(f"run {run_id} still {run['status']} after {timeout:.0f} s")
            time.sleep(0.5)

    def wait_for_restore(self, restore_id: str, timeout: float = 600) -> dict[str, Any]:
        """Poll `GET /restores/{restore_id}` until the restore ends."""
        deadline = time.monotonic() + timeout
        while True:
            response = self.get(f"/restores/{restore_id}")
            response.raise_for_status()
            restore: dict[str, Any] = response.json()
            if restore["status"] in TERMINAL:
                return restore
            if time.monotonic() > deadline:
                raise TimeoutError(f"restore {restore_id} still {restore['status']} after {timeout:.0f} s")
            time.sleep(0.5)


DEMO_BUCKET = "demo-landing"
DEMO_PREFIX = "20250410/"


def put_demo_files(s3: Any, count: int = 120) -> int:
    """Small CSV files under a day's prefix of a landing bucket, as seed 002's workflow leaves them."""
    rnd = random.Random(20250410)  # noqa: S311 (reproducible demo data, not secrets)
    s3.create_bucket(Bucket=DEMO_BUCKET)
    for i in range(count):
        rows = "".join(
            f"{5000 + i},{rnd.uniform(1, 900):.2f},{rnd.choice(_CITIES)}\n" for _ in range(rnd.randint(5, 400))
        )
        folder = ("claims", "invoices", "letters")[i % 3]
        s3.put_object(
            Bucket=DEMO_BUCKET, Key=f"{DEMO_PREFIX}{folder}/{5000 + i}_20250410.csv", Body=f"id,amount,city\n{rows}"
        )
    return count


def demo_file_request(count: int) -> dict[str, Any]:
    return load_payload("file_archival.json") | {
        "project_name": "demo",
        "bucket_name": DEMO_BUCKET,
        "prefix": DEMO_PREFIX,
        "file_count": count,
        "max_files_per_archive": 50,
        "output_prefix": "demo",
    }
