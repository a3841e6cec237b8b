"""The Step Functions definitions in `stepfunctions/` and their `${placeholders}`.

Terraform renders them with `templatefile`; the embedded platform with `render` below. Both
must fill every placeholder (a test checks it).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from archive_io.paths import project_root

_PLACEHOLDER = re.compile(r"\$\{([a-z_][a-z0-9_]*)\}")


def definition_path(flow: str) -> Path:
    return project_root() / "stepfunctions" / f"{flow}.asl.json"


def placeholders(flow: str) -> set[str]:
    return set(_PLACEHOLDER.findall(definition_path(flow).read_text()))


def render(flow: str, values: dict[str, str | int]) -> str:
    """The flow's definition with every placeholder filled; refuses missing or unknown values."""
    text = definition_path(flow).read_text()
    needed = set(_PLACEHOLDER.findall(text))
    if missing := needed - values.keys():
        raise KeyError(f"{flow}: no value for placeholders {sorted(missing)}")
    if unknown := values.keys() - needed:
        raise KeyError(f"{flow}: no placeholders {sorted(unknown)}")
    rendered = _PLACEHOLDER.sub(lambda m: str(values[m[1]]), text)
    json.loads(rendered)  # a value that breaks the JSON fails here, not in Step Functions
    return rendered
