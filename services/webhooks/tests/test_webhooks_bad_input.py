"""Input that the database could not store is a 422 with the field, never a 500."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sanwei_kit.clock import FakeClock
from sanwei_kit.inputs import INT64_MAX
from sanwei_kit.testing import build_test_app, service_harness
from sanwei_webhooks.adapters.tables import kit, metadata
from sanwei_webhooks.app import create_app
from sanwei_webhooks.settings import WebhooksSettings

pytestmark = pytest.mark.handler

NOTICE_ISSUED = "sanwei.supervision.notice.v1.issued"


@pytest.fixture
def app(tmp_path):
    return build_test_app(create_app, WebhooksSettings, metadata, kit, tmp_path,
                          FakeClock(datetime(2026, 11, 25, 9, 0, tzinfo=UTC)))


async def test_a_url_longer_than_stored_once_percent_encoded_is_refused(app):
    async with service_harness(app) as h:
        # 600 characters typed, about 5,400 once the Chinese path is percent-encoded.
        url = "https://oa.example.gov.cn/" + "督" * 600
        refused = await h.client.post("/subscriptions", json={"url": url, "event_types": [NOTICE_ISSUED]})
        assert refused.status_code == 422, refused.text
        assert refused.json()["detail"][0]["loc"] == ["body", "url"]
        fits = await h.client.post("/subscriptions", json={"url": "https://oa.example.gov.cn/督查/hook",
                                                           "event_types": [NOTICE_ISSUED]})
        assert fits.status_code == 201, fits.text


async def test_a_delivery_cursor_past_64_bits_is_refused(app):
    async with service_harness(app) as h:
        created = await h.client.post("/subscriptions", json={"url": "https://oa.example.gov.cn/hook",
                                                              "event_types": [NOTICE_ISSUED]})
        deliveries = f"/subscriptions/{created.json()['id']}/deliveries"
        assert (await h.client.get(deliveries, params={"before_id": INT64_MAX + 1})).status_code == 422
        assert (await h.client.get(deliveries, params={"before_id": INT64_MAX})).json() == []
