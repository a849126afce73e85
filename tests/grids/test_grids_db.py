"""Grids in the running platform: laid at init, placing cases, layers, profiles, adjustment
and import, on the test database (SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest
import shapely
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from civicgrid.cases import service as cases
from civicgrid.cases.models import CaseEvent
from civicgrid.cases.schemas import CaseCreate
from civicgrid.grids import adjustment, placing, professional, profiles, versions
from civicgrid.grids.models import GridShape, GridUnit, GridVersion
from civicgrid.jurisdiction.models import Region

pytestmark = pytest.mark.db


@pytest.fixture(scope="module", autouse=True)
def laid(engine: Engine) -> Iterator[None]:
    """The generated grids, laid once as `civicgrid init` does."""
    from civicgrid.db.core import make_session_factory

    with make_session_factory(engine)() as session:
        versions.lay_generated_base(session)
        session.commit()
    yield
    placing.forget_locators()
    versions.forget_layers()


@pytest.fixture
def fresh_caches() -> Iterator[None]:
    """Caches dropped after a test that writes versions and rolls them back."""
    yield
    placing.forget_locators()
    versions.forget_layers()


def _first_grid(session: Session) -> str:
    return session.scalar(select(Region.code).where(Region.level == "grid")
                          .order_by(Region.code))


def _live_case(session: Session, lat: float, lon: float):  # noqa: ANN202 (a Case)
    data = CaseCreate(text="路灯不亮，晚上很黑", lat=lat, lon=lon)
    return cases.create(session=session, data=data, channel="hotline")


def test_grids_laid_at_init_carry_the_pack_grid_codes(session: Session) -> None:
    first = session.scalar(select(func.min(GridVersion.id)))
    rows = versions.shapes_of(session, first)
    regions = {r.code: r for r in session.scalars(select(Region))}
    pack_grids = {code for code, r in regions.items() if r.level == "grid"}
    assert {r.grid_code for r in rows} == pack_grids
    for row in rows:
        assert row.community_code == regions[row.grid_code].parent_code
        assert row.street_code == regions[row.community_code].parent_code


def test_case_with_coordinates_inside_a_grid_gets_grid_community_and_street(
    session: Session,
) -> None:
    grid = _first_grid(session)
    lat, lon = placing.point_in_grid(session, grid, random.Random(3))
    case = _live_case(session, lat, lon)
    region = session.get(Region, grid)
    assert (case.grid_code, case.community_code) == (grid, region.parent_code)
    assert case.street_code == session.get(Region, region.parent_code).parent_code


def test_imported_history_case_is_not_placed(session: Session) -> None:
    lat, lon = placing.point_in_grid(session, _first_grid(session), random.Random(4))
    data = CaseCreate(text="历史诉求", lat=lat, lon=lon)
    case = cases.create(session=session, data=data, channel="import", live=False)
    assert case.grid_code is None


def _neighbours(session: Session) -> tuple[GridShape, GridShape, shapely.Geometry]:
    rows = versions.shapes_of(session, versions.current_version(session).id)
    first = rows[0]
    geom = versions.geometry_of(first.geometry)
    for other in rows[1:]:
        shared = geom.boundary.intersection(versions.geometry_of(other.geometry).boundary)
        if shared.length > 0:
            return first, other, shared
    raise AssertionError("no two grids share an edge")


def test_point_on_a_shared_edge_belongs_to_exactly_one_grid(session: Session) -> None:
    first, other, shared = _neighbours(session)
    point = shared.interpolate(0.5, normalized=True)
    case = _live_case(session, point.y, point.x)
    assert case.grid_code in {first.grid_code, other.grid_code}
    assert placing.locate(session, point.y, point.x).grid_code == case.grid_code


def test_regions_geojson_has_code_name_level_generated_per_level(login) -> None:  # noqa: ANN001
    client = login("t_viewer")
    for level, count in (("street", 9), ("community", 45), ("grid", 180)):
        layer = client.get("/api/places/regions.geojson", params={"level": level}).json()
        assert layer["type"] == "FeatureCollection"
        assert len(layer["features"]) == count
        props = layer["features"][0]["properties"]
        assert {"code", "name", "level", "generated"} <= set(props)
        assert props["level"] == level
        assert layer["features"][0]["geometry"]["type"] in ("Polygon", "MultiPolygon")


def test_grid_endpoint_gives_one_feature_with_its_community(login) -> None:  # noqa: ANN001
    feature = login("t_viewer").get("/api/places/grids/440305001901001").json()
    assert feature["type"] == "Feature"
    assert feature["properties"]["community_code"] == "440305001901"


def test_unknown_level_is_refused_with_the_allowed_levels(login) -> None:  # noqa: ANN001
    answer = login("t_viewer").get("/api/places/regions.geojson", params={"level": "planet"})
    assert answer.status_code == 422
    assert answer.json()["error"]["allowed"] == ["grid", "community", "street"]


def test_grid_profile_workload_parts_sum_to_the_total(session: Session) -> None:
    grid = _first_grid(session)
    lat, lon = placing.point_in_grid(session, grid, random.Random(5))
    _live_case(session, lat, lon)
    profile = profiles.grid_profile(session, grid)
    parts = profile["workload"]["parts"]
    assert profile["cases"]["total"] >= 1
    assert any(p["name"] == "cases" for p in parts)
    assert sum(p["hours"] for p in parts) == pytest.approx(profile["workload"]["total_hours"],
                                                           abs=1e-2)
    assert profile["counts"]["houses"] == profiles.NOT_LINKED


def test_plan_approved_and_applied_makes_a_new_version_and_moves_an_open_case(
    session: Session, fresh_caches: None,
) -> None:
    plan = adjustment.run_plan(session, street_code="440305005", created_by="t_admin",
                               seed=7, time_budget_seconds=10)
    assert plan.moved_units and plan.status == "proposed"
    move = plan.moved_units[0]
    unit = versions.geometry_of(session.get(GridUnit, move["unit"]).geometry)
    point = unit.representative_point()
    case = _live_case(session, point.y, point.x)
    assert case.grid_code == move["from"]
    before = session.scalar(select(func.max(GridVersion.id)))
    adjustment.approve_plan(session, plan.id, approver="t_admin")
    report = adjustment.apply_plan(session, plan.id, actor_name="t_admin")
    assert report["version"]["id"] == before + 1
    assert versions.current_version(session).id == before + 1
    assert case.grid_code == move["to"]
    kinds = session.scalars(select(CaseEvent.kind).where(CaseEvent.case_id == case.id))
    assert "grid_changed" in set(kinds)
    diff = versions.diff_versions(session, before, before + 1)
    assert {c["grid_code"] for c in diff["changed"]} >= {move["from"], move["to"]}
    assert professional.overlay_of_grid(session, move["to"])  # overlay redone on the new version


def test_applying_an_unapproved_plan_is_refused(session: Session) -> None:
    from civicgrid.errors import Conflict

    plan = adjustment.run_plan(session, street_code="440305005", created_by="t_admin",
                               time_budget_seconds=5)
    with pytest.raises(Conflict, match="approve it"):
        adjustment.apply_plan(session, plan.id, actor_name="t_admin")


def _square(x: float, y: float, size: float) -> list[list[float]]:
    return [[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]


def test_invalid_polygon_upload_is_reported_with_ids_and_creates_nothing(
    login,  # noqa: ANN001
) -> None:
    client = login("t_admin")
    count = len(client.get("/api/places/versions").json())
    bow_tie = [[113.90, 22.50], [113.91, 22.51], [113.91, 22.50], [113.90, 22.51], [113.90, 22.50]]
    layer = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"grid_code": "440305001901001"},
         "geometry": {"type": "Polygon", "coordinates": [bow_tie]}},
        {"type": "Feature", "properties": {"grid_code": "440305001901002"},
         "geometry": {"type": "Polygon", "coordinates": [_square(113.92, 22.52, 0.01)]}},
        {"type": "Feature", "properties": {"grid_code": "440305001901003"},
         "geometry": {"type": "Polygon", "coordinates": [_square(113.925, 22.525, 0.01)]}},
    ]}
    answer = client.post("/api/places/versions", json=layer)
    assert answer.status_code == 422
    errors = answer.json()["error"]["errors"]
    found = {(e["kind"], tuple(e["grid_ids"])) for e in errors}
    assert ("invalid", ("440305001901001",)) in found
    assert ("overlap", ("440305001901002", "440305001901003")) in found
    assert len(client.get("/api/places/versions").json()) == count


def test_grid_worker_sees_only_their_own_profile(login, session: Session) -> None:  # noqa: ANN001
    from civicgrid.accounts.models import User

    own = session.scalar(select(User.id).where(User.username == "t_grid"))
    client = login("t_grid")
    assert client.get(f"/api/places/workers/{own}/profile").status_code == 200
    assert client.get(f"/api/places/workers/{own + 1000}/profile").status_code == 403


def test_grid_profile_exports_an_xlsx_file(login) -> None:  # noqa: ANN001
    answer = login("t_viewer").get("/api/places/grids/440305001901001/profile.xlsx")
    assert answer.status_code == 200
    assert answer.content[:2] == b"PK"


def test_generated_gas_grids_cover_each_basic_grid_in_shares_summing_to_one(
    session: Session,
) -> None:
    shares = professional.overlay_of_grid(session, _first_grid(session))
    assert {s["kind"] for s in shares} == {"gas"}
    assert sum(s["share_of_basic"] for s in shares) == pytest.approx(1.0, abs=0.01)


def test_imported_layer_is_a_draft_until_approved_and_applied_from_its_date(
    session: Session, fresh_caches: None,
) -> None:
    import datetime as dt

    current = versions.current_version(session)
    layer = versions.region_layer(session, "grid")
    collection = {"type": "FeatureCollection", "features": layer["features"]}
    report = versions.import_version(session, collection, created_by="t_admin")
    draft = report["version"]["id"]
    assert report["version"]["status"] == "draft"
    versions.approve_version(session, draft, "t_admin")
    tomorrow = versions.today() + dt.timedelta(days=1)
    versions.apply_version(session, draft, tomorrow)
    assert versions.current_version(session).id == current.id
    assert versions.current_version(session, tomorrow).id == draft


def test_assigned_grid_worker_appears_in_the_grid_profile(session: Session) -> None:
    from civicgrid.accounts.models import User

    user = session.scalar(select(User).where(User.username == "t_grid"))
    profiles.assign_worker(session, user_id=user.id, grid_code="440305002901001")
    workers = profiles.grid_profile(session, "440305002901001")["workers"]
    assert [w["user_id"] for w in workers] == [user.id]
    grids = profiles.worker_profile(session, user.id)["grids"]
    assert grids[-1]["grid_code"] == "440305002901001"


def test_map_page_loads_leaflet_locally_and_no_online_tiles_by_default(server: str) -> None:
    import httpx

    page = httpx.get(f"{server}/console/map").text
    assert "/vendor/leaflet/dist/leaflet.js" in page
    assert 'data-tile-url=""' in page
    assert "/static/grids.js" in page
