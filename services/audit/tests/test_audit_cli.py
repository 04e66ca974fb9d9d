"""`sanwei case show` and `sanwei audit verify` against the audit service served by uvicorn on a free port."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from sanwei.cli.testing import RunCli, cli_runner
from sanwei_audit.adapters.tables import kit, metadata
from sanwei_audit.app import create_app
from sanwei_audit.settings import AuditSettings
from sanwei_contracts import new_envelope
from sanwei_contracts.events.common import NoticeLevel
from sanwei_contracts.events.supervision import NoticeIssued
from sanwei_kit.auth import Role
from sanwei_kit.calendar import CHINA_TZ
from sanwei_kit.clock import FakeClock
from sanwei_kit.testing import Harness, build_test_app, served, service_harness, test_token

pytestmark = pytest.mark.handler

T0 = datetime(2026, 10, 10, 9, 0, tzinfo=CHINA_TZ)


@asynccontextmanager
async def _served(tmp_path: Path) -> AsyncIterator[tuple[Harness, RunCli]]:
    app = build_test_app(create_app, AuditSettings, metadata, kit, tmp_path, FakeClock(T0))
    async with service_harness(app) as harness, served(app) as url:
        with cli_runner({"SANWEI_AUDIT_URL": url, "SANWEI_TOKEN": test_token(Role.AUDITOR), "COLUMNS": "250"}) as run:
            yield harness, run


async def test_case_show_names_who_acted_and_verify_finds_a_tampered_row(tmp_path) -> None:
    async with _served(tmp_path) as (h, run):
        await h.publish(new_envelope(
            NoticeIssued(notice_id="n1", number="督〔2026〕3号", task_id="t1", unit="区发改局", problem="逾期未完成",
                         requirement="限期整改", level=NoticeLevel.BLUE, issued_at=T0, deadline=date(2026, 10, 16),
                         due_at=datetime(2026, 10, 17, tzinfo=CHINA_TZ), working_days=5),
            subject="notice/n1", case_id="case-1", time=T0, actor="张科长", actor_role="command",
            actor_unit="区政府督查室"))
        shown = await run("case", "show", "case-1")
        assert shown.exit_code == 0, shown.output
        assert "张科长（指挥部/督查室·区政府督查室）" in shown.output
        intact = await run("audit", "verify")
        assert intact.exit_code == 0 and "intact" in intact.output
        async with h.runtime.db.transaction() as conn:
            await conn.execute(text("UPDATE audit_events SET envelope = replace(envelope, '张科长', '王科长')"))
        broken = await run("audit", "verify")
        assert broken.exit_code == 1 and "broken at seq 1" in broken.output
