"""Fixtures shared by the discipline service's tests."""

from __future__ import annotations

import pytest

from sanwei_discipline.adapters.tables import kit, metadata
from sanwei_discipline.app import create_app
from sanwei_discipline.settings import DisciplineSettings
from sanwei_kit.testing import build_test_app


@pytest.fixture
def app(tmp_path, clock):
    """The service on a fresh database, on the test module's `clock` (each module picks its day)."""
    return build_test_app(create_app, DisciplineSettings, metadata, kit, tmp_path, clock)
