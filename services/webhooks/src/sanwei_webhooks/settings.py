from pydantic import Field

from sanwei_kit.settings import ServiceSettings


class WebhooksSettings(ServiceSettings):
    service_name: str = "webhooks"
    # Off the chain's critical path: under load it waits longer for a batch to fill (fewer transactions).
    consumer_linger: float = Field(default=0.5, ge=0.0, le=1.0)
    http_port: int = 8107
    database_url: str = "sqlite+aiosqlite:///.sanwei/data/webhooks.db"

    delivery_max_attempts: int = Field(default=10, ge=1, description="POSTs of one delivery before it is given up.")
    delivery_base_delay: float = Field(
        default=30.0, gt=0, description="Delay before the first retry (s); doubles per attempt, with jitter. "
                                        "With the defaults the last attempt comes 1.5 to 3 hours after the first."
    )
    delivery_max_delay: float = Field(default=3600.0, gt=0, description="Longest delay between two attempts (s).")
    delivery_timeout: float = Field(default=10.0, gt=0, description="Seconds a receiver has to answer one POST.")
    delivery_concurrency: int = Field(default=32, ge=1, description="POSTs in flight at once, all subscriptions.")
    delivery_concurrency_per_subscription: int = Field(
        default=4, ge=1, description="POSTs in flight at once to one subscription, so one slow receiver "
                                     "cannot take every slot."
    )
    delivery_poll_interval: float = Field(default=0.5, gt=0, description="Seconds between sweeps for due deliveries.")
    delivery_batch_size: int = Field(default=100, ge=1, description="Due deliveries read per sweep.")
    response_excerpt_chars: int = Field(default=500, ge=0, description="Characters of a receiver's answer kept.")
