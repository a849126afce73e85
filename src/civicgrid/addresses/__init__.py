"""Address parsing, coordinates and address keys."""
