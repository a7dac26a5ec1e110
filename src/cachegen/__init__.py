"""cachegen: declare a managed Redis/Valkey deployment once, compile every artifact it needs."""

__version__ = "0.1.0"
