"""The data store: the only package that holds SQL or talks to the database.

Every query binds its parameters; pages and the rest of ``scoring`` never build SQL.
"""

from scoring.store import local_copy  # noqa: F401  a PostgreSQL handle keeps its local copies with it
from scoring.store.db import Database, DatabaseError, database_location, open_database

__all__ = ["Database", "DatabaseError", "database_location", "open_database"]
