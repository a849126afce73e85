"""Grids (网格): polygons, workload, balance and re-cutting.

Modules, each usable without a database:

* :mod:`~civicgrid.grids.units` reads atomic units (blocks or buildings with a workload) from
  GeoJSON; :mod:`~civicgrid.grids.contiguity` finds which units share an edge.
* :mod:`~civicgrid.grids.metrics` measures how even a set of loads is (cv, max/min, Gini).
* :mod:`~civicgrid.grids.balance` re-cuts units into contiguous grids of even load, using
  :mod:`~civicgrid.grids.blocks` (units that move together), :mod:`~civicgrid.grids.partition`
  (grids and their moves), :mod:`~civicgrid.grids.diffusion` (flows, refinement, ejection
  chains), :mod:`~civicgrid.grids.recom` (ReCom re-splits) and
  :mod:`~civicgrid.grids.figures` (metrics of a plan).
* :mod:`~civicgrid.grids.workload` explains a grid's expected hours per month and fits the
  weights from recorded hours; :mod:`~civicgrid.grids.cover` spreads an absent worker's tasks.
* :mod:`~civicgrid.grids.geometry` imports, validates and overlays grid polygons;
  :mod:`~civicgrid.grids.locator` finds the one grid holding a point.
* :mod:`~civicgrid.grids.nanshan` generates a labelled demo base of communities and grids;
  :mod:`~civicgrid.grids.synthetic` generates lattices for tests and benchmarks.
* :mod:`~civicgrid.grids.service` gathers the public entry points; :mod:`~civicgrid.grids.cli`
  holds the ``civicgrid grids`` commands.
"""
