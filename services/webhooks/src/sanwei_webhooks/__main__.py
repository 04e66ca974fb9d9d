"""`sanwei-webhooks serve` runs the service; `sanwei-webhooks migrate` upgrades its database."""

from sanwei_kit.cli import service_main
from sanwei_webhooks.app import MIGRATIONS_DIR, create_app
from sanwei_webhooks.settings import WebhooksSettings


def main() -> None:
    service_main(WebhooksSettings, create_app, MIGRATIONS_DIR)


if __name__ == "__main__":
    main()
