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
