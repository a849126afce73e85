"""QR doorplates (数智门牌): each house's stable code, its QR image and its public page.

The QR code encodes the URL of the house's public page ``/door/{code}`` (the code is the
house code from :func:`civicgrid.addresses.base.house_code`, so reprinting gives the same
plate). The page shows the address, the grid worker and the building head to contact when
known, the services offered, and "report a problem here", which opens the resident page with
the address filled in: ``/resident?address=...&door=CODE``.

Only what a plate on a door may show is public: the address, the grid, the worker's name and
the building head's name with a masked phone; nobody's register entry.
"""

from __future__ import annotations

import io
import logging
from typing import Any
from urllib.parse import quote

from sqlalchemy import select
from sqlalchemy.orm import Session

from civicgrid.addresses.models import AddressBuilding, AddressHouse
from civicgrid.errors import NotFound

log = logging.getLogger(__name__)

SERVICES = (
    {"name": "我要反映问题", "kind": "report"},
    {"name": "燃气安全", "kind": "gas"},
    {"name": "物业与维修", "kind": "repair"},
    {"name": "社区服务", "kind": "community"},
)


def door_url(code: str, base_url: str = "") -> str:
    """The public page a plate's QR code opens."""
    return f"{base_url.rstrip('/')}/door/{quote(code)}"


def report_url(code: str, address: str) -> str:
    """The resident page with the address and door code filled in."""
    return f"/resident?address={quote(address)}&door={quote(code)}"


def qr_svg(code: str, base_url: str = "") -> bytes:
    """The plate's QR image (SVG) encoding :func:`door_url`."""
    import segno

    buffer = io.BytesIO()
    segno.make(door_url(code, base_url), error="m").save(buffer, kind="svg", scale=6,
                                                         border=2)
    return buffer.getvalue()


def _mask(phone: str | None) -> str | None:
    if not phone or len(phone) < 7:
        return None
    return phone[:3] + "****" + phone[-4:]


def door_page(session: Session, code: str) -> dict[str, Any]:
    """What the public page of a house shows."""
    from civicgrid.grids.profiles import workers_of

    house = session.scalar(select(AddressHouse).where(AddressHouse.code == code))
    if house is None:
        raise NotFound(f"no house has the doorplate code {code!r}", field="code", value=code,
                       fix="scan the plate again or ask the grid worker")
    building = session.get(AddressBuilding, house.building_id)
    workers = workers_of(session, house.grid_code) if house.grid_code else []
    return {
        "code": house.code, "address": house.full_text, "grid_code": house.grid_code,
        "community_code": house.community_code, "street_code": house.street_code,
        "grid_workers": [{"name": w["name"]} for w in workers],
        "building_head": ({"name": building.head_name, "phone": _mask(building.head_phone)}
                          if building and building.head_name else None),
        "services": list(SERVICES),
        "report_url": report_url(house.code, house.full_text),
        "generated": house.generated,
    }
