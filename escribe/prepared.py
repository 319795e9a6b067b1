"""Querysets compiled once, then run with fresh values: for the queries every public page makes.

Building and compiling a queryset costs Django about half a millisecond,
ten to twenty times what SQLite takes to answer the small queries a page
makes. A page makes eight of them, so the ORM's bookkeeping, not the
database, was most of an uncached page's time (docs/PERFORMANCE.md).

A `Prepared` builds its queryset once per thread, from the same manager
methods as everywhere else (`Post.objects.published()` stays the one
definition of "public"), with placeholder values in the slots that change
from call to call. It keeps the SQL and where each placeholder landed in the
parameters; each call swaps in the real values, runs the SQL and turns rows
into model instances (or tuples for `values_list`) with Django's own
converters. A placeholder the SQL does not carry as a plain parameter (a
transform, say) is refused at the first call, so a builder can't quietly
drop a slot.

Two things the checks cannot see, so builders must not do them:
- compute with a slot (`now - timedelta(days=7)`): the result is computed
  once, from the placeholder. Pass the computed value as a slot of its own.
- read anything that changes (the clock, a setting, the date): it is read
  once per thread. A builder whose SQL differs between two builds (one
  that reads timezone.now(), say) is refused; a value that changes more
  slowly, like timezone.localdate(), would slip through.

It is not a cache: every call runs its query, and nothing read is kept.
"""

import threading
from datetime import UTC, datetime

from django.core.exceptions import ImproperlyConfigured
from django.db import connections
from django.db.models.query import FlatValuesListIterable, ModelIterable, ValuesListIterable


class Slot:
    """A value that changes from call to call: its placeholder and how the database receives it."""

    kinds = ("int", "text", "datetime")

    def __init__(self, kind):
        if kind not in self.kinds:
            raise ValueError(f"unknown slot kind {kind!r} (one of {', '.join(self.kinds)})")
        self.kind = kind

    def placeholder(self, index):
        # Values no real call would pass, distinct per slot.
        if self.kind == "int":
            return 7_340_021_000_000 + index
        if self.kind == "text":
            # Any escaping or case folding (LIKE lookups, say) changes it, so such a slot is refused.
            return f"\x00Prepared_%\\Slot{index}\x00"
        return datetime(1, 2, 3, 4, 5, 6, 7000 + index, tzinfo=UTC)

    def adapt(self, value, connection):
        if self.kind == "datetime":
            if value.tzinfo is None:
                raise ValueError("a datetime slot takes aware datetimes")
            return connection.ops.adapt_datetimefield_value(value)
        if self.kind == "int":
            return int(value)
        return str(value)


class _Compiled:
    """One thread's compiled form of a Prepared: SQL, slot positions, how rows become results."""

    def __init__(self, prepared, connection):
        self.connection = connection
        placeholders = {name: slot.placeholder(index) for index, (name, slot) in enumerate(prepared.slots.items())}
        try:
            queryset = prepared.build(**placeholders)
            compiler = queryset.query.get_compiler(using=queryset.db)
            self.sql, params = compiler.as_sql()
        except (ValueError, TypeError, OverflowError) as error:
            raise ImproperlyConfigured(
                f"{prepared.name}: cannot build with placeholders ({error}); is each slot a plain parameter?"
            ) from error
        if queryset._prefetch_related_lookups or queryset.query.select_related:
            raise ImproperlyConfigured(f"{prepared.name}: prepared querysets cannot prefetch or select related rows")
        self.params = list(params)
        # A value the builder reads for itself (timezone.now(), say) would be
        # frozen into every later call: build again and insist nothing moved.
        again = prepared.build(**placeholders).query.get_compiler(using=queryset.db).as_sql()
        if again != (self.sql, params):
            raise ImproperlyConfigured(
                f"{prepared.name}: the query changes from one build to the next; pass what changes as a slot"
            )
        self.slots = []  # (position in params, slot name)
        for name, slot in prepared.slots.items():
            wanted = slot.adapt(placeholders[name], connection)
            positions = [i for i, param in enumerate(self.params) if type(param) is type(wanted) and param == wanted]
            if not positions:
                raise ImproperlyConfigured(
                    f"{prepared.name}: slot {name!r} is not a plain parameter of the SQL (a transform or a constant?)"
                )
            self.slots += [(position, name) for position in positions]
        self.kinds = prepared.slots
        self.iterable = queryset._iterable_class
        fields = [column[0] for column in compiler.select[: compiler.col_count]]
        self.compiler = compiler
        self.converters = compiler.get_converters(fields)
        if self.iterable is ModelIterable:
            klass_info = compiler.klass_info
            self.model = klass_info["model"]
            select_fields = klass_info["select_fields"]
            self.model_span = slice(select_fields[0], select_fields[-1] + 1)
            self.attnames = [column[0].target.attname for column in compiler.select[self.model_span]]
            self.annotations = list(compiler.annotation_col_map.items())
            self.db = queryset.db
        elif self.iterable not in (ValuesListIterable, FlatValuesListIterable):
            raise ImproperlyConfigured(f"{prepared.name}: only model and values_list querysets can be prepared")

    def run(self, values):
        params = list(self.params)
        for position, name in self.slots:
            params[position] = self.kinds[name].adapt(values[name], self.connection)
        with self.connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            rows = cursor.fetchall()
        if self.converters:
            rows = self.compiler.apply_converters(rows, self.converters)
        if self.iterable is FlatValuesListIterable:
            return [row[0] for row in rows]
        if self.iterable is ValuesListIterable:
            return [tuple(row) for row in rows]
        results = []
        for row in rows:
            instance = self.model.from_db(self.db, self.attnames, row[self.model_span])
            for name, position in self.annotations:
                setattr(instance, name, row[position])
            results.append(instance)
        return results


class Prepared:
    """A queryset built once per thread by `build(**placeholders)` and run with new values each call.

        older = Prepared("older post",
                         lambda now, at: Post.objects.published(now).filter(published_at__lt=at)[:1],
                         now="datetime", at="datetime")
        older.first(now=timezone.now(), at=post.published_at)
    """

    def __init__(self, name, build, using="default", **slots):
        self.name = name
        self.build = build
        self.using = using
        self.slots = {slot_name: Slot(kind) for slot_name, kind in slots.items()}
        self._local = threading.local()

    def _compiled(self):
        connection = connections[self.using]
        compiled = getattr(self._local, "compiled", None)
        if compiled is None or compiled.connection is not connection:
            compiled = self._local.compiled = _Compiled(self, connection)
        return compiled

    def all(self, **values):
        missing = self.slots.keys() - values.keys()
        if missing or values.keys() - self.slots.keys():
            raise TypeError(f"{self.name}: takes exactly {', '.join(sorted(self.slots)) or 'no values'}")
        return self._compiled().run(values)

    def first(self, **values):
        results = self.all(**values)
        return results[0] if results else None
