"""The terminal app (Textual). The only package that imports Textual.

``run_app`` in :mod:`simulator.tui.app` starts it; :mod:`simulator.tui.context` holds what
the app knows (library, store, profile) without importing Textual.
"""
