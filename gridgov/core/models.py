"""The one abstract base model: timestamps, the scoped manager, automatic change logging."""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import connections, models
from django.utils.choices import CallableChoiceIterator
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable
from django.utils.translation import gettext_lazy as _

from gridgov.core.roles import BUSINESS_ROLES


def scope_prefix(user) -> str | None:
    """The place code whose subtree ``user`` may read and write, or None for no business data.

    This is the only place that turns an account into a data scope.
    """
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    if user.role not in BUSINESS_ROLES or user.place_id is None:
        return None
    return user.place.code


def in_scope(user, path: str) -> bool:
    """Whether a place path lies in ``user``'s scope: the `for_user` rule (`scope_prefix`, then `within`) for one
    path in hand. Digit paths, so "starts with the prefix" is exactly the `within` range."""
    prefix = scope_prefix(user)
    return prefix is not None and path.startswith(prefix)


class ScopedQuerySet(models.QuerySet):
    def for_user(self, user) -> ScopedQuerySet:
        """Rows under the user's place (a single indexed prefix match), or none."""
        prefix = scope_prefix(user)
        if prefix is None:
            return self.none()
        return self.within(prefix)

    def within(self, code: str) -> ScopedQuerySet:
        return self.filter(**{f"{self.model.scope_path}__within": code})


ScopedManager = models.Manager.from_queryset(ScopedQuerySet)

_LABELS = "_gridgov_choice_labels"
_INSERTS: dict[tuple, str | None] = {}


def _insert_statement(model, using: str, fields, returning_fields) -> str | None:
    """The INSERT the ORM would compile for one ``model`` row of ``fields`` (RETURNING ``returning_fields``),
    built once per model, database and field list; None where a field needs more than a plain placeholder."""
    connection = connections[using]
    if returning_fields and not connection.features.can_return_columns_from_insert:
        return None
    table = model._meta.db_table
    plain_binary = connection.ops.binary_placeholder_sql(b"") == "%s"  # SQLite, PostgreSQL
    for field in fields:
        if hasattr(field, "get_placeholder") and not (isinstance(field, models.BinaryField) and plain_binary):
            return None
    for field in returning_fields or ():
        if connection.ops.get_db_converters(field.get_col(table)) or field.get_db_converters(connection):
            return None
    qn = connection.ops.quote_name
    sql = (
        f"{connection.ops.insert_statement()} {qn(table)} ({', '.join(qn(f.column) for f in fields)})"
        f" VALUES ({', '.join(['%s'] * len(fields))})"
    )
    if returning_fields:
        returning, params = connection.ops.return_insert_columns(returning_fields)
        if params:
            return None
        sql = f"{sql} {returning}"
    return sql


def choice_labels(field) -> dict:
    """A choice field's {value: label}, built once per field. The labels stay lazy (so they follow the
    language of each request); only the values are hashed."""
    choices = field.choices
    cached = field.__dict__.get(_LABELS)
    if cached is None or cached[0] is not choices:  # built for these choices (they may be replaced)
        cached = field.__dict__[_LABELS] = (choices, {make_hashable(v): label for v, label in field.flatchoices})
    return cached[1]


class BaseModel(models.Model):
    """Timestamps, `objects.for_user()`, and field-level history through `gridgov.audit`.

    Subclasses name the column that carries their materialized place path in ``scope_path``.
    """

    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = ScopedManager()

    scope_path: ClassVar[str] = "path"
    audit_exclude: ClassVar[frozenset[str]] = frozenset({"created_at", "updated_at"})

    class Meta:
        abstract = True

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._loaded_row = (field_names, values)  # turned into a dict only if the row is saved
        return instance

    def _do_insert(self, manager, using, fields, returning_fields, raw):
        """One row's INSERT, as the ORM does it, with the statement built once per model and field list instead
        of compiled on every save (a third of the cost of a small create). Anything unusual (raw saves,
        expressions as values, fields with their own placeholders) takes Django's own path."""
        if raw or not fields:
            return super()._do_insert(manager, using, fields, returning_fields, raw)
        connection = connections[using]
        model = manager.model  # the table written: a parent's own under multi-table inheritance
        pk = model._meta.pk
        if getattr(connection, "batch", None) is not None and list(returning_fields or ()) == [pk] and pk not in fields:
            # A batched transaction (core.writes): the id is taken now, so the INSERT needs no RETURNING.
            setattr(self, pk.attname, connection.take_id(model._meta.db_table))
            fields, returning_fields = [pk, *fields], ()
            self._do_insert(manager, using, fields, returning_fields, raw)
            return [(getattr(self, pk.attname),)]
        key = (model, using, tuple(fields), tuple(returning_fields or ()))
        try:
            sql = _INSERTS[key]
        except KeyError:
            sql = _INSERTS[key] = _insert_statement(model, using, fields, returning_fields)
        if sql is None:
            return super()._do_insert(manager, using, fields, returning_fields, raw)
        params = []
        for field in fields:
            value = field.pre_save(self, add=True)
            if hasattr(value, "resolve_expression"):
                return super()._do_insert(manager, using, fields, returning_fields, raw)
            params.append(field.get_db_prep_save(value, connection=connection))
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            if not returning_fields:
                return []
            return [connection.ops.fetch_returned_insert_columns(cursor, ())]

    def _get_FIELD_display(self, field):
        """``get_<field>_display()`` as Django's, without hashing every lazy label on every call (Django builds
        the whole value-to-label dict each time, and hashing a lazy label translates it)."""
        if isinstance(field.choices, CallableChoiceIterator):  # computed anew each time: Django's way
            return super()._get_FIELD_display(field)
        value = getattr(self, field.attname)
        return force_str(choice_labels(field).get(make_hashable(value), value), strings_only=True)

    def audit_values(self) -> dict[str, Any]:
        """Field values as the audit log records them (secrets by their masks only)."""
        out: dict[str, Any] = {}
        for field in self._meta.concrete_fields:
            if field.attname in self.audit_exclude or isinstance(field, models.BinaryField):
                continue
            value = getattr(self, field.attname)
            out[field.attname] = value if isinstance(value, (int, float, bool, str, type(None))) else str(value)
        return out

    def audit_before(self) -> dict[str, Any] | None:
        row = getattr(self, "_loaded_row", None)
        if row is None:
            return None
        loaded = dict(zip(*row, strict=True))
        out: dict[str, Any] = {}
        for field in self._meta.concrete_fields:
            if field.attname in self.audit_exclude or isinstance(field, models.BinaryField):
                continue
            if field.attname in loaded:
                value = loaded[field.attname]
                out[field.attname] = value if isinstance(value, (int, float, bool, str, type(None))) else str(value)
        return out

    def remember_saved_state(self) -> None:
        fields = self._meta.concrete_fields
        self._loaded_row = ([f.attname for f in fields], [getattr(self, f.attname) for f in fields])
