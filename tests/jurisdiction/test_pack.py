"""The 南山 pack: what it holds, how it is checked, and how cases are routed with it."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from civicgrid.jurisdiction import packbuild
from civicgrid.jurisdiction.pack import (
    PACKS_DIR,
    Pack,
    PackError,
    explain_route,
    load_pack,
    route,
)

NANSHAN_STREETS = {
    "440305001": "南头街道",
    "440305002": "南山街道",
    "440305003": "沙河街道",
    "440305005": "蛇口街道",
    "440305006": "招商街道",
    "440305007": "粤海街道",
    "440305008": "桃源街道",
    "440305009": "西丽街道",
    "440305400": "前海合作区",
}


@pytest.fixture(scope="module")
def pack() -> Pack:
    return load_pack("nanshan")


def copy_pack(tmp_path: Path) -> Path:
    """A writable copy of the shipped pack."""
    folder = tmp_path / "pack"
    shutil.copytree(PACKS_DIR / "nanshan", folder)
    return folder


def append_row(path: Path, row: list[str]) -> None:
    with open(path, "a", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerow(row)


# Contents ------------------------------------------------------------------------------------


def test_pack_loads_with_district_meta(pack: Pack) -> None:
    assert (pack.meta.code, pack.meta.name, pack.meta.city_code) == ("440305", "南山区", "440300")
    assert pack.meta.timezone == "Asia/Shanghai"
    assert pack.meta.case_prefix == "NS"


def test_streets_are_the_official_ones_and_not_generated(pack: Pack) -> None:
    streets = {r.code: r for r in pack.regions if r.level == "street"}

    assert {code: r.name for code, r in streets.items()} == NANSHAN_STREETS
    assert not any(r.generated for r in streets.values())
    assert all(r.parent_code == "440305" for r in streets.values())


def test_communities_and_grids_are_marked_generated_and_sized_as_planned(pack: Pack) -> None:
    communities = [r for r in pack.regions if r.level == "community"]
    grids = [r for r in pack.regions if r.level == "grid"]

    assert all(r.generated for r in communities + grids)
    assert all(4 <= len(pack.children(code)) <= 6 for code in NANSHAN_STREETS)
    assert all(3 <= len(pack.children(c.code)) <= 5 for c in communities)
    assert all(r.name.endswith("社区") for r in communities)
    assert all(g.name.startswith(pack.region(g.parent_code).name) for g in grids)


def test_region_codes_extend_their_parents_code_by_three_digits(pack: Pack) -> None:
    for region in pack.regions:
        if region.parent_code:
            assert region.code.startswith(region.parent_code)
            assert len(region.code) == len(region.parent_code) + 3


def test_every_category_default_unit_exists(pack: Pack) -> None:
    missing = [c.code for c in pack.categories if c.default_unit and not pack.unit(c.default_unit)]

    assert missing == []
    assert all(c.default_unit for c in pack.categories)


def test_every_street_has_an_office_and_every_community_a_station(pack: Pack) -> None:
    offices = {u.region_code for u in pack.units if u.kind == "street_office"}
    stations = {u.region_code for u in pack.units if u.kind == "community_station"}

    assert offices == set(NANSHAN_STREETS)
    assert stations == {r.code for r in pack.regions if r.level == "community"}
    assert [u.code for u in pack.units if u.kind == "dispatch_center"] == ["MSSQ"]
    assert {"GAS", "POWER", "WATER"} <= {u.code for u in pack.units if u.kind == "utility"}


def test_taxonomy_keeps_every_tipdm_category_name(pack: Pack, shared_data: Path) -> None:
    with open(shared_data / packbuild.TAXONOMY_FILE, encoding="utf-8-sig", newline="") as handle:
        source = [tuple(row) for row in list(csv.reader(handle))[1:]]

    paths = {c.path for c in pack.categories}

    assert len(source) == 517
    assert all("/".join(row) in paths for row in source)
    assert sum(1 for c in pack.categories if c.level == 3 and c.source == "tipdm2020c") == 517


def test_category_codes_names_and_paths_are_hierarchical(pack: Pack) -> None:
    gas = pack.category_by_path("城乡建设/城市建设和市政管理/燃气供应")

    assert gas is not None and len(gas.code) == 6
    assert (gas.name, gas.level, gas.urgent) == ("燃气供应", 3, True)
    assert pack.category(gas.parent_code).path == "城乡建设/城市建设和市政管理"
    assert pack.category(gas.code[:2]).name == "城乡建设"


def test_added_shenzhen_categories_are_marked_with_their_source(pack: Pack) -> None:
    added = {c.path for c in pack.categories if c.source == "nanshan"}

    assert "环境保护/环境污染/噪音扰民" in added
    assert "环境保护/环境污染/餐饮油烟" in added
    assert "城乡建设/城市建设和市政管理/占道经营" in added
    assert "环境保护/环境污染/噪音污染" not in added


def test_committed_files_equal_a_rebuild(shared_data: Path) -> None:
    for relative, text in packbuild.build_files(shared_data).items():
        committed = (PACKS_DIR / "nanshan" / relative).read_text(encoding="utf-8")
        assert committed == text, f"{relative} differs from a rebuild; run packbuild"


# Routing -------------------------------------------------------------------------------------


def test_street_vending_in_a_grid_goes_to_that_grids_street_office(pack: Pack) -> None:
    vending = pack.category_by_path("城乡建设/城市建设和市政管理/占道经营").code
    grid = next(r for r in pack.regions if r.level == "grid" and r.code.startswith("440305007"))

    decision = explain_route(pack, vending, grid.code)

    assert decision is not None
    assert (decision.unit_code, decision.region_code, decision.reason) == (
        "JD-440305007", "440305007", "rule",
    )


def test_street_rule_in_qianhai_goes_to_its_administration(pack: Pack) -> None:
    vending = pack.category_by_path("城乡建设/城市建设和市政管理/占道经营").code

    assert route(pack, vending, "440305400") == "QHJ"


def test_without_a_region_a_case_goes_to_the_category_default(pack: Pack) -> None:
    vending = pack.category_by_path("城乡建设/城市建设和市政管理/占道经营").code

    assert route(pack, vending, None) == "CGJ"
    assert route(pack, vending, "440305") == "CGJ"
    assert route(pack, vending, "999999") == "CGJ"


def test_category_without_a_rule_goes_to_its_default_unit(pack: Pack) -> None:
    gas = pack.category_by_path("城乡建设/城市建设和市政管理/燃气供应").code

    assert route(pack, gas, "440305007") == "GAS"


def test_unknown_category_routes_nowhere(pack: Pack) -> None:
    assert route(pack, "999999", "440305007") is None


def test_category_without_default_falls_back_to_its_parent(tmp_path: Path) -> None:
    folder = copy_pack(tmp_path)
    taxonomy = folder / "taxonomy.csv"
    text = taxonomy.read_text(encoding="utf-8")
    taxonomy.write_text(
        text.replace("010101,城乡建设,安全生产,事故处理,2,1,YJGLJ,", "010101,城乡建设,安全生产,事故处理,2,1,,"),
        encoding="utf-8",
    )
    append_row(folder / "routing.csv", ["0101", "440305001", "JD-440305001"])

    pack = load_pack(folder)

    assert pack.category("010101").default_unit is None
    assert route(pack, "010101", "440305001901") == "JD-440305001"
    assert route(pack, "010101", "440305002") == "YJGLJ"


def test_every_leaf_category_routes_to_a_known_unit_in_every_street(pack: Pack) -> None:
    leaves = [c.code for c in pack.categories if c.level == 3]

    for street in NANSHAN_STREETS:
        assert all(pack.unit(route(pack, code, street) or "") for code in leaves)


# Validation ----------------------------------------------------------------------------------


def test_a_broken_pack_reports_all_problems_at_once(tmp_path: Path) -> None:
    folder = copy_pack(tmp_path)
    append_row(folder / "regions.csv", ["440305001901", "重复社区", "community", "440305001", "1"])
    append_row(folder / "regions.csv", ["440305777", "无名街道", "street", "440399", "0"])
    append_row(folder / "regions.csv", ["440305002901555", "错位网格", "grid", "440305001901", "1"])
    append_row(folder / "units.csv", ["X1", "无处单位", "department", "123"])
    append_row(folder / "taxonomy.csv", ["99", "测试", "", "", "24", "10", "NOPE", "0", "x"])
    append_row(folder / "routing.csv", ["99", "440305001", "GHOST"])
    (folder / "calendar" / "cn-2026.json").write_text("{not json", encoding="utf-8")

    with pytest.raises(PackError) as caught:
        load_pack(folder)

    found = {(p.file, p.field, str(p.value)) for p in caught.value.problems}
    assert ("regions.csv", "code", "440305001901") in found
    assert ("regions.csv", "parent_code", "440399") in found
    assert ("regions.csv", "code", "440305002901555") in found
    assert ("units.csv", "region_code", "123") in found
    assert ("taxonomy.csv", "default_unit", "NOPE") in found
    assert ("routing.csv", "unit_code", "GHOST") in found
    assert any(p.file == "calendar/cn-2026.json" for p in caught.value.problems)
    assert "problem(s)" in str(caught.value)


def test_problems_name_the_row_counted_from_the_first_data_row(tmp_path: Path) -> None:
    folder = copy_pack(tmp_path)
    rows = (folder / "units.csv").read_text(encoding="utf-8").splitlines()
    rows[1] = rows[1].replace("dispatch_center", "call_centre")
    (folder / "units.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")

    with pytest.raises(PackError) as caught:
        load_pack(folder)

    problem = caught.value.problems[0]
    assert (problem.file, problem.row, problem.field, problem.value) == (
        "units.csv", 1, "kind", "call_centre",
    )
    assert "dispatch_center" in problem.fix


def test_a_missing_column_is_reported_with_the_header_expected(tmp_path: Path) -> None:
    folder = copy_pack(tmp_path)
    text = (folder / "routing.csv").read_text(encoding="utf-8")
    (folder / "routing.csv").write_text(text.replace("unit_code", "unit"), encoding="utf-8")

    with pytest.raises(PackError, match=r"routing.csv, field 'unit_code'"):
        load_pack(folder)


def test_an_unknown_pack_name_lists_the_shipped_packs() -> None:
    with pytest.raises(PackError, match="nanshan"):
        load_pack("atlantis")


def test_an_empty_row_is_reported_not_skipped(tmp_path: Path) -> None:
    folder = copy_pack(tmp_path)
    rows = (folder / "routing.csv").read_text(encoding="utf-8").splitlines()
    rows.insert(3, ",,")
    (folder / "routing.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")

    with pytest.raises(PackError) as caught:
        load_pack(folder)

    assert ("routing.csv", 3, "(row)") in {(p.file, p.row, p.field) for p in caught.value.problems}


def test_a_pack_saved_as_gbk_by_a_spreadsheet_loads_the_same(tmp_path: Path, pack: Pack) -> None:
    folder = copy_pack(tmp_path)
    units = folder / "units.csv"
    units.write_bytes(units.read_text(encoding="utf-8").encode("gbk"))

    assert load_pack(folder).units == pack.units
