"""Intake: every channel through which requests reach the district.

Modules, by channel:

* :mod:`~civicgrid.intake.files` — reading CSV/XLSX exports as offices produce them;
  :mod:`~civicgrid.intake.values` — reading one cell (times, phones, coordinates);
  :mod:`~civicgrid.intake.mapping` — column mappings, saved by name, and presets for the
  real public files; :mod:`~civicgrid.intake.importer` — bulk import of history;
  :mod:`~civicgrid.intake.cli` — ``civicgrid import`` and ``civicgrid intake``.
* :mod:`~civicgrid.intake.open311` and :mod:`~civicgrid.intake.open311_api` — Open311
  GeoReport v2 under ``/open311/v2/``, including status updates from units' systems.
* :mod:`~civicgrid.intake.exchange` — work orders in from, and results out to, the city
  platform (市12345); :mod:`~civicgrid.intake.api` — its endpoint, uploads and mappings.
* :mod:`~civicgrid.intake.public_api`, :mod:`~civicgrid.intake.phonecode` and
  :mod:`~civicgrid.intake.pages` — the resident's and the grid worker's pages and the
  console's import screen.
* :mod:`~civicgrid.intake.models` — the package's tables (migration 0002).
"""
