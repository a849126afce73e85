"""Roles, what each may do, and whose personal data each may see.

The matrix is data, not scattered ``if`` statements: :data:`PERMISSIONS` maps a permission
to the roles holding it, and every API dependency asks :func:`require` for one permission.
"""

from __future__ import annotations

ROLES: dict[str, str] = {
    "admin": "系统管理员",
    "dispatcher": "派单员",
    "handler": "承办人员",
    "grid_worker": "网格员",
    "leader": "领导",
    "viewer": "查看人员",
}

PERMISSIONS: dict[str, frozenset[str]] = {
    "case.read": frozenset(ROLES),
    "case.create": frozenset({"admin", "dispatcher", "grid_worker"}),
    "case.dispatch": frozenset({"admin", "dispatcher"}),
    "case.handle": frozenset({"admin", "handler"}),
    "case.review": frozenset({"admin", "dispatcher"}),
    "case.supervise": frozenset({"admin", "leader"}),
    "case.whistle": frozenset({"admin", "dispatcher", "handler"}),
    "metrics.read": frozenset({"admin", "dispatcher", "leader", "viewer", "handler"}),
    "users.manage": frozenset({"admin"}),
    "pack.manage": frozenset({"admin"}),
    "mapping.manage": frozenset({"admin", "dispatcher"}),
    # grids: maps, grid profiles and versions for all staff; worker profiles for those who
    # supervise workers (a grid worker sees only their own); layers and adjustments: admin.
    "grids.read": frozenset(ROLES),
    "grids.workers": frozenset({"admin", "dispatcher", "leader", "grid_worker"}),
    "grids.manage": frozenset({"admin"}),
    # Risk early warning: every staff role reads alerts; handlers act on their unit's only.
    "risk.read": frozenset(ROLES),
    "risk.act": frozenset({"admin", "dispatcher", "handler", "leader"}),
    # 一类事 classes, tickets, heat maps and the dashboard: all staff read; managers act.
    "insights.read": frozenset(ROLES),
    "insights.manage": frozenset({"admin", "dispatcher", "leader"}),
    "assistant.use": frozenset(ROLES),
    "assistant.manage": frozenset({"admin"}),
    # ground data (civicgrid.ground): staff read masked records; grid workers collect; only
    # admins see ID numbers and phones in full; exports and key-group reviews need a right.
    "ground.read": frozenset({"admin", "dispatcher", "grid_worker", "leader"}),
    "ground.write": frozenset({"admin", "grid_worker"}),
    "ground.personal": frozenset({"admin"}),
    "ground.export": frozenset({"admin", "leader"}),
    "ground.review": frozenset({"admin", "dispatcher"}),
    "ground.manage": frozenset({"admin"}),
    "ground.verify": frozenset({"admin", "grid_worker"}),  # building heads' actions
    # Address base: all staff read and geocode; dispatchers match lists; admins run gas
    # linkage; grid workers (their own tasks) and supervisors see and report verifications.
    "addresses.read": frozenset(ROLES),
    "addresses.match": frozenset({"admin", "dispatcher"}),
    "addresses.manage": frozenset({"admin"}),
    "addresses.verify": frozenset({"admin", "dispatcher", "leader", "grid_worker"}),
}

# Roles that see reporters' names and phones unmasked. Handlers need them to call the
# citizen back about their own unit's cases; the data scope already limits which cases.
SEES_PERSONAL_DATA = frozenset({"admin", "dispatcher", "handler"})

# Roles whose case list is limited to their unit (handlers) or their region (grid workers,
# and handlers of a street office, who see the street's cases).
UNIT_SCOPED = frozenset({"handler"})
REGION_SCOPED = frozenset({"grid_worker"})


def has_permission(role: str, permission: str) -> bool:
    """Whether ``role`` holds ``permission``."""
    return role in PERMISSIONS.get(permission, frozenset())


def sees_personal_data(role: str) -> bool:
    """Whether ``role`` may see reporters' names and phones unmasked."""
    return role in SEES_PERSONAL_DATA
