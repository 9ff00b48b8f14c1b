"""The file store (`STORAGES["default"]`, clinic/settings.py): the folder MEDIA_ROOT on one machine, or a bucket on an
S3-compatible service shared by every web and worker machine (RUNBACK_S3_BUCKET).

Code reads and writes files through Django's storage API only, so it works the same on both. What differs is how the
store fails: a folder raises `OSError`; S3 raises botocore's and boto3's own errors when the service can't be reached,
times out, or refuses the request (a missing object is still `FileNotFoundError`). `STORE_UNREACHABLE` names those,
so that the render task retries them as passing failures and a download says the store is out of reach rather than
that the file is lost.
"""

from boto3.exceptions import Boto3Error
from botocore.exceptions import BotoCoreError, ClientError

# The S3-compatible service out of reach, too slow, or refusing (botocore's connection and timeout errors are
# BotoCoreError; the service's own answers, 5xx and "slow down" among them, are ClientError; a failed upload is
# boto3's S3UploadFailedError, a Boto3Error).
STORE_UNREACHABLE = (BotoCoreError, ClientError, Boto3Error)


class FileStoreUnavailable(Exception):
    """The file store could not be reached: the file may well be there, but can't be read now."""
