"""`python -m dataetat.cli …`, the same as the `dataetat` command."""

from dataetat.cli import app

app()
