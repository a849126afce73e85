"""Risk early warning (风险预警): count detectors, a space-time scan, case-level detectors,
backtests and the daily risk report (日研判日报告), and their wiring into the platform.

The detectors are pure Python over typed inputs (count matrices, case-like records, alert
candidates); their public entry points are re-exported from :mod:`civicgrid.risk.service`.
The platform side: :mod:`~civicgrid.risk.models` (alert tables), :mod:`~civicgrid.risk.store`
(dedup, lifecycle, 24-hour clock, notifications), :mod:`~civicgrid.risk.incoming` (the live
per-case check subscribed to case events), :mod:`~civicgrid.risk.daily` (``civicgrid risk
run``, the background round's daily job, the report) and :mod:`~civicgrid.risk.api`
(``/api/risk/...`` and the ``/console/risk`` pages).
"""
