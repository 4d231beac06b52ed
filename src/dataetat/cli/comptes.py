"""`dataetat user add|disable|enable|list`: the local accounts of the embedded mode, and the demo
accounts that `dataetat demo` creates. Messages in French."""

from __future__ import annotations

import secrets
import sys
from typing import Annotated

import typer

from dataetat.cli.common import console, engine_of_settings, err

app = typer.Typer(help="Comptes locaux (mode embarqué) : créer, désactiver, lister.", no_args_is_help=True)

# One demo account per role (printed by `dataetat demo`, passwords drawn at each run).
DEMO_ACCOUNTS = (
    ("admin@demo.data-etat.fr", "ADMIN", None, "Administrateur (démo)"),
    ("comptable.53@demo.data-etat.fr", "COMPTABLE", "53", "Comptable Bretagne (démo)"),
    ("agent.53@demo.data-etat.fr", "USERS", "53", "Agent Bretagne (démo)"),
    ("agent.52@demo.data-etat.fr", "USERS", "52", "Agent Pays de la Loire (démo)"),
)


def parse_region(region: str) -> str | None:
    value = region.strip().upper()
    if value in ("NAT", "NATIONAL", ""):
        return None
    return value.lstrip("0").zfill(2) if value.isdigit() else value


@app.command("add")
def user_add(
    email: Annotated[str, typer.Option("--email", help="Adresse e-mail (identifiant de connexion).")],
    role: Annotated[str, typer.Option("--role", help="ADMIN, COMPTABLE ou USERS.")],
    region: Annotated[
        str, typer.Option("--region", help="Code INSEE de la région (ex. 53) ou NAT (national).")
    ],
    nom: Annotated[str | None, typer.Option("--nom", help="Nom affiché.")] = None,
    stdin: Annotated[
        bool, typer.Option("--mot-de-passe-stdin", help="Lire le mot de passe sur l'entrée standard.")
    ] = False,
) -> None:
    """Créer un compte local (mot de passe demandé, au moins 12 caractères)."""
    from dataetat.auth.passwords import hash_password
    from dataetat.store import audit, comptes, database

    if stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt(
            "Mot de passe", hide_input=True, confirmation_prompt="Confirmez le mot de passe"
        )
    try:
        hashed = hash_password(password)
        engine = engine_of_settings()
        database.init(engine)
        with engine.begin() as conn:
            comptes.create(conn, email, role.upper(), parse_region(region), hashed, nom)
            audit.account_created(conn, audit.CLI, email, role.upper(), parse_region(region))
    except ValueError as e:  # CompteError included
        err.print(f"[red]{e}[/red]")
        raise typer.Exit(1) from e
    console.print(
        f"Compte créé : {comptes.normalise_email(email)} ({role.upper()}, {_region(parse_region(region))})."
    )


def _set_active(email: str, actif: bool) -> None:
    from dataetat.store import audit, comptes

    try:
        with engine_of_settings().begin() as conn:
            before = comptes.by_email(conn, email)
            comptes.update(conn, email, actif=actif)
            if not actif:
                audit.account_disabled(conn, audit.CLI, email)
            elif before is not None and not before.actif:
                audit.account_changed(conn, audit.CLI, email, {"actif": [False, True]})
    except comptes.CompteError as e:
        err.print(f"[red]{e}[/red]")
        raise typer.Exit(1) from e


@app.command("disable")
def user_disable(email: Annotated[str, typer.Argument(help="Adresse e-mail du compte.")]) -> None:
    """Désactiver un compte : ses sessions ouvertes sont refusées immédiatement."""
    _set_active(email, False)
    console.print(f"Compte désactivé : {email.strip().lower()} (ses sessions sont fermées).")


@app.command("enable")
def user_enable(email: Annotated[str, typer.Argument(help="Adresse e-mail du compte.")]) -> None:
    """Réactiver un compte désactivé."""
    _set_active(email, True)
    console.print(f"Compte réactivé : {email.strip().lower()}.")


def _region(region: str | None) -> str:
    return "national" if region is None else f"région {region}"


@app.command("list")
def user_list() -> None:
    """Lister les comptes."""
    from dataetat.store import comptes

    with engine_of_settings().connect() as conn:
        accounts = comptes.all_accounts(conn)
    if not accounts:
        console.print("Aucun compte. Créez-en un : dataetat user add --email … --role ADMIN --region NAT")
        return
    console.print(f"{len(accounts)} compte(s) :")
    for a in accounts:  # one line per account: easy to read, to grep and to copy
        last = a.derniere_connexion.strftime("%d/%m/%Y %H:%M") if a.derniere_connexion else "jamais"
        state = "actif" if a.actif else "désactivé"
        console.print(
            f"{a.email}  {a.role}  {a.region or 'NAT'}  {state}  dernière connexion : {last}"
            + (f"  ({a.nom})" if a.nom else ""),
            highlight=False,
            markup=False,
        )


def create_demo_accounts(engine) -> list[tuple[str, str, str, str | None]]:
    """Create (or reset the password of) the demo accounts; returns (e-mail, password, role, région)."""
    from dataetat.auth.passwords import hash_password
    from dataetat.store import comptes

    created = []
    with engine.begin() as conn:
        for email, role, region, nom in DEMO_ACCOUNTS:
            password = f"demo-{secrets.token_urlsafe(12)}"
            if comptes.by_email(conn, email) is None:
                comptes.create(conn, email, role, region, hash_password(password), nom)
            else:
                comptes.update(
                    conn, email, mot_de_passe=hash_password(password), actif=True, role=role, region=region
                )
            created.append((email, password, role, region))
    return created


def print_demo_accounts(accounts) -> None:
    console.print("[yellow]Comptes de DÉMONSTRATION (mots de passe tirés à chaque démo) :[/yellow]")
    for email, password, role, region in accounts:
        console.print(
            f"  {email}  mot de passe : {password}  ({role}, {region or 'NAT'})",
            highlight=False,
            markup=False,
        )
    console.print(
        "[yellow]Ne gardez pas ces comptes sur une base réelle : dataetat user disable <e-mail>.[/yellow]"
    )
