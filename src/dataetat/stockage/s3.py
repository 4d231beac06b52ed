"""The store in an S3-compatible object store (boto3): MinIO, Garage, Ceph, sovereign clouds.

Keys and secrets come from the settings (`stockage_s3_cle`, `stockage_s3_secret`, or the usual
AWS_* variables when empty), never from the URL, never logged. Path-style addressing (what MinIO
and Garage expect) unless `stockage_s3_adressage=virtual`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

from dataetat.stockage.base import CHUNK, Entree, Introuvable, Store

log = logging.getLogger("dataetat.stockage")
MIN_PART = 5 * 1024 * 1024  # S3's smallest multipart part (but the last)


def parse_url(url: str) -> tuple[str, str]:
    """`s3://bucket/some/prefix` → ("bucket", "some/prefix/")."""
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.netloc or "@" in parts.netloc:
        raise ValueError(
            "DATAETAT_STOCKAGE_URL : attendu s3://seau/prefixe (les clés se donnent par "
            "DATAETAT_STOCKAGE_S3_CLE et DATAETAT_STOCKAGE_S3_SECRET, jamais dans l'adresse)."
        )
    prefix = parts.path.strip("/")
    return parts.netloc, f"{prefix}/" if prefix else ""


def client_of(settings):
    import boto3
    from botocore.config import Config

    secret = settings.stockage_s3_secret.get_secret_value() if settings.stockage_s3_secret else None
    config = Config(
        s3={"addressing_style": settings.stockage_s3_adressage},
        connect_timeout=settings.stockage_s3_delai_s,
        read_timeout=max(settings.stockage_s3_delai_s, 60),
        retries={"max_attempts": 3, "mode": "standard"},
    )
    return boto3.session.Session().client(
        "s3",
        endpoint_url=settings.stockage_s3_endpoint or None,
        region_name=settings.stockage_s3_region or None,
        aws_access_key_id=settings.stockage_s3_cle or None,
        aws_secret_access_key=secret or None,
        config=config,
    )


def _missing(exc) -> bool:
    code = str(getattr(exc, "response", {}).get("Error", {}).get("Code", ""))
    return code in ("404", "NoSuchKey", "NotFound")


class S3Store(Store):
    def __init__(self, client, bucket: str, prefix: str = "") -> None:
        self.client, self.bucket, self.prefix = client, bucket, prefix

    def __repr__(self) -> str:  # no credentials in it
        return f"S3Store(s3://{self.bucket}/{self.prefix})"

    def _k(self, key: str) -> str:
        if key.startswith("/") or ".." in key.split("/"):
            raise ValueError(f"clé invalide : {key}")
        return self.prefix + key

    def key(self, *parts: str) -> str:
        return "/".join(parts)

    def put(self, key: str, source: Path) -> None:
        # upload_file: multipart beyond 8 MiB, completed only when every part is there.
        self.client.upload_file(str(source), self.bucket, self._k(key))

    def put_bytes(self, key: str, data: bytes) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self._k(key), Body=data)

    def create(self, key: str, data: bytes) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.put_object(Bucket=self.bucket, Key=self._k(key), Body=data, IfNoneMatch="*")
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in (
                "PreconditionFailed",
                "412",
                "ConditionalRequestConflict",
            ):
                return False
            raise
        return True

    def iter(self, key: str, chunk: int = CHUNK) -> Iterator[bytes]:
        from botocore.exceptions import ClientError

        try:
            response = self.client.get_object(Bucket=self.bucket, Key=self._k(key))
        except ClientError as exc:
            if _missing(exc):
                raise Introuvable(key) from None
            raise
        body, left = response["Body"], response["ContentLength"]
        try:  # read the announced length, never wait for the store to close the stream (cluster test:
            while left > 0:  # iter_chunks waited for the read timeout, 60 s, after the last byte)
                data = body.read(min(chunk, left))
                if not data:
                    break
                left -= len(data)
                yield data
        finally:
            body.close()

    def size(self, key: str) -> int | None:
        from botocore.exceptions import ClientError

        try:
            return self.client.head_object(Bucket=self.bucket, Key=self._k(key))["ContentLength"]
        except ClientError as exc:
            if _missing(exc):
                return None
            raise

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._k(key))

    def _listing(self, prefix: str) -> Iterator[dict]:
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix + prefix):
            yield from page.get("Contents", [])

    def delete_prefix(self, prefix: str) -> None:
        keys = [o["Key"] for o in self._listing(prefix.rstrip("/") + "/")]
        for start in range(0, len(keys), 1000):
            batch = [{"Key": k} for k in keys[start : start + 1000]]
            self.client.delete_objects(Bucket=self.bucket, Delete={"Objects": batch, "Quiet": True})

    def entries(self, prefix: str = "") -> Iterator[Entree]:
        for o in self._listing(prefix.rstrip("/") + "/" if prefix else ""):
            yield Entree(o["Key"][len(self.prefix) :], o["Size"], o["LastModified"].timestamp())

    def reachable(self) -> bool:
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except Exception as exc:  # noqa: BLE001 - a probe answers, never raises
            log.warning("stockage S3 injoignable : %s", type(exc).__name__)
            return False
        return True

    def concat(self, parts: list[str], key: str) -> None:
        sizes = [self.size(p) or 0 for p in parts]
        if len(parts) == 1 or any(s < MIN_PART for s in sizes[:-1]):
            self._concat_through_here(parts, key)
            return
        # Server side: a multipart upload whose parts are copies of the chunks (no byte through us).
        target = self._k(key)
        upload = self.client.create_multipart_upload(Bucket=self.bucket, Key=target)["UploadId"]
        try:
            done = []
            for number, part in enumerate(parts, start=1):
                answer = self.client.upload_part_copy(
                    Bucket=self.bucket,
                    Key=target,
                    UploadId=upload,
                    PartNumber=number,
                    CopySource={"Bucket": self.bucket, "Key": self._k(part)},
                )
                done.append({"PartNumber": number, "ETag": answer["CopyPartResult"]["ETag"]})
            self.client.complete_multipart_upload(
                Bucket=self.bucket, Key=target, UploadId=upload, MultipartUpload={"Parts": done}
            )
        except BaseException:
            self.client.abort_multipart_upload(Bucket=self.bucket, Key=target, UploadId=upload)
            raise

    def _concat_through_here(self, parts: list[str], key: str) -> None:
        from dataetat import scratch

        folder = scratch.make("import")
        try:
            target = folder / "assemblage"
            with target.open("wb") as out:
                for part in parts:
                    for block in self.iter(part):
                        out.write(block)
            self.put(key, target)
        finally:
            import shutil

            shutil.rmtree(folder, ignore_errors=True)
