"""Loading and saving inspections and their findings in the caller's transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from sanwei_kit.errors import NotFound
from sanwei_supervision.adapters.tables import inspection_findings, inspections
from sanwei_supervision.domain.inspections import (
    CheckItem,
    Finding,
    Inspection,
    InspectionKind,
    InspectionStatus,
)


def _finding_from_row(row: Any) -> Finding:
    return Finding(id=row.id, inspection_id=row.inspection_id, unit=row.unit, check_code=row.check_code,
                   check_item=row.check_item, problem=row.problem, evidence=list(row.evidence or []),
                   found_at=row.found_at, found_by=row.found_by, notice_id=row.notice_id,
                   notice_number=row.notice_number)


class InspectionRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, i: Inspection) -> None:
        await self._conn.execute(inspections.insert().values(
            id=i.id, kind=i.kind.value, title=i.title, planned_on=i.planned_on, targets=i.targets,
            inspectors=i.inspectors, checklist=[{"code": c.code, "item": c.item} for c in i.checklist],
            draw_id=i.draw_id, status=i.status.value, created_at=i.created_at, created_by=i.created_by,
        ))

    async def save(self, i: Inspection) -> None:
        await self._conn.execute(inspections.update().where(inspections.c.id == i.id).values(
            status=i.status.value, closed_at=i.closed_at, closed_by=i.closed_by, bulletin=i.bulletin))

    async def _load(self, row: Any) -> Inspection:
        query = (select(inspection_findings).where(inspection_findings.c.inspection_id == row.id)
                 .order_by(inspection_findings.c.found_at, inspection_findings.c.id))
        findings = [_finding_from_row(r) for r in (await self._conn.execute(query)).all()]
        return Inspection(
            id=row.id, kind=InspectionKind(row.kind), title=row.title, planned_on=row.planned_on,
            targets=list(row.targets), inspectors=list(row.inspectors),
            checklist=[CheckItem(c["code"], c["item"]) for c in row.checklist], created_at=row.created_at,
            created_by=row.created_by, draw_id=row.draw_id, status=InspectionStatus(row.status),
            closed_at=row.closed_at, closed_by=row.closed_by, bulletin=row.bulletin, findings=findings,
        )

    async def get(self, inspection_id: str) -> Inspection:
        row = (await self._conn.execute(select(inspections).where(inspections.c.id == inspection_id))).first()
        if row is None:
            raise NotFound(f"no inspection {inspection_id}")
        return await self._load(row)

    async def find(self, status: InspectionStatus | None = None, limit: int = 500, offset: int = 0) -> list[Inspection]:
        query = select(inspections).order_by(inspections.c.planned_on, inspections.c.created_at).limit(limit)
        query = query.offset(offset)
        if status:
            query = query.where(inspections.c.status == status.value)
        return [await self._load(r) for r in (await self._conn.execute(query)).all()]

    async def add_finding(self, f: Finding) -> None:
        await self._conn.execute(inspection_findings.insert().values(
            id=f.id, inspection_id=f.inspection_id, unit=f.unit, check_code=f.check_code, check_item=f.check_item,
            problem=f.problem, evidence=f.evidence, found_at=f.found_at, found_by=f.found_by))

    async def save_finding(self, f: Finding) -> None:
        await self._conn.execute(inspection_findings.update().where(inspection_findings.c.id == f.id).values(
            notice_id=f.notice_id, notice_number=f.notice_number))
