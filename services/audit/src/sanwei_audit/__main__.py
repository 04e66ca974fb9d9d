"""`sanwei-audit serve` runs the service; `sanwei-audit migrate` upgrades its database."""

from sanwei_audit.app import MIGRATIONS_DIR, create_app
from sanwei_audit.settings import AuditSettings
from sanwei_kit.cli import service_main


def main() -> None:
    service_main(AuditSettings, create_app, MIGRATIONS_DIR)


if __name__ == "__main__":
    main()
