"""`sanwei-media serve` runs the service; `sanwei-media migrate` upgrades its database."""

from sanwei_kit.cli import service_main
from sanwei_media.app import MIGRATIONS_DIR, create_app
from sanwei_media.settings import MediaSettings


def main() -> None:
    service_main(MediaSettings, create_app, MIGRATIONS_DIR)


if __name__ == "__main__":
    main()
