"""Configuration of ground data: retention, tag rules and the city's field mapping.

Defaults live in ``defaults.json`` beside this module. A file ``ground.json`` in the data
folder (or the path in env ``CIVICGRID_GROUND_CONFIG``) overrides any top-level key.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

DEFAULTS = Path(__file__).with_name("defaults.json")


def load_config(path: Path | None = None) -> dict[str, Any]:
    """The defaults, overridden key by key by the configured file when it exists."""
    config: dict[str, Any] = json.loads(DEFAULTS.read_text(encoding="utf-8"))
    if path is None:
        env = os.environ.get("CIVICGRID_GROUND_CONFIG")
        if env:
            path = Path(env)
        else:
            from civicgrid.settings import get_settings

            path = get_settings().data_dir / "ground.json"
    if path.is_file():
        try:
            config.update(json.loads(path.read_text(encoding="utf-8")))
        except json.JSONDecodeError as error:
            raise ValueError(f"ground config {path} is not valid JSON ({error}); "
                             "fix the file or remove it to use the defaults") from error
    return config
