"""Local HTTP servers that answer as the outside services do, for the connector tests (no network)."""
