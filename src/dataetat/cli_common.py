"""What every command module shares: the consoles and the engine of the settings (a locked DuckDB
file or a refused URL is a French message and exit 2, not a traceback)."""

from __future__ import annotations

import typer
from rich.console import Console

from dataetat.settings import Settings
from dataetat.store.engine import StoreError, make_engine

console = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


def engine_of_settings():
    try:
        return make_engine(Settings())
    except StoreError as e:
        err.print(f"[red]{e}[/red]")
        raise typer.Exit(2) from e
