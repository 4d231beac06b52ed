"""The only place that writes SQL: schema, migrations, bulk load, read model."""
