"""What a restore takes from a backup: the tables E-Scribe's migrations create, their rows and indexes; nothing else.

A backup is a file anyone could have handed the author. Taken whole, a
SQLite copy carries its triggers and views into the live database (a trigger
could approve every new comment), and a view may never finish (a recursive
one hung the preview). So before anything reads a backup, its schema is
judged from its text alone (sqlite_master, or pg_restore --list) and only
the known tables are read: the tables of the installed models (Django's own,
the apps', their many-to-many tables) and django_migrations, with their
indexes and constraints, and on SQLite the full-text tables built on them
(FTS5, which search keeps beside the posts). Every other object is left out
and named; a known name that is not a plain table (a view called blog_post)
refuses the backup, since restoring without that table would break the blog.
"""

import re
from dataclasses import dataclass, field

from django.apps import apps


class Unrestorable(Exception):
    """The backup holds something in place of one of E-Scribe's tables; the message says what."""


def known_tables():
    tables = {model._meta.db_table for model in apps.get_models(include_auto_created=True)}
    return {name.lower() for name in tables} | {"django_migrations"}


def unmanaged_tables():
    """Tables an app's migration makes itself (Django does not): only these may be full-text tables."""
    return {model._meta.db_table.lower() for model in apps.get_models() if not model._meta.managed}


@dataclass
class Judged:
    """Objects a restore keeps, and the ones it leaves out (as 'view blog_stats')."""

    tables: set[str] = field(default_factory=set)  # plain tables whose rows may be read
    refused: list[str] = field(default_factory=list)
    drop: list[tuple[str, str]] = field(default_factory=list)  # (kind, name), triggers first


# SQLite.

CREATE_TABLE = re.compile(r"\s*CREATE\s+TABLE\s", re.IGNORECASE)
CREATE_INDEX = re.compile(r"\s*CREATE\s+(UNIQUE\s+)?INDEX\s", re.IGNORECASE)
VIRTUAL = re.compile(r"\s*CREATE\s+VIRTUAL\s+TABLE\s+(?P<name>\S+)\s+USING\s+(?P<module>\w+)\s*\((?P<args>.*)\)\s*$",
                     re.IGNORECASE | re.DOTALL)  # fmt: skip
# An FTS5 table with an external content table reads that table (a view, say) to check or rebuild itself.
READS_ANOTHER_TABLE = re.compile(r"\bcontent(_rowid)?\s*=", re.IGNORECASE)
FTS5_SHADOWS = ("_data", "_idx", "_content", "_docsize", "_config")
# SQLite's own bookkeeping of AUTOINCREMENT, which Django's tables use.
SQLITE_SEQUENCE = "sqlite_sequence"


def judge_sqlite(schema):
    """Judge the rows of a backup's sqlite_master (type, name, tbl_name, sql); raises Unrestorable.

    The type and name columns can be trusted: SQLite refuses to open a schema
    whose rows claim other kinds or names than their statements make.
    """
    known, unmanaged = known_tables(), unmanaged_tables()
    judged = Judged()
    fts = set()
    tables = [row for row in schema if row[0] == "table"]
    for _, name, _, sql in tables:
        virtual = VIRTUAL.match(sql or "")
        if name.lower() == SQLITE_SEQUENCE:
            judged.tables.add(name)
        elif name.lower() in known:
            if virtual and virtual["module"].lower() == "fts5" and name.lower() in unmanaged:
                if READS_ANOTHER_TABLE.search(virtual["args"]):
                    raise Unrestorable(f"its {name} reads another table: {sql}")
                fts.add(name.lower())
            elif not virtual and CREATE_TABLE.match(sql or ""):
                judged.tables.add(name)
            else:
                raise Unrestorable(f"its {name} is not a table as E-Scribe's migrations make it: {sql}")
    shadows = {name for _, name, _, sql in tables if _shadow_of(name, fts) and CREATE_TABLE.match(sql or "")}
    kept = judged.tables | fts | shadows
    for kind, name, table, sql in schema:
        virtual = VIRTUAL.match(sql or "") if kind == "table" else None
        if kind == "table" and (name in kept or name.lower() in fts):
            continue  # shadows: the full-text table's storage, read through the full-text table only
        if kind == "table" and virtual and virtual["module"].lower() == "fts5vocab" and _vocabulary_of(virtual, fts):
            continue  # the words of a full-text table: no rows of its own
        if kind == "index" and table in kept and (sql is None or CREATE_INDEX.match(sql)):
            continue
        if kind not in ("table", "view", "trigger", "index") or name.lower() in known:
            raise Unrestorable(f"its {name} is a {kind}, not a table as E-Scribe's migrations make it")
        if kind == "index" and table not in kept and any(row[1] == table for row in tables):
            continue  # goes with the table it indexes
        judged.refused.append(f"{kind} {name}")
        judged.drop.append((kind, name))
    order = {"trigger": 0, "view": 1, "table": 2, "index": 3}
    judged.drop.sort(key=lambda item: order[item[0]])
    judged.tables.discard(SQLITE_SEQUENCE)
    return judged


def _shadow_of(name, fts):
    return any(name.lower() == table + suffix for table in fts for suffix in FTS5_SHADOWS)


def _vocabulary_of(virtual, fts):
    first = virtual["args"].split(",", 1)[0].strip().strip("'\"`[]").lower()
    return first in fts


def sanitize_sqlite(copy, judged):
    """Drop what the restore leaves out from `copy`, a sqlite3 connection to a private copy of the backup."""
    for kind, name in judged.drop:
        quoted = '"' + name.replace('"', '""') + '"'
        # Dropping runs nothing of the object's: not a view's query, and a table's
        # triggers are gone before its implicit DELETE (and foreign keys are off here).
        copy.execute(f"DROP {kind.upper()} IF EXISTS {quoted}")
    copy.commit()


# PostgreSQL.

# pg_restore --list: "215; 1259 16390 TABLE public blog_post escribe"; a constraint's tag is "table name".
TOC_LINE = re.compile(
    r"^(?P<id>\d+); \d+ \d+ (?P<kind>TABLE DATA|TABLE|SEQUENCE SET|SEQUENCE OWNED BY|SEQUENCE|FK CONSTRAINT|CONSTRAINT"
    r"|INDEX|[A-Z][A-Z ]*?) (?P<schema>\S+) (?P<tag>.+) (?P<owner>\S*)$"
)
# The same entries in pg_restore's script: a header per entry, then its SQL.
SCRIPT_HEADER = re.compile(r"^-- Name: (?P<tag>.+); Type: (?P<kind>[A-Z ]+); Schema: [^;]+; Owner: .*$", re.MULTILINE)
QUALIFIED = r'(?:"?[\w$]+"?\.)?"?(?P<table>[\w$]+)"?'
ON_TABLE = {
    "INDEX": re.compile(rf"\bON\s+(?:ONLY\s+)?{QUALIFIED}\s+USING\b"),
    "SEQUENCE": re.compile(rf"^ALTER\s+TABLE\s+(?:ONLY\s+)?{QUALIFIED}\s+ALTER\s+COLUMN\b", re.MULTILINE),
    "SEQUENCE OWNED BY": re.compile(rf"\bOWNED\s+BY\s+{QUALIFIED}\.\"?[\w$]+\"?;"),
}
REFERENCES = re.compile(rf"\bREFERENCES\s+{QUALIFIED}\s*\(")
# Kinds nobody needs to be told were left out: pg_dump writes them for every database.
UNREMARKABLE = {
    ("SCHEMA", "public"),
    ("COMMENT", "SCHEMA public"),
    ("EXTENSION", "plpgsql"),
    ("COMMENT", "EXTENSION plpgsql"),
}


def judge_pg_list(listing, script):
    """Judge `pg_restore --list` and `pg_restore --schema-only --file=-`; returns (Judged, the list to restore)."""
    known = known_tables()
    statements = _statements(script)
    judged = Judged()
    kept_sequences = set()
    lines = []
    for line in listing.splitlines():
        entry = TOC_LINE.match(line)
        if line.startswith(";") or not line.strip():
            lines.append(line)
            continue
        if entry is None:
            raise Unrestorable(f"pg_restore listed an entry it could not read: {line}")
        kind, tag = entry["kind"], entry["tag"]
        if kind == "SEQUENCE SET":
            keep = tag in kept_sequences
        else:
            table = _owning_table(kind, tag, statements.get((kind, tag), ""))
            keep = table is not None and table.lower() in known
        if keep and kind == "FK CONSTRAINT":
            referenced = REFERENCES.search(statements.get((kind, tag), ""))
            keep = referenced is not None and referenced["table"].lower() in known
        if keep and kind == "TABLE":
            judged.tables.add(tag)
        if keep and kind == "SEQUENCE":
            kept_sequences.add(tag)
        if not keep and (kind, tag) not in UNREMARKABLE:
            judged.refused.append(f"{kind.lower()} {tag}")
        lines.append(line if keep else f";{line}")
    return judged, "\n".join(lines) + "\n"


def _owning_table(kind, tag, statement):
    if kind in ("TABLE", "TABLE DATA"):
        return tag
    if kind in ("CONSTRAINT", "FK CONSTRAINT"):
        return tag.split(" ", 1)[0]
    if kind in ON_TABLE:
        found = ON_TABLE[kind].search(statement)
        return found["table"] if found else None
    return None


def _statements(script):
    headers = list(SCRIPT_HEADER.finditer(script))
    ends = [header.start() for header in headers[1:]] + [len(script)]
    pairs = zip(headers, ends, strict=True)
    return {(header["kind"], header["tag"]): script[header.end() : end] for header, end in pairs}
