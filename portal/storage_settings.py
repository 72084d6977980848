"""The STORAGES entry of uploads on S3-compatible storage (portal/storage.py), kept apart so the
settings module builds it without importing boto3."""


def s3_upload_storage(*, bucket: str, endpoint_url: str | None, region: str | None, access_key: str | None,
                      secret_key: str | None) -> dict:
    """The STORAGES["default"] entry for uploads on S3-compatible storage."""
    return {
        "BACKEND": "portal.storage.PrivateS3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": endpoint_url,
            "region_name": region or None,
            "access_key": access_key,
            "secret_key": secret_key,
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
            # An S3File (write mode, or a read that bypasses `_open`) spools to disk past 2.5 MiB.
            "max_memory_size": 2_621_440,
        },
    }
