from pydantic import Field

from sanwei_contracts.events.common import NoticeLevel
from sanwei_kit.settings import ServiceSettings


class SupervisionSettings(ServiceSettings):
    service_name: str = "supervision"
    http_port: int = 8103
    database_url: str = "sqlite+aiosqlite:///.sanwei/data/supervision.db"
    notice_deadline_working_days: int = Field(
        default=5, ge=1, description="整改时限 of a 督办通知书: N 工作日 from the day it is issued."
    )
    notice_max_working_days: int = Field(default=60, ge=1, description="Longest 整改时限 the 指挥部 may set.")
    notice_level: NoticeLevel = Field(default=NoticeLevel.YELLOW, description="三色督办 level a notice starts at.")
    notice_number_prefix: str = Field(default="督", min_length=1, description="Prefix of 督〔2026〕15号.")
    rectification_max_chars: int = Field(default=20_000, ge=1, description="Longest 整改报告 text.")
    rectification_max_evidence: int = Field(default=50, ge=0, description="Most evidence items per 整改报告.")
    score_base: float = Field(default=100, gt=0, description="满分 of a 考核 unless it sets its own.")
    scheme_max_units: int = Field(default=500, ge=2, description="Most units one 考核 ranks.")
    ranking_top_k: int = Field(default=3, ge=0, description="Top K of a ranking are praised (表扬).")
    ranking_bottom_k: int = Field(default=3, ge=1, description="Bottom K of a ranking: 通报批评 / 诫勉谈话.")
    ranking_admonish_streak: int = Field(
        default=2, ge=1, description="诫勉谈话 instead of 通报批评 from this many consecutive bottom-K periods."
    )
    ranking_referral_streak: int = Field(
        default=3, ge=1, description="M: bottom K in M consecutive periods → referral to discipline (问责)."
    )
    notice_level_working_days: dict[NoticeLevel, int] = Field(
        default_factory=lambda: {NoticeLevel.BLUE: 10, NoticeLevel.RED: 3},
        description="整改时限 in 工作日 per 三色 level; a level not listed uses notice_deadline_working_days "
                    '(JSON, e.g. {"blue": 10, "yellow": 5, "red": 3}).',
    )
    notice_level_addressees: dict[NoticeLevel, str] = Field(
        default_factory=lambda: {NoticeLevel.BLUE: "责任单位分管负责人", NoticeLevel.YELLOW: "责任单位主要负责人",
                                 NoticeLevel.RED: "包挂市领导"},
        description="责任人 a notice of each level is addressed to: a higher leader at red (JSON).",
    )
    notice_media_from_level: NoticeLevel = Field(
        default=NoticeLevel.YELLOW,
        description="A notice of this level or above that runs out is unrectified and goes to the media; "
                    "below it, a new notice one level up is issued (notice.escalated). Red always goes to media.",
    )
    recheck_working_days: int = Field(
        default=10, ge=1, description="回头看: a rectified notice is re-checked N 工作日 after its acceptance."
    )
    draw_exclusion_days: int = Field(
        default=30, ge=0, description="双随机: a target drawn in a scope is not drawn again there for N days."
    )
    draw_max_items: int = Field(default=5000, ge=1, description="Longest inspector pool or target list of a draw.")
    report_font_path: str | None = Field(
        default=None, description="CJK font (.ttf/.ttc) for PDF reports; default: the first of the usual "
                                  "Debian paths found (fonts-wqy-microhei, fonts-noto-cjk)."
    )
    report_title_weekly: str = Field(default="督查周报", description="Title of the weekly report.")
