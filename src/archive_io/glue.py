"""Glue job arguments: `--name value` pairs, as Glue passes them to a job's script.

The same contract as awsglue's getResolvedOptions, without needing awsglue (absent from
the embedded platform's runs and from this project's test environment).
"""

from __future__ import annotations

from collections.abc import Sequence


def resolve_options(argv: Sequence[str], required: Sequence[str]) -> dict[str, str]:
    """All `--name value` pairs of argv; raises ValueError naming any required one missing."""
    options: dict[str, str] = {}
    args = list(argv[1:])
    i = 0
    while i < len(args):
        key = args[i]
        if not key.startswith("--"):
            i += 1
            continue
        if "=" in key:
            name, value = key[2:].split("=", 1)
            i += 1
        else:
            name, value = key[2:], args[i + 1] if i + 1 < len(args) else ""
            i += 2
        options[name] = value
    if missing := [name for name in required if name not in options]:
        raise ValueError(f"missing job arguments: {', '.join('--' + m for m in missing)}")
    return options
