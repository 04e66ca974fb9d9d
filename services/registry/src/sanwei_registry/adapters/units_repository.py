"""Loading and saving the units directory within the caller's transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from sanwei_registry.adapters.tables import unit_aliases, unit_group_members, units, unknown_unit_names
from sanwei_registry.domain.units import Directory, Unit, UnitKind


class UnitRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def directory(self) -> Directory:
        rows = (await self._conn.execute(select(units).order_by(units.c.created_at, units.c.name))).all()
        found = {r.id: Unit(id=r.id, name=r.name, kind=UnitKind(r.kind), parent_id=r.parent_id) for r in rows}
        stored_keys: dict[str, str] = {}
        for alias in (await self._conn.execute(select(unit_aliases).order_by(unit_aliases.c.added_at))).all():
            stored_keys[alias.key] = alias.unit_id
            unit = found[alias.unit_id]
            if alias.alias != unit.name:
                unit.aliases.append(alias.alias)
        members = select(unit_group_members).order_by(unit_group_members.c.group_id, unit_group_members.c.position)
        for member in (await self._conn.execute(members)).all():
            found[member.group_id].members.append(member.member_id)
        return Directory(found.values(), stored_keys)

    async def add(self, unit: Unit, now: datetime) -> None:
        await self._conn.execute(
            units.insert().values(id=unit.id, name=unit.name, kind=unit.kind.value, parent_id=unit.parent_id,
                                  created_at=now)
        )

    async def add_alias(self, unit_id: str, alias: str, key: str, now: datetime, actor: str | None) -> None:
        await self._conn.execute(
            unit_aliases.insert().values(key=key, alias=alias, unit_id=unit_id, added_by=actor, added_at=now)
        )

    async def add_members(self, group_id: str, member_ids: list[str], start: int) -> None:
        if member_ids:
            await self._conn.execute(
                unit_group_members.insert(),
                [{"group_id": group_id, "member_id": m, "position": start + i} for i, m in enumerate(member_ids)],
            )

    async def record_unknown(self, names: dict[str, str], now: datetime) -> None:
        """Remember names nobody has mapped yet ({key: name as written}); count repeated sightings."""
        if not names:
            return
        known = {
            r.key: r
            for r in (
                await self._conn.execute(select(unknown_unit_names).where(unknown_unit_names.c.key.in_(list(names))))
            ).all()
        }
        for key, name in names.items():
            if key in known:
                await self._conn.execute(
                    update(unknown_unit_names).where(unknown_unit_names.c.key == key).values(
                        last_seen_at=now, times_seen=known[key].times_seen + 1
                    )
                )
            else:
                await self._conn.execute(
                    unknown_unit_names.insert().values(key=key, name=name, first_seen_at=now, last_seen_at=now,
                                                       times_seen=1)
                )

    async def unknown(self, *, include_mapped: bool = False) -> list[Any]:
        query = select(unknown_unit_names).order_by(unknown_unit_names.c.first_seen_at, unknown_unit_names.c.key)
        if not include_mapped:
            query = query.where(unknown_unit_names.c.mapped_to.is_(None))
        return list((await self._conn.execute(query)).all())

    async def mark_mapped(self, key: str, unit_id: str, actor: str | None, now: datetime) -> bool:
        result = await self._conn.execute(
            update(unknown_unit_names)
            .where(unknown_unit_names.c.key == key, unknown_unit_names.c.mapped_to.is_(None))
            .values(mapped_to=unit_id, mapped_by=actor, mapped_at=now)
        )
        return bool(result.rowcount)
