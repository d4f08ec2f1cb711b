"""The batch dataset is a Frictionless data package that frictionless-py accepts (issue 14):
every part of every resource listed, the partition column described but not declared as
a file column, types from the same field catalogue as the Arrow schemas, empty resources
valid."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet  # noqa: F401 (pa.parquet)
import pytest

frictionless = pytest.importorskip("frictionless", reason="the `test` extra installs frictionless")

from analyst import real_dataset  # noqa: E402
from conftest import SEED_TARGETS  # noqa: E402
from yusuan.batch import run_batch  # noqa: E402
from yusuan.dataset import PARTITION, part_schema  # noqa: E402
from yusuan.schemas.arrow import arrow_schema  # noqa: E402
from yusuan.schemas.records import RECORD_KINDS, VIEW_KINDS  # noqa: E402


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> Path:
    return real_dataset(tmp_path_factory)


def _errors(report) -> list[str]:
    return [f"{task.name}: {e.message}" for task in report.tasks for e in task.errors][:20]


def test_frictionless_reports_the_real_dataset_valid(dataset):
    report = frictionless.validate(dataset / "datapackage.json")
    assert report.valid, _errors(report)
    names = {task.name for task in report.tasks}
    assert names == {*RECORD_KINDS, "manifest", *VIEW_KINDS}


def test_every_part_validates_against_its_resource_schema(dataset):
    """frictionless-py reads a multipart resource as its parts' bytes end to end, which for
    Parquet is the first part only: every part is validated as a resource of its own, with
    the schema its resource declares, and every row on disk is read."""
    package = json.loads((dataset / "datapackage.json").read_text(encoding="utf-8"))
    for resource in package["resources"]:
        paths = resource.get("path", [])
        on_disk = 0
        for path in [paths] if isinstance(paths, str) else paths:
            part = frictionless.Resource({"name": "part", "path": path, "format": "parquet",
                                          "schema": resource["schema"]}, basepath=str(dataset))
            report = part.validate()
            assert report.valid, (path, _errors(report))
            assert report.task.stats["rows"] == pa.parquet.read_metadata(dataset / path).num_rows, path
            on_disk += report.task.stats["rows"]
        if resource["name"] == "budget_lines":
            assert on_disk > 3000


def test_every_part_is_listed_and_the_partition_is_no_file_column(dataset):
    package = json.loads((dataset / "datapackage.json").read_text(encoding="utf-8"))
    resources = {r["name"]: r for r in package["resources"]}
    for kind in RECORD_KINDS:
        on_disk = sorted(p.relative_to(dataset).as_posix() for p in (dataset / kind).rglob("part-*.parquet"))
        listed = resources[kind].get("path", [])
        listed = [listed] if isinstance(listed, str) else listed
        assert listed == on_disk and on_disk, kind
        assert PARTITION not in [f["name"] for f in resources[kind]["schema"]["fields"]], kind
        assert resources[kind]["yusuan:partition"]["name"] == PARTITION
    # More than one part per kind, more than one year: the multipart case is exercised.
    assert len(resources["budget_lines"]["path"]) > 10
    assert resources["execution"]["path"] == "execution.parquet" and resources["codes"]["path"] == "codes.parquet"


TYPES = {"string": pa.types.is_string, "integer": pa.types.is_integer, "number": pa.types.is_decimal,
         "datetime": pa.types.is_timestamp, "date": pa.types.is_date, "boolean": pa.types.is_boolean}


def test_field_types_come_from_the_arrow_schemas(dataset):
    package = json.loads((dataset / "datapackage.json").read_text(encoding="utf-8"))
    schemas = {kind: part_schema(kind) for kind in RECORD_KINDS} | {
        name: arrow_schema(model) for name, model in VIEW_KINDS.items()}
    for resource in package["resources"]:
        if resource["name"] not in schemas:
            continue
        schema = schemas[resource["name"]]
        fields = resource["schema"]["fields"]
        assert [f["name"] for f in fields] == schema.names, resource["name"]
        for f in fields:
            arrow = schema.field(f["name"])
            if f.get("yusuan:type") == "list":
                assert pa.types.is_list(arrow.type), f
            else:
                assert TYPES[f["type"]](arrow.type), f
            assert f.get("constraints", {}).get("required", False) == (not arrow.nullable), f
            meta = {k.decode(): v.decode() for k, v in (arrow.metadata or {}).items()}
            assert f.get("title") == meta.get("zh"), f
    fields = {f["name"]: f for r in package["resources"] if r["name"] == "budget_lines" for f in r["schema"]["fields"]}
    assert fields["amount"]["decimal"] == {"precision": 22, "scale": 2} and fields["amount"]["title"] == "金额"
    assert fields["assigned_by"]["constraints"]["enum"] == ["position", "identity", "layout"]
    assert "enum" not in fields["table"].get("constraints", {})  # findings name tables of any kind
    basis = {f["name"]: f for r in package["resources"] if r["name"] == "projects" for f in r["schema"]["fields"]}
    assert basis["basis_docs"]["yusuan:itemType"] == "string"


def test_a_package_with_empty_resources_is_valid(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    (src / SEED_TARGETS.name).write_bytes(SEED_TARGETS.read_bytes())  # forms only: no budget lines
    run_batch([src], tmp_path / "ds", workers=1)
    package = json.loads((tmp_path / "ds" / "datapackage.json").read_text(encoding="utf-8"))
    resources = {r["name"]: r for r in package["resources"]}
    assert "path" not in resources["budget_lines"] and resources["budget_lines"]["data"] == [
        [f["name"] for f in resources["budget_lines"]["schema"]["fields"]]]
    report = frictionless.validate(tmp_path / "ds" / "datapackage.json")
    assert report.valid, _errors(report)
