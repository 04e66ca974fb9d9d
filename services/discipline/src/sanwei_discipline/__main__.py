"""`sanwei-discipline serve` runs the service; `sanwei-discipline migrate` upgrades its database."""

from sanwei_discipline.app import MIGRATIONS_DIR, create_app
from sanwei_discipline.settings import DisciplineSettings
from sanwei_kit.cli import service_main


def main() -> None:
    service_main(DisciplineSettings, create_app, MIGRATIONS_DIR)


if __name__ == "__main__":
    main()
