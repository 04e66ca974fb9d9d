"""Value types shared by several events."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class EventData(BaseModel):
    """Base of every event's data: unknown fields are ignored so v1 can grow additively."""

    model_config = ConfigDict(extra="ignore", frozen=True)


class NoticeLevel(StrEnum):
    """三色督办 levels of a 督办通知书: 蓝 → 黄 → 红, escalating on each missed deadline."""

    BLUE = "blue"
    YELLOW = "yellow"
    RED = "red"


class Sanction(StrEnum):
    """What the 纪委 decides for a confirmed case (《中国共产党问责条例》 forms)."""

    NO_ACTION = "no_action"  # 不予问责 / 查无实据
    CRITICISM_NOTICE = "criticism_notice"  # 通报批评
    ADMONISHMENT_TALK = "admonishment_talk"  # 诫勉谈话
    ACCOUNTABILITY = "accountability"  # 问责 (组织处理)
    PARTY_DISCIPLINE = "party_discipline"  # 党纪政务处分 (纪律处分)
    CRITICISM_EDUCATION = "criticism_education"  # 批评教育
    ORGANIZATIONAL_HANDLING = "organizational_handling"  # 组织处理 (停职检查、调整职务、责令辞职、降职、免职)

    @property
    def label(self) -> str:
        return SANCTION_LABELS[self]


SANCTION_LABELS = {
    Sanction.NO_ACTION: "不予问责",
    Sanction.CRITICISM_NOTICE: "通报批评",
    Sanction.ADMONISHMENT_TALK: "诫勉谈话",
    Sanction.ACCOUNTABILITY: "问责",
    Sanction.PARTY_DISCIPLINE: "党纪政务处分",
    Sanction.CRITICISM_EDUCATION: "批评教育",
    Sanction.ORGANIZATIONAL_HANDLING: "组织处理",
}
