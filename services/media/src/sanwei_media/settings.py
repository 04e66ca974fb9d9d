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
    hotline_callback_url: str | None = Field(
        default=None, description="Where the 12345 hotline system is told what became of its tickets, unless a "
                                  "ticket names its own callback_url.")
    hotline_callback_timeout: float = Field(default=5.0, gt=0, le=120, description="Seconds per callback POST.")
    hotline_callback_retry_delay: float = Field(
        default=30.0, gt=0, description="Seconds (on the service's clock) before the first retry; doubles each time.")
    hotline_callback_max_retry_delay: float = Field(default=3600.0, gt=0, description="Longest retry delay, seconds.")
    hotline_callback_max_attempts: int = Field(default=10, ge=1, le=1000,
                                               description="Attempts before a callback is given up (kept, visible).")
    hotline_callback_poll_interval: float = Field(default=2.0, gt=0, le=3600,
                                                  description="Real seconds between callback sweeps.")
