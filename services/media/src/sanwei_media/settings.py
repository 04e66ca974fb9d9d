from pydantic import Field

from sanwei_kit.settings import ServiceSettings


class MediaSettings(ServiceSettings):
    service_name: str = "media"
    http_port: int = 8104
    database_url: str = "sqlite+aiosqlite:///.sanwei/data/media.db"
    exposure_deadline_working_days: int = Field(
        default=5, ge=1, le=365, description="整改时限 of an exposure on the 曝光台, in 工作日."
    )
    feed_limit: int = Field(default=50, ge=1, le=1000, description="Default number of 曝光台 feed items.")
