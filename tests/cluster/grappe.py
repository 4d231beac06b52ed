"""The cluster, built on one machine (issue 16 §6): hosts are network namespaces (tests/cluster/
reseau.py) — a PostgreSQL primary (its own cluster, initdb) and its streaming replica (pg_basebackup)
on two hosts, two app servers behind haproxy on two more, two workers on two more, the S3 object store
(moto's server) on one, and the client on its own. Everything runs as root (CI and sessions do);
PostgreSQL runs as the `postgres` user. `Grappe.close()` stops every process and removes the
namespaces and the folder, whatever happened.

    with Grappe.built(lignes=60_000) as g:
        g.http()                     # a client through haproxy (this process lives on host « cli »)
        g.kill("app1"); g.start_app("app1")
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import boto3
import httpx
import sqlalchemy as sa
from tests.cluster.reseau import Reseau, run

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
HOSTS = {"lb": 5, "pg1": 11, "pg2": 12, "app1": 21, "app2": 22, "wk1": 31, "wk2": 32, "s3": 41, "cli": 100}
LEASE = 5
VALIDATIONS = 4  # open validations per minute per client address (the cluster shares them)
SECRET = "cle-de-la-grappe-" + "x" * 40
S3_KEY, S3_SECRET, BUCKET = "cle-grappe", "secret-grappe-jamais-journalise", "dataetat"
PASSWORD = "mot de passe de la grappe"
COMPTABLE = "comptable.53@exemple.gouv.fr"


def until(predicate: Callable[[], object], seconds: float, what: str, pause: float = 0.1):
    """Poll `predicate` until it returns something true; fails (French) after `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            if value := predicate():
                return value
        except Exception:  # noqa: BLE001 - not ready yet (connection refused, 5xx…): poll again
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"délai dépassé ({seconds} s) : {what}")
        time.sleep(pause)


def pg_bin() -> Path:
    return Path(
        sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))[-1]
    ).parent


class Grappe:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.net = Reseau(f"dg{os.getpid() % 10000}", HOSTS)
        self.procs: dict[str, subprocess.Popen] = {}
        self.pg = pg_bin()
        self._engines: dict[str, sa.engine.Engine] = {}

    # -- building ---------------------------------------------------------------------------------
    @classmethod
    @contextmanager
    def built(cls, lignes: int, workers: bool = True) -> Iterator[Grappe]:
        if os.geteuid() != 0:
            raise SystemExit("make test-cluster : il faut être root (ip netns, PostgreSQL sous postgres).")
        for tool in ("ip", "haproxy", "runuser"):
            if shutil.which(tool) is None:
                raise SystemExit(f"make test-cluster : « {tool} » manque (apt-get install haproxy iproute2).")
        folder = Path(tempfile.mkdtemp(prefix="dataetat-grappe-"))
        folder.chmod(0o755)
        g = cls(folder)
        try:
            g.net.create()
            g.net.enter("cli")  # from here on, this process speaks from host « cli » only
            g._postgres()
            g._data(lignes)
            g._object_store()
            for app in ("app1", "app2"):
                g.start_app(app)
            if workers:
                for worker in ("wk1", "wk2"):
                    g.start_worker(worker)
            g._haproxy()
            for app in ("app1", "app2"):
                until(lambda a=app: g.health(a), 60, f"le serveur {app} ne répond pas")
            until(lambda: g.http().get("/connexion").status_code == 200, 30, "haproxy ne répond pas")
            yield g
        finally:
            g.close()

    def _log(self, name: str):
        return open(self.folder / f"{name}.log", "ab")

    def start(self, name: str, host: str, argv: list[str], env: dict[str, str] | None = None) -> None:
        with self._log(name) as log:
            self.procs[name] = subprocess.Popen(
                self.net.argv(host, argv),
                env=os.environ | (env or {}),
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.folder,
                start_new_session=True,
            )

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        proc = self.procs.pop(name)
        proc.send_signal(sig)
        proc.wait(timeout=30)

    def postgres(self, host: str, *argv: str, timeout: float = 120) -> subprocess.CompletedProcess:
        command = self.net.argv(host, ["runuser", "-u", "postgres", "--", *argv])
        return subprocess.run(command, check=True, capture_output=True, text=True, timeout=timeout)

    def pg_ctl(self, host: str, action: str, *extra: str) -> None:
        data, log = self.folder / host, self.folder / f"{host}.log"
        self.postgres(
            host, str(self.pg / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-t", "90", action, *extra
        )

    def _pg_conf(self, host: str) -> None:
        sockets = self.folder / f"{host}-sockets"  # not in the data folder: pg_basebackup would copy its lock
        sockets.mkdir()
        shutil.chown(sockets, "postgres", "postgres")
        with open(self.folder / host / "postgresql.auto.conf", "a") as f:
            f.write(
                f"\nlisten_addresses = '{self.net.ip(host)}'\nport = 5432\nunix_socket_directories = '{self.folder / (host + '-sockets')}'\n"
                "fsync = off\nfull_page_writes = off\nwal_level = replica\nmax_wal_senders = 5\n"
                "hot_standby = on\nhot_standby_feedback = on\nmax_connections = 200\nshared_buffers = 64MB\n"
            )

    def _postgres(self) -> None:
        shutil.chown(self.folder, "postgres", "postgres")
        self.postgres("pg1", str(self.pg / "initdb"), "-D", str(self.folder / "pg1"), "-U", "postgres",
                      "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")  # fmt: skip
        with open(self.folder / "pg1" / "pg_hba.conf", "a") as f:
            f.write("host all all 10.77.0.0/24 trust\nhost replication all 10.77.0.0/24 trust\n")
        self._pg_conf("pg1")
        self.pg_ctl("pg1", "start")
        self.postgres("pg2", str(self.pg / "pg_basebackup"), "-h", self.net.ip("pg1"), "-U", "postgres",
                      "-D", str(self.folder / "pg2"), "-R", "-X", "stream", "--no-sync")  # fmt: skip
        self._pg_conf("pg2")
        self.pg_ctl("pg2", "start")
        with self.engine("pg1", "postgres").connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("CREATE DATABASE dataetat")

    def url(self, host: str, database: str = "dataetat") -> str:
        return f"postgresql+psycopg://postgres@{self.net.ip(host)}:5432/{database}"

    def engine(self, host: str, database: str = "dataetat") -> sa.engine.Engine:
        key = f"{host}/{database}"
        if key not in self._engines:
            self._engines[key] = sa.create_engine(
                self.url(host, database), pool_pre_ping=True, connect_args={"connect_timeout": 3}
            )
        return self._engines[key]

    def env(self, host: str) -> dict[str, str]:
        return {
            "DATAETAT_DATABASE_URL": self.url("pg1"),
            "DATAETAT_DATABASE_REPLICA_URLS": self.url("pg2"),
            "DATAETAT_SECRET_KEY": SECRET,
            "DATAETAT_TACHES_DANS_LE_SERVEUR": "false",
            "DATAETAT_TACHES_BAIL_SECONDES": str(LEASE),
            "DATAETAT_PROXYS_DE_CONFIANCE": self.net.ip("lb"),
            "DATAETAT_CONNEXIONS_MAX": "16",
            "DATAETAT_VALIDATION_PAR_MINUTE": str(VALIDATIONS),
            "DATAETAT_STOCKAGE_URL": f"s3://{BUCKET}/grappe",
            "DATAETAT_STOCKAGE_S3_ENDPOINT": f"http://{self.net.ip('s3')}:5000",
            "DATAETAT_STOCKAGE_S3_CLE": S3_KEY,
            "DATAETAT_STOCKAGE_S3_SECRET": S3_SECRET,
            # each host its own local folders: only the object store is shared
            "DATAETAT_DOSSIER_EXPORTS": str(self.folder / host / "exports"),
            "DATAETAT_DOSSIER_TELEVERSEMENTS": str(self.folder / host / "televersements"),
            "AWS_EC2_METADATA_DISABLED": "true",
        }

    def dataetat(self, *argv: str, input_: str | None = None, timeout: float = 600) -> str:
        """A `dataetat` command run on host « cli » (administration: db init, accounts, imports)."""
        command = self.net.argv("cli", [str(BIN / "dataetat"), *argv])
        done = subprocess.run(
            command,
            env=os.environ | self.env("cli"),
            input=input_,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert done.returncode == 0, f"dataetat {' '.join(argv)} : {done.stdout}\n{done.stderr}"
        return done.stdout

    def _data(self, lignes: int) -> None:
        from dataetat.demo.generator import generate

        self.dataetat("db", "init")
        files = generate(lignes, self.folder / "demo", exercices=(2022, 2023))
        self.dataetat("import", "chorus", *map(str, files.ae + files.cp), "--region", "53")
        for email, role in ((COMPTABLE, "COMPTABLE"), ("agent.limite@exemple.gouv.fr", "USERS")):
            self.dataetat("user", "add", "--email", email, "--role", role, "--region", "53",
                          "--mot-de-passe-stdin", input_=PASSWORD + "\n")  # fmt: skip

    def _object_store(self) -> None:
        self.start("s3", "s3", [str(BIN / "moto_server"), "-H", self.net.ip("s3"), "-p", "5000"])
        endpoint = f"http://{self.net.ip('s3')}:5000"
        client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                              aws_access_key_id=S3_KEY, aws_secret_access_key=S3_SECRET)  # fmt: skip
        until(lambda: client.create_bucket(Bucket=BUCKET) or True, 60, "le stockage S3 ne répond pas", 0.3)

    def start_app(self, host: str) -> None:
        self.start(host, host, [str(BIN / "dataetat"), "serve", "--host", self.net.ip(host), "--port", "8000"],
                   self.env(host))  # fmt: skip

    def start_worker(self, host: str) -> None:
        self.start(host, host, [str(BIN / "dataetat"), "worker"], self.env(host))

    def _haproxy(self) -> None:
        config = self.folder / "haproxy.cfg"
        config.write_text(
            f"""global
    maxconn 2000
defaults
    mode http
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    retries 3
    option redispatch 1
    retry-on conn-failure empty-response response-timeout 502 503 504
    option forwardfor
frontend web
    bind {self.net.ip("lb")}:80
    default_backend apps
backend apps
    balance roundrobin
    option httpchk GET /sante/pret
    http-check expect status 200
    default-server inter 500ms fall 2 rise 2
    server app1 {self.net.ip("app1")}:8000 check
    server app2 {self.net.ip("app2")}:8000 check
"""
        )
        self.start("haproxy", "lb", ["haproxy", "-db", "-f", str(config)])

    # -- using ------------------------------------------------------------------------------------
    def base(self, host: str = "lb") -> str:
        return f"http://{self.net.ip(host)}" + ("" if host == "lb" else ":8000")

    def http(self, host: str = "lb", cookies: dict[str, str] | None = None) -> httpx.Client:
        return httpx.Client(base_url=self.base(host), cookies=cookies, timeout=60, follow_redirects=False)

    def health(self, host: str) -> bool:
        """The server is ready (/sante/pret: its database answers, schema at head, files store), as
        haproxy's check asks."""
        with self.http(host) as client:
            return client.get("/sante/pret").status_code == 200

    def sql(self, host: str, statement: str, **params):
        with self.engine(host).connect() as conn:
            return conn.execute(sa.text(statement), params).scalar()

    # -- tearing down -----------------------------------------------------------------------------
    def close(self) -> None:
        for proc in list(self.procs.values()):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in list(self.procs.values()):
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
        self.procs.clear()
        for engine in self._engines.values():
            engine.dispose()
        for host in ("pg2", "pg1"):
            if (self.folder / host / "postmaster.pid").exists():
                try:
                    self.pg_ctl(host, "stop", "-m", "immediate")
                except (subprocess.SubprocessError, OSError):
                    pid = (self.folder / host / "postmaster.pid").read_text().split("\n")[0]
                    run("kill", "-9", pid, check=False)
        self.net.destroy()
        if os.environ.get("DATAETAT_GRAPPE_GARDER"):
            print(f"journaux gardés dans {self.folder}")
        else:
            shutil.rmtree(self.folder, ignore_errors=True)
