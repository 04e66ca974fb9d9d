"""Fixtures shared by the supervision service's tests."""

from __future__ import annotations

import pytest

from sanwei_kit.testing import build_test_app
from sanwei_supervision.adapters.tables import kit, metadata
from sanwei_supervision.app import create_app
from sanwei_supervision.settings import SupervisionSettings


@pytest.fixture
def app(tmp_path, clock):
    """The service on a fresh database, on the test module's `clock` (each module picks its day)."""
    return build_test_app(create_app, SupervisionSettings, metadata, kit, tmp_path, clock)
