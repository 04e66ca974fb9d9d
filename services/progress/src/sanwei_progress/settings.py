from pydantic import Field

from sanwei_kit.settings import ServiceSettings


class ProgressSettings(ServiceSettings):
    service_name: str = "progress"
    http_port: int = 8102
    database_url: str = "sqlite+aiosqlite:///.sanwei/data/progress.db"
    report_max_chars: int = Field(default=10_000, ge=1, description="Longest 进展情况 text a unit may report.")
    claim_max_chars: int = Field(default=10_000, ge=1, description="Longest completion claim (完成情况说明).")
    report_due_working_days: int = Field(
        default=3, ge=0,
        description="Default 工作日 after a period's last day by which its progress reports are due (0: that day).",
    )
    max_report_due_working_days: int = Field(default=20, ge=0,
                                             description="Most 工作日 a task list may allow for its reports.")
    upload_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1, description="Largest report sheet to upload.")
    due_soon_working_days: int = Field(
        default=5, ge=0, description="A task is “due soon” when its deadline is within this many 工作日 from today.")
