from pydantic import Field

from sanwei_kit.settings import ServiceSettings


class RegistrySettings(ServiceSettings):
    service_name: str = "registry"
    http_port: int = 8101
    database_url: str = "sqlite+aiosqlite:///.sanwei/data/registry.db"
    max_upload_bytes: int = 10 * 1024 * 1024
    # 红黄灯: the yellow light (and its warning) this many working days before a deadline.
    yellow_warning_working_days: int = Field(default=3, ge=0, le=60)
    # 催办: the reminder goes out at this hour (China time) of the first working day after the deadline.
    reminder_hour: int = Field(default=9, ge=0, le=23)
    # How often a replica reloads the operator's calendar corrections another replica may have stored.
    calendar_refresh_seconds: float = Field(default=30.0, gt=0)
