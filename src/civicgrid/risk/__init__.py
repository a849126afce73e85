"""Risk early warning (风险预警): count detectors, a space-time scan, case-level detectors,
backtests and the daily risk report (日研判日报告).

Everything here is pure Python over typed inputs (count matrices, case-like records, alert
candidates); the database, alert tables, API and console are wired by other packages.
Public entry points are re-exported from :mod:`civicgrid.risk.service`.
"""
