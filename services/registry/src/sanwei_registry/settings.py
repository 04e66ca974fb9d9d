from sanwei_kit.settings import ServiceSettings


class RegistrySettings(ServiceSettings):
    service_name: str = "registry"
    http_port: int = 8101
    database_url: str = "sqlite+aiosqlite:///.sanwei/data/registry.db"
    max_upload_bytes: int = 10 * 1024 * 1024
