from pydantic import Field

from sanwei_kit.settings import ServiceSettings


class AuditSettings(ServiceSettings):
    service_name: str = "audit"
    http_port: int = 8106
    database_url: str = "sqlite+aiosqlite:///.sanwei/data/audit.db"
    verify_batch_size: int = Field(default=1000, ge=1, description="Rows read per batch when verifying the chain.")
