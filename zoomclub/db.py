"""Database plumbing shared by every module that keeps state (SQLAlchemy 2, SQLite or PostgreSQL).

Each feature module declares its tables on :class:`Base`; :func:`make_engine` builds the engine and
creates missing tables. No module reads the database URL itself: the wiring passes the engine.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from filelock import FileLock
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from zoomclub.errors import ConfigError


class Base(DeclarativeBase):
    pass


def _import_models() -> None:
    # Importing registers the tables on Base.metadata. Kept lazy to avoid import cycles.
    import importlib

    for mod in ("zoomclub.archive.state", "zoomclub.schedule.models"):
        try:
            importlib.import_module(mod)
        except ModuleNotFoundError as exc:  # a feature module not present in this build
            if exc.name != mod:
                raise


def make_engine(url: str, *, create: bool = True) -> Engine:
    """Engine for ``url``; SQLite gets WAL and a busy timeout so the server and CLI can share it."""
    lock_path: Path | None = None
    if url.startswith("postgresql://"):
        # SQLAlchemy 2.1 maps the bare scheme to psycopg 3; our `postgres` extra ships psycopg2.
        url = "postgresql+psycopg2://" + url.removeprefix("postgresql://")
    if url.startswith("sqlite:///"):
        path = url.removeprefix("sqlite:///")
        if path and path != ":memory:":
            db_path = Path(path).expanduser()
            db_path.parent.mkdir(parents=True, exist_ok=True)
            lock_path = db_path.with_name(db_path.name + ".create.lock")
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")  # durable with WAL; shortens every commit
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

    else:
        engine = create_engine(url, pool_pre_ping=True)
    if create:
        _import_models()
        try:
            if lock_path is not None:
                # Two processes opening a new SQLite file at once would both CREATE TABLE.
                with FileLock(str(lock_path)):
                    Base.metadata.create_all(engine)
            else:
                Base.metadata.create_all(engine)
        except SQLAlchemyError as exc:
            raise ConfigError(
                f"ZOOMCLUB_DATABASE_URL: cannot open the database: {exc.__class__.__name__}: {str(exc).splitlines()[0]}"
            ) from exc
    return engine


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session that commits on success and rolls back on any exception."""
    with factory() as session, session.begin():
        yield session
