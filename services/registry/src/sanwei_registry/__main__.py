"""`sanwei-registry serve` runs the service; `sanwei-registry migrate` upgrades its database."""

from sanwei_kit.cli import service_main
from sanwei_registry.app import MIGRATIONS_DIR, create_app
from sanwei_registry.settings import RegistrySettings


def main() -> None:
    service_main(RegistrySettings, create_app, MIGRATIONS_DIR)


if __name__ == "__main__":
    main()
