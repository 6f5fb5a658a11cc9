"""Practise answering angry customers: choose a result over the last word."""

__version__ = "0.1.0"
