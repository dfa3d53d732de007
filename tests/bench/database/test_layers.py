"""The recorded data layers say what the apps' code does."""

from __future__ import annotations

from bench import frameworks
from bench.database import layers
from bench.facts import closure


def test_every_app_has_a_recorded_data_layer() -> None:
    assert set(layers.LAYERS) == set(frameworks.NAMES)


def test_the_recorded_pool_is_the_one_in_the_code() -> None:
    for name, layer in layers.LAYERS.items():
        source = (frameworks.ROOT / layer.source).read_text()
        assert layer.pool in source, f"{name}: {layer.pool!r} not in {layer.source}"


def test_the_distributions_are_installed_and_pull_in_the_driver() -> None:
    for name, layer in layers.LAYERS.items():
        assert {"psycopg", "psycopg-binary"} <= set(closure(layer.distributions)), name
