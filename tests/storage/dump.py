"""Read a whole database back, to check what it holds (e.g. never a raw credential)."""

from __future__ import annotations

from sqlalchemy import create_engine, select

from signon.settings import database_url_for_sqlalchemy
from signon.storage import schema


def all_rows_text(database_url: str) -> str:
    """Every value of every row of every table, as one string."""
    engine = create_engine(database_url_for_sqlalchemy(database_url))
    try:
        with engine.connect() as conn:
            return "\n".join(
                repr(tuple(row))
                for table in schema.metadata.sorted_tables
                for row in conn.execute(select(table))
            )
    finally:
        engine.dispose()
