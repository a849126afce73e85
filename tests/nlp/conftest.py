"""Fixtures for the request-understanding tests: small models trained on generated text."""

from __future__ import annotations

import pytest

from civicgrid.nlp.classifier import CategoryModel, train_category_model
from civicgrid.nlp.generated import generated_requests
from civicgrid.nlp.routing import UnitRouter, train_unit_router


@pytest.fixture(scope="session")
def generated() -> list:
    """300 generated, labelled requests (not real data)."""
    return generated_requests(300, seed=11)


@pytest.fixture(scope="session")
def category_model(generated: list) -> CategoryModel:
    """A category model trained on the generated stream."""
    return train_category_model([r.text for r in generated], [r.category for r in generated])


@pytest.fixture(scope="session")
def unit_router(generated: list) -> UnitRouter:
    """A unit router trained on the generated stream."""
    return train_unit_router([r.text for r in generated], [r.unit for r in generated])
