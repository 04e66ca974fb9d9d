from pydantic import Field

from sanwei_kit.settings import ServiceSettings


class DisciplineSettings(ServiceSettings):
    service_name: str = "discipline"
    http_port: int = 8105
    database_url: str = "sqlite+aiosqlite:///.sanwei/data/discipline.db"
    clue_due_working_days: int = Field(
        default=15, ge=1, le=365, description="办理时限 of an assigned (分办/转办) clue, in 工作日."
    )
    clue_receipt_working_days: int = Field(
        default=2, ge=1, le=60, description="签收时限 of an assigned (分办/转办) clue, in 工作日.")
    escalation_commission: str = Field(
        default="市纪委党风政风监督室",
        description="Where an overdue clue escalates when its assignment names no supervising commission.")
