"""`sanwei-progress serve` runs the service; `sanwei-progress migrate` upgrades its database."""

from sanwei_kit.cli import service_main
from sanwei_progress.app import MIGRATIONS_DIR, create_app
from sanwei_progress.settings import ProgressSettings


def main() -> None:
    service_main(ProgressSettings, create_app, MIGRATIONS_DIR)


if __name__ == "__main__":
    main()
