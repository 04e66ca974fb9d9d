from pydantic import Field
from pydantic_settings import SettingsConfigDict

from sanwei_kit.settings import ServiceSettings


class AuditSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SANWEI_", extra="ignore")

    service_name: str = "audit"
    http_port: int = 8106
    database_url: str = "sqlite+aiosqlite:///.sanwei/data/audit.db"
    verify_batch_size: int = Field(default=1000, ge=1, description="Rows read per batch when verifying the chain.")
