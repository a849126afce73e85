"""Ground data (基础数据): people living in houses (实有人口), enterprises (法人), visits (走访).

Records are tied to the address base by code strings (``house_code``, ``building_code``,
``grid_code``) rather than foreign keys, so this package stands without the address tables;
the codes are validated against the address base when both are present. Every change is kept
as a numbered revision (who, when, what), which also feeds the sync to the city; buildings,
houses and grid workers, which keep no history of their own, get their revisions when the
feed captures their changes (:mod:`.feed`). Utility usage arrives by address and is linked to
houses through the address matcher (:mod:`.utility`).
"""
