"""A local S3-compatible server for the tests: moto's server mode on 127.0.0.1, a free port, in a
thread that the fixture stops (and checks stopped). The application speaks to it over real HTTP
with boto3, as it would to MinIO or Garage."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import boto3
from moto.server import ThreadedMotoServer
from pydantic import SecretStr

KEY, SECRET = "cle-de-test", "secret-de-test-jamais-journalise"


@contextmanager
def s3_server() -> Iterator[str]:
    """Start the server; yields its endpoint URL; stops it and checks its thread ended."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()
        assert not server._thread.is_alive(), "le serveur S3 de test tourne encore"


def _client(endpoint: str):
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=KEY,
        aws_secret_access_key=SECRET,
    )


def s3_settings(settings, endpoint: str, bucket: str | None = None, **more):
    """These settings pointed at a new bucket of the local server (created here)."""
    bucket = bucket or f"dataetat-{uuid.uuid4().hex[:12]}"
    client = _client(endpoint)
    client.create_bucket(Bucket=bucket)
    return settings.model_copy(
        update={
            "stockage_url": f"s3://{bucket}/instance-a",
            "stockage_s3_endpoint": endpoint,
            "stockage_s3_cle": KEY,
            "stockage_s3_secret": SecretStr(SECRET),
            **more,
        }
    )


def objects(endpoint: str, bucket: str, prefix: str = "") -> dict[str, bytes]:
    client = _client(endpoint)
    keys = [o["Key"] for o in client.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])]
    return {k: client.get_object(Bucket=bucket, Key=k)["Body"].read() for k in keys}
