"""The AWS provider's resource and data source arguments, read from the `cdktn-provider-aws` wheel.

No Terraform here can download the AWS provider, so its schema comes from the PyPI package of
CDK Terrain bindings generated from it. The wheel carries a jsii assembly (a JSON description of
every generated class): each resource class has a `...Config` struct whose properties are the
resource's arguments and nested blocks, each documented with a link ending in
`#<terraform_name>`, which gives the Terraform (snake_case) name without guessing it from the
camelCase one. The wheel is downloaded (not installed) once into .cache/, and the names are
extracted once into a small JSON file next to it.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / ".cache" / "aws-provider"
PACKAGE = "cdktn-provider-aws"
# Pinned: a new provider release may add or drop arguments; bump it on purpose.
VERSION = "25.8.1"

_LINK = re.compile(r"\{@link \S+/docs/(resources|data-sources)/(\w+) (\w+)\}")
_ARGUMENT = re.compile(r"\{@link \S+#(\w+) \w+#\w+\}")


@dataclass(frozen=True)
class Argument:
    required: bool
    block: str | None  # the struct of a nested block (or object attribute), if it is one
    is_map: bool  # a map of such objects: its keys are free, not argument names


@dataclass(frozen=True)
class ProviderSchema:
    provider_version: str
    resources: dict[str, str]  # resource type -> its config struct
    data_sources: dict[str, str]
    structs: dict[str, dict[str, Argument]]

    def arguments(self, struct: str) -> dict[str, Argument]:
        return self.structs[struct]


def _snake(camel: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", camel).lower()


def _struct_of(type_ref: dict[str, Any]) -> tuple[str | None, bool]:
    """The struct a property's jsii type holds (directly, in a list, or in a map), and whether in a map."""
    if "fqn" in type_ref:
        fqn: str = type_ref["fqn"]
        return (None, False) if fqn.startswith("cdktn.") else (fqn, False)
    if "collection" in type_ref:
        struct, _ = _struct_of(type_ref["collection"]["elementtype"])
        return struct, struct is not None and type_ref["collection"]["kind"] == "map"
    for option in type_ref.get("union", {}).get("types", []):
        struct, is_map = _struct_of(option)
        if struct is not None:
            return struct, is_map
    return None, False


def extract(assembly: dict[str, Any]) -> dict[str, Any]:
    """The compact schema (JSON-ready) of a jsii assembly of the provider."""
    types: dict[str, Any] = assembly["types"]
    structs: dict[str, dict[str, list[Any]]] = {}
    version = ""

    def add(fqn: str) -> str:
        if fqn in structs:
            return fqn
        structs[fqn] = {}  # reserved first: a struct may (indirectly) contain itself
        arguments = {}
        for prop in types[fqn].get("properties", []):
            docs = prop.get("docs", {})
            match = _ARGUMENT.search(docs.get("summary", "") + " " + docs.get("remarks", ""))
            name = match[1] if match else _snake(prop["name"])
            struct, is_map = _struct_of(prop["type"])
            arguments[name] = [not prop.get("optional", False), add(struct) if struct else None, is_map]
        structs[fqn] = arguments
        return fqn

    kinds: dict[str, dict[str, str]] = {"resources": {}, "data-sources": {}}
    for spec in types.values():
        if spec.get("base") not in {"cdktn.TerraformResource", "cdktn.TerraformDataSource"}:
            continue
        link = _LINK.search(spec.get("docs", {}).get("summary", ""))
        config = next((p for p in spec["initializer"]["parameters"] if p["name"] == "config"), None)
        if link is None or config is None:
            continue
        version = version or link[0].split("/aws/")[1].split("/")[0]
        kinds[link[1]][link[3]] = add(config["type"]["fqn"])
    return {
        "package": f"{PACKAGE}=={VERSION}",
        "provider_version": version,
        "resources": kinds["resources"],
        "data_sources": kinds["data-sources"],
        "structs": structs,
    }


def _download_wheel(cache: Path) -> Path:
    wheels = sorted(cache.glob(f"{PACKAGE.replace('-', '_')}-{VERSION}-*.whl"))
    if wheels:
        return wheels[0]
    cache.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:"]
    done = subprocess.run(
        [*command, "--dest", str(cache), f"{PACKAGE}=={VERSION}"], capture_output=True, text=True, check=False
    )
    wheels = sorted(cache.glob(f"{PACKAGE.replace('-', '_')}-{VERSION}-*.whl"))
    if done.returncode != 0 or not wheels:
        raise RuntimeError(f"pip download {PACKAGE}=={VERSION} failed (is PyPI reachable?): {done.stderr[-2000:]}")
    return wheels[0]


def _read_assembly(wheel: Path) -> dict[str, Any]:
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".jsii.tgz"))
        packed = archive.read(name)
    with tarfile.open(fileobj=io.BytesIO(packed)) as tar:
        member = tar.extractfile("package/.jsii")
        assert member is not None
        assembly: dict[str, Any] = json.load(member)
    return assembly


def load(cache: Path = CACHE) -> ProviderSchema:
    """The schema, from the cached extract; built from the (downloaded) wheel the first time (~20 s)."""
    compact = cache / f"schema-{VERSION}.json"
    if not compact.exists():
        data = extract(_read_assembly(_download_wheel(cache)))
        partial = compact.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(json.dumps(data, separators=(",", ":")))
        partial.replace(compact)  # atomic: a concurrent or interrupted run never sees half a file
    data = json.loads(compact.read_text())
    return ProviderSchema(
        provider_version=data["provider_version"],
        resources=data["resources"],
        data_sources=data["data_sources"],
        structs={
            fqn: {name: Argument(required, block, is_map) for name, (required, block, is_map) in arguments.items()}
            for fqn, arguments in data["structs"].items()
        },
    )
