"""The units directory: aliases meet on one unit, groups expand or stay groups (pure rules)."""

from __future__ import annotations

import pytest

from sanwei_registry.domain.units import Directory, Unit, UnitKind, UnitsReport, unit_key

pytestmark = pytest.mark.unit

STREETS = [Unit(id=f"s{i}", name=f"{n}街道办事处", kind=UnitKind.STREET, parent_id="d")
           for i, n in enumerate(["大观园", "舜耕", "七贤"])]
DIRECTORY = Directory([
    Unit(id="d", name="市中区", kind=UnitKind.DISTRICT),
    Unit(id="fgj", name="区发改局", kind=UnitKind.DEPARTMENT, parent_id="d", aliases=["市中区发展和改革局"]),
    Unit(id="tcj", name="区投促局", kind=UnitKind.DEPARTMENT, parent_id="d"),
    *STREETS,
    Unit(id="g1", name="各街道办事处", kind=UnitKind.GROUP, parent_id="d", members=["s0", "s1", "s2"]),
    Unit(id="g2", name="相关街道办事处", kind=UnitKind.GROUP, parent_id="d"),
])


@pytest.mark.parametrize("name", ["发改局", "区发改局", "市中区发改局", "市中区发展和改革局", " 区 发改局 "])
def test_every_way_of_writing_the_unit_finds_the_same_unit(name: str) -> None:
    unit = DIRECTORY.find(name)
    assert unit is not None and unit.id == "fgj"


def test_the_key_strips_the_district_prefix_but_never_the_whole_name() -> None:
    assert unit_key("市中区发改局", ["市中区"]) == unit_key("区发改局") == "发改局"
    assert unit_key("市中区", ["市中区"]) == "市中区"
    assert unit_key("区（县）委", []) == "(县)委"


def test_a_co_unit_group_expands_to_its_members_and_an_unknown_group_stays_a_group() -> None:
    report = UnitsReport()
    units = DIRECTORY.resolve(["发改局", "各街道办事处", "相关街道办事处"], report, where=7)
    assert units == ["区发改局", "大观园街道办事处", "舜耕街道办事处", "七贤街道办事处", "相关街道办事处"]
    assert report.expanded == {"各街道办事处": ["大观园街道办事处", "舜耕街道办事处", "七贤街道办事处"]}
    assert report.kept_as_groups == ["相关街道办事处"]
    assert report.renamed == {"发改局": "区发改局"}


def test_a_group_leading_a_task_stays_the_group() -> None:
    report = UnitsReport()
    assert DIRECTORY.resolve(["各街道办事处", "区投促局"], report, where=3) == ["各街道办事处", "区投促局"]
    assert report.kept_as_groups == ["各街道办事处"] and report.expanded == {}


def test_unknown_names_are_kept_as_written_and_reported_with_their_rows() -> None:
    report = UnitsReport()
    DIRECTORY.resolve(["区投促局", "区大数据局"], report, where=4)
    assert DIRECTORY.resolve(["区大数据局"], report, where=9) == ["区大数据局"]
    assert report.unknown == {"区大数据局": [4, 9]}


def test_a_member_named_twice_is_listed_once() -> None:
    report = UnitsReport()
    units = DIRECTORY.resolve(["区投促局", "舜耕街道办事处", "各街道办事处"], report, where=1)
    assert units == ["区投促局", "舜耕街道办事处", "大观园街道办事处", "七贤街道办事处"]


def test_an_empty_directory_keeps_names_as_written_and_reports_nothing() -> None:
    report = UnitsReport()
    assert Directory([]).resolve(["发改局", "各街道办事处"], report, where=1) == ["发改局", "各街道办事处"]
    assert report == UnitsReport()
