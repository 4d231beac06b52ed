"""Command line: `dataetat db|import|query|generate|demo|serve|worker|user|valider|enrichir|publier`. Messages in French.

One module per command group; this module only assembles them into `app` (the entry point
`dataetat = "dataetat.cli:app"`). Modules import `cli.common` and each other downwards only:
sources → imports → common, demo → serve, comptes → common."""

from __future__ import annotations

import typer

from dataetat.cli import (
    comptes,
    db,
    decp,  # noqa: F401 - registers `dataetat import decp`
    demo,
    enrichir,
    moisson,
    publier,
    query,
    serve,
    sources,
    valider,
)

app = typer.Typer(
    help="Data-État : importer, chercher et exporter les financements publics.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
app.add_typer(db.app, name="db")
app.add_typer(sources.app, name="import")  # cli/imports.py's commands plus the other sources'
app.command("generate")(demo.generate)
app.command("demo")(demo.demo)
app.command("serve")(serve.serve)
app.command("worker")(serve.worker)
app.command("query")(query.query)
app.command("enrichir")(enrichir.enrichir)
app.add_typer(comptes.app, name="user")
app.add_typer(valider.app, name="valider")
app.add_typer(moisson.app, name="catalogues")
app.command("moissonner")(moisson.moissonner)
app.add_typer(publier.app, name="publier")
