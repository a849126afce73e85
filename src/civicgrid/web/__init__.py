"""The web layer: application assembly, shared dependencies, pages and static assets."""
