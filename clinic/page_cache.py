"""What pages derive from records that do not change, computed once for each state of those records and then read
from the page cache (settings.CACHES["pages"]: Redis when REDIS_URL is set, shared by every process; otherwise each
process's memory).

A value's key names everything the value depends on: the clinic, the patient, the records and their versions (with
the times they were made, so that a record made again under the same number after a database restore is another
key), today's date, the reader's role. It is hashed together with the code that computes and renders the value, so a
value never reaches a page it was not made for, and a deploy never serves what older code rendered. A key holds no
patient data: only numbers and times.

The cache failing (Redis down) never fails a page: the value is computed as if nothing were cached.
"""

import hashlib
import json
import logging
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import TypeVar

from django.apps import apps
from django.conf import settings
from django.core.cache import caches

PAGE_CACHE = "pages"
CODE_SUFFIXES = (".py", ".html")

logger = logging.getLogger(__name__)
T = TypeVar("T")


def cached(name: str, key: dict, compute: Callable[[], T], *, seconds: int | None = None) -> T:
    """The value `compute()` gives for `key`, computed once and then read from the page cache (for `seconds`, or as
    long as the cache keeps its values)."""
    cache_key = f"{name}:{key_digest(name, key)}"
    store = caches[PAGE_CACHE]
    try:
        value = store.get(cache_key)
    except Exception:
        logger.warning("The page cache could not be read: %s computed afresh.", name, exc_info=True)
        return compute()
    if value is None:
        value = compute()
        try:
            store.set(cache_key, value, **({"timeout": seconds} if seconds else {}))
        except Exception:
            logger.warning("The page cache could not be written: %s not kept.", name, exc_info=True)
    return value


def key_digest(name: str, key: dict) -> str:
    text = json.dumps([code_version(), name, key], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


@cache
def code_version() -> str:
    """A digest of the project's own code and templates (its apps and template folders), read once per process."""
    base = Path(settings.BASE_DIR).resolve()
    folders = [Path(config.path).resolve() for config in apps.get_app_configs()]
    folders += [Path(folder).resolve() for engine in settings.TEMPLATES for folder in engine.get("DIRS", [])]
    digest = hashlib.sha256()
    own = {folder for folder in folders if folder.is_relative_to(base) and "site-packages" not in folder.parts}
    for folder in sorted(own):
        for path in sorted(folder.rglob("*")):
            if path.suffix in CODE_SUFFIXES and "migrations" not in path.parts:
                digest.update(str(path.relative_to(base)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()
