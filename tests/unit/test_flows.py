from __future__ import annotations

import json

import pytest

from archive_io import flows


def test_archival_flow_placeholders_are_the_ones_the_platform_fills() -> None:
    assert flows.placeholders("archival_flow") == {
        "table_concurrency",
        "archive_table_job_name",
        "validate_table_job_name",
        "purge_table_job_name",
        "report_function_arn",
        "runs_table_name",
        "notifications_topic_arn",
    }


def test_render_refuses_a_missing_placeholder() -> None:
    with pytest.raises(KeyError, match="runs_table_name"):
        flows.render("archival_flow", dict.fromkeys(flows.placeholders("archival_flow") - {"runs_table_name"}, "x"))


def test_rendered_definition_is_json_with_every_placeholder_filled() -> None:
    values: dict[str, str | int] = {p: f"value-of-{p}" for p in flows.placeholders("archival_flow")}
    values["table_concurrency"] = 3
    text = flows.render("archival_flow", values)
    assert "${" not in text
    definition = json.loads(text)
    assert definition["States"]["ArchiveTables"]["MaxConcurrency"] == 3


def test_purge_flow_placeholders_are_the_ones_the_platform_fills() -> None:
    assert flows.placeholders("purge_flow") == {
        "table_concurrency",
        "purge_archive_job_name",
        "notifications_topic_arn",
    }
    text = flows.render("purge_flow", dict.fromkeys(flows.placeholders("purge_flow"), "x") | {"table_concurrency": 2})
    definition = json.loads(text)
    task = definition["States"]["PurgeTables"]["ItemProcessor"]["States"]["PurgeArchive"]
    assert task["Parameters"]["JobName"] == "x"
    assert task["TimeoutSeconds"] > 0


def test_the_purge_step_runs_only_when_asked() -> None:
    values: dict[str, str | int] = dict.fromkeys(flows.placeholders("archival_flow"), "x") | {"table_concurrency": 1}
    states = json.loads(flows.render("archival_flow", values))["States"]["ArchiveTables"]["ItemProcessor"]["States"]
    assert states["ValidateTable"]["Next"] == "PurgeRequested"
    choice = states["PurgeRequested"]
    assert choice["Choices"] == [{"Variable": "$.purge", "BooleanEquals": True, "Next": "PurgeTable"}]
    assert choice["Default"] == "TableDone"
