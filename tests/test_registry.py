"""Loading the registry: one row costs one row (issue 15), the index cache follows the files,
and a row that cannot be used is named, by file and line, by every command that reads it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from scrapy.settings import Settings

from govcrawl.registry import RegistryError, portals, spiderloader

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = ROOT / "govcrawl" / "registry"


def write_registry(folder: Path, names: list[str], edit=lambda line: line) -> Path:
    """An operator's registry folder holding the bundled rows of `names` (`edit` applied
    to each portal row)."""
    header, *lines = (BUNDLED / "portals.csv").read_text("utf-8").splitlines()
    rows = [edit(line) for line in lines if line.split(",", 1)[0] in names]
    (folder / "portals.csv").write_text("\n".join([header, *rows]) + "\n", "utf-8")
    header, *lines = (BUNDLED / "columns.csv").read_text("utf-8").splitlines()
    columns = [line for line in lines if line.split(",", 1)[0] in names]
    (folder / "columns.csv").write_text("\n".join([header, *columns]) + "\n", "utf-8")
    return folder


@pytest.fixture
def operator_registry(tmp_path, monkeypatch):
    """Points $GOVCRAWL_REGISTRY at an empty folder and the cache at another; the bundled
    registry is back afterwards."""
    folder = tmp_path / "registry"
    folder.mkdir()
    monkeypatch.setenv("GOVCRAWL_REGISTRY", str(folder))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    portals.registry.cache_clear()
    portals.portal_by_host.cache_clear()
    yield folder
    monkeypatch.undo()
    portals.registry.cache_clear()
    portals.portal_by_host.cache_clear()


def test_one_portal_is_built_without_building_the_others(monkeypatch):
    every = portals.registry()
    fresh = portals.Registry(every.folder)
    monkeypatch.setattr(spiderloader, "registry", lambda: fresh)
    monkeypatch.setattr(portals, "registry", lambda: fresh)
    assert "gd_zijin" in portals.select_names(province="广东", platform="gd_jyh", status="tested")
    assert fresh.value("gd_zijin", "listing").startswith("gd_zijin             441621  广东省")
    loader = spiderloader.RegistrySpiderLoader(Settings())
    assert len(loader.list()) == len(every) + 2  # every name, and `auto`, `portals`
    assert loader.load("gd_zijin").portal.columns[0].label == "政务动态"
    assert portals.PortalsByHost(fresh)["www.zijin.gov.cn"].name == "gd_zijin"
    assert fresh["gd_zijin"] == every["gd_zijin"]  # the same row as a full build gives
    assert list(fresh._built) == ["gd_zijin"]


def test_every_lazily_built_portal_matches_its_csv_rows():
    every = portals.registry()
    rows = {line.split(",", 1)[0] for line in
            (BUNDLED / "portals.csv").read_text("utf-8").splitlines()[1:]}
    assert set(every) == rows
    columns = sum(len(portal.columns) for portal in every.values())
    assert columns == len((BUNDLED / "columns.csv").read_text("utf-8").splitlines()) - 1


def test_the_index_cache_follows_the_files(operator_registry, tmp_path):
    write_registry(operator_registry, ["gd_zijin", "yn_guangnan"])
    assert list(portals.registry()) == ["gd_zijin", "yn_guangnan"]
    (cached,) = (tmp_path / "cache" / "govcrawl").iterdir()
    assert not any(path.suffix == ".marshal" for path in operator_registry.iterdir())
    portals.registry.cache_clear()
    assert portals.registry()["yn_guangnan"].status == "tested"  # read from the cache
    write_registry(operator_registry, ["yn_guangnan"], lambda line: line.replace("tested", "x"))
    portals.registry.cache_clear()
    assert list(portals.registry()) == ["yn_guangnan"]
    assert portals.registry()["yn_guangnan"].status == "x"
    assert cached.is_file()  # rewritten in place


def test_an_unwritable_cache_directory_only_costs_the_build(operator_registry, tmp_path):
    write_registry(operator_registry, ["gd_zijin"])
    (tmp_path / "cache").write_text("a file where the cache directory would be")
    assert portals.registry()["gd_zijin"].domains == ("www.zijin.gov.cn",)


@pytest.mark.parametrize(
    ("edit", "error"),
    [
        (lambda line: line.replace(",441621,", ",4416x1,"), "line 2 (gd_zijin): region code"),
        (lambda line: line.replace(",441621,", ",449999,"), "line 2 (gd_zijin): region code"),
        (lambda line: line + ",extra", "line 2: 10 fields, the header names 9"),
    ],
)
def test_a_bad_row_is_named_by_every_command_that_reads_the_registry(
    operator_registry, edit, error
):
    write_registry(operator_registry, ["gd_zijin"], edit)
    with pytest.raises(RegistryError, match=re.escape(error)):
        portals.registry()
    for command in (["list"], ["crawl", "gd_zijin", "--replay", "--output", "out"]):
        result = subprocess.run([sys.executable, "-m", "govcrawl.cli", *command], cwd=ROOT,
                                capture_output=True, text=True, env=dict(os.environ), timeout=60)
        assert result.returncode == 2 and "Traceback" not in result.stderr
        assert result.stderr.startswith("error: registry: ") and error in result.stderr
    portals.registry.cache_clear()
    write_registry(operator_registry, ["gd_zijin"])  # fixed: read again, not from a cache
    assert list(portals.registry()) == ["gd_zijin"]


def test_a_registry_inside_a_zip_is_read_without_a_cache(tmp_path, monkeypatch):
    """Scrapyd runs the project from an egg (a zip): its registry files are no paths."""
    import zipfile

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    egg = tmp_path / "project.egg"
    with zipfile.ZipFile(egg, "w") as archive:
        for name in ("portals.csv", "columns.csv"):
            archive.write(BUNDLED / name, f"govcrawl/registry/{name}")
    inside = portals.Registry(zipfile.Path(egg, "govcrawl/registry/"))
    zijin = inside["gd_zijin"]
    assert zijin.region.code == "441621" and zijin.columns
    assert not (tmp_path / "cache").exists()  # nothing to stamp a cache with
    assert len(inside) == len(portals.Registry(BUNDLED)) == 2842
