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
from django.db import connection
from django.db.models import QuerySet, Value
from django.db.models.expressions import RawSQL

PAGE_CACHE = "pages"
CODE_SUFFIXES = (".py", ".html")

logger = logging.getLogger(__name__)
T = TypeVar("T")


def cached(
    name: str,
    key: dict,
    compute: Callable[[], T],
    *,
    seconds: int | None = None,
    expired: Callable[[T], bool] | None = None,
) -> T:
    """The value `compute()` gives for `key`, computed once and then read from the page cache (for `seconds`, or as
    long as the cache keeps its values, or until `expired(value)` says it is out of date)."""
    cache_key = f"{name}:{key_digest(name, key)}"
    store = caches[PAGE_CACHE]
    try:
        value = store.get(cache_key)
    except Exception:
        logger.warning("The page cache could not be read: %s computed afresh.", name, exc_info=True)
        return compute()
    if value is None or (expired is not None and expired(value)):
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


# Stand for the numbers records_state is given while its query is compiled, once per process.
_PLACEHOLDERS = range(-7_031_931, -7_031_931 - 10, -1)


def records_state(name: str, record_sets: Callable[..., list[QuerySet]], **numbers: int) -> str | None:
    """A digest that changes whenever any row of `record_sets(**numbers)` changes, appears or goes: one query,
    whatever wrote the row (a service, the admin, a queryset's update(), a migration), or None where the database
    cannot tell (SQLite: the embedded mode reads the records every time).

    PostgreSQL gives every version of a row the number of the transaction that wrote it (the `xmin` system
    column), so the sorted list of (record set, id, xmin) of the rows a page reads names the state of exactly those
    rows. A key built on it cannot serve a page older than what it was made from, as long as the page's records are
    read after the digest and every row the page shows is in one of the record sets.

    A transaction that has written anything gets None: rows it writes twice keep one number, so a state read
    between the two writes would name both, and what it sees may yet be rolled back."""
    if connection.vendor != "postgresql":
        return None
    sql, params = _records_state_query(name, record_sets, tuple(numbers))
    stand_ins = dict(zip(_PLACEHOLDERS, numbers.values(), strict=False))
    with connection.cursor() as cursor:
        cursor.execute(sql, [stand_ins.get(param, param) for param in params])
        return cursor.fetchone()[0]


_state_queries: dict[tuple, tuple[str, list]] = {}


def _records_state_query(name: str, record_sets: Callable[..., list[QuerySet]], names: tuple[str, ...]):
    """The SQL of records_state and its parameters, the numbers' placeholders among them: compiled by the ORM once
    per process, as compiling it costs more than running it. Each record set is read straight off its own filter
    (PostgreSQL plans a few simple reads much faster than the same rows joined)."""
    if (name, names) not in _state_queries:
        parts, params = [], []
        placeholders = dict(zip(names, _PLACEHOLDERS, strict=False))
        for number, records in enumerate(record_sets(**placeholders)):
            table = connection.ops.quote_name(records.model._meta.db_table)
            rows = records.order_by().annotate(
                record_set=Value(f"{number}:{records.model._meta.label}"),
                version=RawSQL(f"{table}.xmin::text", ()),  # noqa: S611 - the model's own table name
            )
            sql, part_params = rows.values_list("record_set", "pk", "version").query.sql_with_params()
            parts.append(f"({sql})")
            params += part_params
        digest = "md5(string_agg(concat_ws(':', r.record_set, r.id, r.version), ',' ORDER BY r.record_set, r.id))"
        rows = " UNION ALL ".join(parts)  # each compiled by the ORM
        # Nothing for a transaction that has written: see records_state.
        sql = f"SELECT CASE WHEN pg_current_xact_id_if_assigned() IS NULL THEN {digest} END FROM ({rows})"  # noqa: S608
        _state_queries[name, names] = (f"{sql} AS r(record_set, id, version)", params)
    return _state_queries[name, names]
