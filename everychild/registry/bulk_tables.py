"""Writing many rows of a few models at once: COPY on PostgreSQL, one ``executemany`` per
table on SQLite. No model instance per row: a row is a dict of attribute names, and each
column is converted once per value by a converter chosen from its field's type (encryption
for encrypted fields, JSON text, UUID and date forms per database). Columns a row leaves out
take the field's default, so a field added to a model later is still written.
"""

import json
from collections.abc import Callable, Iterable
from datetime import date
from typing import Any
from uuid import UUID

from django.db import connection, models
from django.utils import timezone
from uuid_utils import uuid7 as fast_uuid7

from everychild.core.crypto import encrypt
from everychild.core.fields import EncryptedBinaryField, EncryptedTextField

Converter = Callable[[Any], Any]


def _encrypted(value: Any) -> Any:
    return encrypt(str(value)) if value not in (None, "") else value


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _sqlite_uuid(value: Any) -> Any:
    """SQLite keeps a UUID as 32 hex digits; bulk rows carry ids as text (``new_id``)."""
    if value is None or isinstance(value, UUID):
        return value.hex if value is not None else None
    return str(value).replace("-", "")


def _pg_uuid(value: Any) -> Any:
    return value if value is None or isinstance(value, UUID | str) else str(value)


def new_id() -> str:
    """A UUIDv7 primary key as text (several times faster to make than a ``uuid.UUID``)."""
    return str(fast_uuid7())


def _sqlite_date(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _same(value: Any) -> Any:
    return value


def _converter(field: models.Field, vendor: str) -> Converter:
    if isinstance(field, EncryptedBinaryField):
        return lambda value: field.get_db_prep_save(value, connection)
    if isinstance(field, EncryptedTextField):
        return _encrypted
    if isinstance(field, models.JSONField):
        return _json
    target = field.target_field if isinstance(field, models.ForeignKey) else field
    if vendor == "postgresql" and isinstance(target, models.UUIDField):
        return _pg_uuid
    if vendor == "sqlite":
        if isinstance(target, models.UUIDField):
            return _sqlite_uuid
        if isinstance(field, models.DateTimeField):
            return lambda value: connection.ops.adapt_datetimefield_value(value)
        if isinstance(field, models.DateField):
            return _sqlite_date
    return _same


class Table:
    """One model's columns, converters and defaults, for ``write``."""

    def __init__(self, model: type[models.Model]) -> None:
        vendor = connection.vendor
        fields = [f for f in model._meta.concrete_fields  # the database numbers AutoFields
                  if not isinstance(f, models.AutoField)]
        self.model = model
        self.names = [f.attname for f in fields]
        self.columns = [f.column for f in fields]
        self.converters = [_converter(f, vendor) for f in fields]
        self._defaults = {f.attname: f for f in fields}

    def defaults(self) -> dict[str, Any]:
        """Each field's default, computed once per batch (``timezone.now`` included); a field
        with neither a default nor NULL allowed has none, and every row must give it."""
        values: dict[str, Any] = {}
        for name, field in self._defaults.items():
            if isinstance(field, models.DateTimeField) and (field.auto_now or field.auto_now_add):
                values[name] = timezone.now()
            elif field.has_default():
                values[name] = field.get_default()
            elif field.null:
                values[name] = None
            elif field.blank and field.empty_strings_allowed:
                values[name] = ""
        return values

    def tuples(self, rows: Iterable[dict[str, Any]]) -> Iterable[tuple[Any, ...]]:
        defaults = self.defaults()
        pairs = list(zip(self.names, self.converters, strict=True))
        stored = {name: convert(defaults[name])  # each default converted once per batch
                  for name, convert in pairs if name in defaults}
        for row in rows:
            try:
                yield tuple(convert(row[name]) if name in row else stored[name]
                            for name, convert in pairs)
            except KeyError as exc:
                raise ValueError(f"{self.model.__name__}: no value for {exc}") from None


_TABLES: dict[tuple[type[models.Model], str], Table] = {}


def table(model: type[models.Model]) -> Table:
    key = (model, connection.vendor)
    if key not in _TABLES:
        _TABLES[key] = Table(model)
    return _TABLES[key]


def write(model: type[models.Model], rows: list[dict[str, Any]]) -> int:
    """Insert ``rows`` (dicts of attribute names; ``id`` included) into ``model``'s table, in
    the current transaction. Returns the number of rows."""
    if not rows:
        return 0
    spec = table(model)
    name = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in spec.columns)
    with connection.cursor() as wrapper:
        if connection.vendor == "postgresql":
            with wrapper.cursor.copy(f"COPY {name} ({columns}) FROM STDIN") as copy:
                for values in spec.tuples(rows):
                    copy.write_row(values)
        else:
            marks = ", ".join(["%s"] * len(spec.columns))
            wrapper.executemany(f"INSERT INTO {name} ({columns}) VALUES ({marks})",  # noqa: S608 - quoted model names
                                list(spec.tuples(rows)))
    return len(rows)
