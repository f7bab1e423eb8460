"""The one abstract base model: timestamps, the scoped manager, automatic change logging."""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import models


def scope_prefix(user) -> str | None:
    """The place code whose subtree ``user`` may read and write, or None for no business data.

    This is the only place that turns an account into a data scope.
    """
    from gridgov.accounts.choices import BUSINESS_ROLES

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


class BaseModel(models.Model):
    """Timestamps, `objects.for_user()`, and field-level history through `gridgov.audit`.

    Subclasses name the column that carries their materialized place path in ``scope_path``.
    """

    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

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
