"""The ``civicgrid`` command line: one sub-command group per domain package."""
