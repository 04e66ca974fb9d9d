"""`sanwei-supervision serve` runs the service; `sanwei-supervision migrate` upgrades its database."""

from sanwei_kit.cli import service_main
from sanwei_supervision.app import MIGRATIONS_DIR, create_app
from sanwei_supervision.settings import SupervisionSettings


def main() -> None:
    service_main(SupervisionSettings, create_app, MIGRATIONS_DIR)


if __name__ == "__main__":
    main()
