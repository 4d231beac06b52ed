"""`make test-cluster` (issue 16 §6): the scenarios of a national deployment, each asserted, on the
cluster of tests/cluster/grappe.py (network namespaces, PostgreSQL primary + streaming replica, two
app servers behind haproxy, two workers, an S3 object store). Bounded: every wait has a deadline,
and everything is torn down at the end, even on failure. Run as root:

    .venv/bin/python tests/cluster/scenarios.py        # DATAETAT_GRAPPE_GARDER=1 keeps the logs
"""

from __future__ import annotations

import io
import re
import signal
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from openpyxl import load_workbook  # noqa: E402
from tests.cluster.grappe import COMPTABLE, LEASE, PASSWORD, VALIDATIONS, Grappe, until  # noqa: E402
from tests.factories import ae_row, write_ae  # noqa: E402

LIGNES = 60_000
SEARCH = {"annee": "2022,2023", "colonnes": "n_ej,montant_ae"}


def say(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", flush=True)


def token(client, path: str = "/connexion") -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text)[1]


def login(client, email: str = COMPTABLE, password: str = PASSWORD) -> int:
    form = {"csrf_token": token(client), "email": email, "mot_de_passe": password, "suite": ""}
    return client.post("/connexion", data=form).status_code


def total(client, query: dict[str, str] = SEARCH) -> int:
    response = client.get("/api/v1/lignes", params=query)
    assert response.status_code == 200, (response.status_code, response.text[:300])
    return response.json()["total"]["count"]


def replica_reads(g: Grappe) -> int:
    return g.sql("pg2", "SELECT xact_commit FROM pg_stat_database WHERE datname = 'dataetat'")


def searches_read_from_the_replica(g: Grappe, lb) -> int:
    before = replica_reads(g)
    totals = {total(lb) for _ in range(20)}
    assert len(totals) == 1, totals
    until(lambda: replica_reads(g) - before >= 20, 10, "les recherches ne sont pas servies par la réplique")
    clients = g.sql(
        "pg2",
        "SELECT count(DISTINCT client_addr) FROM pg_stat_activity WHERE application_name = 'dataetat-lecture'",
    )
    assert clients == 2, f"connexions de lecture sur la réplique depuis {clients} serveur(s), 2 attendus"
    say(
        f"✓ recherche par haproxy servie par la réplique (les deux serveurs y lisent ; {totals.pop()} lignes)"
    )
    return total(lb)


def upload_on_a_is_searchable_on_b(g: Grappe, cookies: dict[str, str]) -> None:
    rows = [ae_row(str(900_000 + i), 1, f"{100 + i}") for i in range(7)]
    path = write_ae(g.folder / "envoi-ae.csv", rows, exercice=2019)
    with g.http("app1", cookies) as a:
        csrf = token(a, "/televersement")
        with open(path, "rb") as f:
            sent = a.post(
                "/televersement",
                data={"csrf_token": csrf, "annee": "2019"},
                files={"fichier_ae": ("envoi-ae.csv", f, "text/csv")},
            )
        assert sent.status_code == 303, (sent.status_code, sent.text[:500])
        job_id = int(sent.headers["location"].rsplit("/", 1)[1])
        until(
            lambda: g.sql("pg1", "SELECT statut FROM tache WHERE id = :i", i=job_id) == "terminee",
            120,
            "l'import envoyé au serveur A n'est pas terminé",
        )
        assert a.get(f"/televersement/{job_id}").status_code == 200  # the user sees it done (LSN cookie)
        cookies = cookies | {
            c.name: c.value for c in a.cookies.jar
        }  # with the LSN of the import (read-your-writes)
    with g.http("app2", cookies) as b:
        assert total(b, {"annee": "2019"}) == 7
    say("✓ un import envoyé au serveur A est trouvé par une recherche sur le serveur B (stockage S3 partagé)")


def limiter_holds_across_servers(g: Grappe) -> None:
    statuses = []
    for i in range(6):
        with g.http("app1" if i % 2 == 0 else "app2") as client:
            statuses.append(login(client, "agent.limite@exemple.gouv.fr", "mauvais mot de passe"))
    assert statuses[:5] == [400] * 5 and statuses[5] == 429, statuses
    with g.http("app2") as b:
        assert login(b, "agent.limite@exemple.gouv.fr") == 429  # even the right password, from there
    say("✓ le limiteur de connexion tient sur A et B (5 échecs alternés, la 6e tentative attend)")


def validation_budget_shared_by_the_servers(g: Grappe) -> None:
    """The open validation API: VALIDATION_PAR_MINUTE per client address, whichever server answers."""
    statuses, refused = [], None
    for i in range(VALIDATIONS + 1):
        with g.http("app1" if i % 2 == 0 else "app2") as client:
            response = client.post(
                "/api/v1/validation/decp",
                content=b'{"marches": []}',
                headers={"content-type": "application/json"},
            )
        statuses.append(response.status_code)
        refused = response
    assert statuses == [200] * VALIDATIONS + [429], statuses
    assert refused.json()["erreur"]["code"] == "trop-de-requetes" and int(refused.headers["retry-after"]) >= 1
    say(
        f"✓ l'API de validation ouverte : {VALIDATIONS} validations par minute pour A et B ensemble, puis 429"
    )


def killed_worker_export_is_finished_by_the_other(g: Grappe, lb) -> None:
    response = lb.post("/api/v1/exports/lignes.xlsx", params={"annee": "2022,2023"})
    assert response.status_code == 202, response.text[:300]
    job_id = response.json()["id"]
    executant = until(
        lambda: g.sql("pg1", "SELECT executant FROM tache WHERE id = :i AND statut = 'en-cours'", i=job_id),
        60,
        "aucun worker ne prend l'export",
        0.02,
    )
    pid = int(executant.rsplit(":", 1)[1])
    victim = next(name for name, proc in g.procs.items() if proc.pid == pid)
    g.kill(victim, signal.SIGKILL)
    killed = time.monotonic()
    say(f"  worker {victim} tué (kill -9) pendant l'export {job_id}")
    taken = until(
        lambda: g.sql(
            "pg1",
            "SELECT tentatives FROM tache WHERE id = :i AND statut = 'en-cours' AND tentatives > 1",
            i=job_id,
        ),  # fmt: skip
        LEASE + 60,
        "l'export n'est pas repris",
        0.05,
    )
    takeover = time.monotonic() - killed
    until(lambda: g.sql("pg1", "SELECT statut FROM tache WHERE id = :i", i=job_id) == "terminee", 300,
          "l'export repris n'est pas terminé", 0.2)  # fmt: skip
    job = lb.get(f"/api/v1/exports/{job_id}").json()
    content = lb.get(f"/api/v1/exports/{job_id}/fichier")
    assert content.status_code == 200
    sheet = load_workbook(io.BytesIO(content.content), read_only=True).active
    rows = sum(1 for _ in sheet.iter_rows(values_only=True))
    assert rows == job["total"] + 1 == job["resultat"]["lignes"] + 1, (rows, job)
    say(f"✓ export repris par l'autre worker {takeover:.1f} s après le kill -9 (essai {taken}), fichier entier "
        f"({rows - 1} lignes)")  # fmt: skip
    g.start_worker(victim)


def killed_app_under_load(g: Grappe) -> None:
    stop, results, lock = threading.Event(), [], threading.Lock()

    def client() -> None:
        with g.http() as lb:
            while not stop.is_set():
                for attempt in range(3):  # a client retries through haproxy
                    started = time.monotonic()
                    try:
                        ok = lb.get("/connexion").status_code == 200
                    except Exception:  # noqa: BLE001 - counted as a failure
                        ok = False
                    with lock:
                        results.append((started, ok, attempt))
                    if ok:
                        break
                    time.sleep(0.2)
                else:
                    with lock:
                        results.append((time.monotonic(), None, 3))  # a request that never succeeded

    threads = [threading.Thread(target=client) for _ in range(4)]
    for t in threads:
        t.start()
    try:
        time.sleep(2)
        g.kill("app1", signal.SIGKILL)
        killed = time.monotonic()
        time.sleep(6)
    finally:
        stop.set()
        for t in threads:
            t.join(30)
    assert not any(t.is_alive() for t in threads)
    checked = killed + 2.0  # haproxy's check: every 0.5 s, down after 2 failures
    failed_after = [r for r in results if r[0] > checked and not r[1]]
    never = [r for r in results if r[1] is None]
    during = [r for r in results if killed <= r[0] <= checked and r[1] is False]
    assert not never, f"{len(never)} requête(s) jamais servie(s) malgré les reprises"
    assert not failed_after, f"{len(failed_after)} échec(s) après le contrôle de santé"
    say(f"✓ kill -9 du serveur A sous charge : {len(results)} requêtes, {len(during)} échec(s) repris avant le "
        "contrôle de santé, aucun après")  # fmt: skip
    g.start_app("app1")
    until(lambda: g.health("app1"), 60, "le serveur A ne redémarre pas")


def stopped_replica_falls_back(g: Grappe, lb, expected: int) -> None:
    g.pg_ctl("pg2", "stop", "-m", "immediate")
    try:
        assert [total(lb) for _ in range(20)] == [expected] * 20
    finally:
        g.pg_ctl("pg2", "start")
    say("✓ réplique arrêtée : les recherches passent sur la base principale, aucune n'échoue")


def restart_everything_loses_nothing(g: Grappe, lb, expected: int) -> None:
    ids = [lb.post("/api/v1/exports/lignes.csv", params={"annee": "2023"}).json()["id"] for _ in range(3)]
    before = g.sql("pg1", "SELECT count(*) FROM tache")
    for name in ("wk1", "wk2", "app1", "app2"):
        g.kill(name, signal.SIGKILL)
    g.pg_ctl("pg2", "stop", "-m", "immediate")
    g.pg_ctl("pg1", "restart", "-m", "fast")
    g.pg_ctl("pg2", "start")
    for app in ("app1", "app2"):
        g.start_app(app)
    for worker in ("wk1", "wk2"):
        g.start_worker(worker)
    for app in ("app1", "app2"):
        until(lambda a=app: g.health(a), 60, f"le serveur {app} ne redémarre pas")
    until(
        lambda: (
            g.sql("pg1", "SELECT count(*) FROM tache WHERE id = ANY(:ids) AND statut = 'terminee'", ids=ids)
            == 3
        ),
        LEASE + 180,
        "des exports ne se terminent pas après le redémarrage",
        0.3,
    )
    assert g.sql("pg1", "SELECT count(*) FROM tache") == before
    until(lambda: total(lb) == expected, 30, "des lignes manquent après le redémarrage")
    for job_id in ids:
        assert lb.get(f"/api/v1/exports/{job_id}/fichier").status_code == 200
    say("✓ tout redémarré (PostgreSQL, serveurs, workers) : aucune tâche ni donnée perdue")


def main() -> None:
    started = time.monotonic()
    say("construction de la grappe (espaces de noms réseau, PostgreSQL + réplique, haproxy, S3)…")
    with Grappe.built(lignes=LIGNES) as g:
        say(f"grappe prête en {time.monotonic() - started:.0f} s")
        with g.http() as lb:
            assert login(lb) == 303
            cookies = {c.name: c.value for c in lb.cookies.jar}
            expected = searches_read_from_the_replica(g, lb)
            upload_on_a_is_searchable_on_b(g, cookies)
            expected = total(lb)
            limiter_holds_across_servers(g)
            validation_budget_shared_by_the_servers(g)
            killed_worker_export_is_finished_by_the_other(g, lb)
            killed_app_under_load(g)
            stopped_replica_falls_back(g, lb, expected)
            restart_everything_loses_nothing(g, lb, expected)
    say(f"grappe : tous les scénarios passent ({time.monotonic() - started:.0f} s)")


if __name__ == "__main__":
    main()
