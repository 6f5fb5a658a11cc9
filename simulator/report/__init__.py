"""Renderings and exports of verdicts, debriefs and workshop results."""
