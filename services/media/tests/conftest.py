"""Fixtures shared by the media service's tests."""

from __future__ import annotations

import pytest

from sanwei_kit.testing import build_test_app
from sanwei_media.adapters.tables import kit, metadata
from sanwei_media.app import create_app
from sanwei_media.settings import MediaSettings


@pytest.fixture
def app(tmp_path, clock):
    """The service on a fresh database, on the test module's `clock` (each module picks its day)."""
    return build_test_app(create_app, MediaSettings, metadata, kit, tmp_path, clock)
