"""Results: trainees, workshops, attempts and turns. SQLite by default, any SQLAlchemy URL."""

from simulator.store.store import Store, StoreError, Workshop, normalise_url

__all__ = ["Store", "StoreError", "Workshop", "normalise_url"]
