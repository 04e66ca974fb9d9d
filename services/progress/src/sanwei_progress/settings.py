from pydantic import Field

from sanwei_kit.settings import ServiceSettings


class ProgressSettings(ServiceSettings):
    service_name: str = "progress"
    http_port: int = 8102
    database_url: str = "sqlite+aiosqlite:///.sanwei/data/progress.db"
    report_max_chars: int = Field(default=10_000, ge=1, description="Longest 进展情况 text a unit may report.")
    claim_max_chars: int = Field(default=10_000, ge=1, description="Longest completion claim (完成情况说明).")
