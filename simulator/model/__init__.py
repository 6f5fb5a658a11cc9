"""Scenarios and rule packs: the schema, safe YAML loading, and the library."""
