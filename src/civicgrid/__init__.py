"""CivicGrid: a district platform for citizen requests, grids, risk warning and analytics."""

__version__ = "0.1.0"
