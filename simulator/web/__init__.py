"""The browser chat of ``simulator serve --chat``: one asyncio process serves every trainee.

Every conversation runs in the server's process through the service layer
(:mod:`simulator.service.sessions`), with the library and the compiled scorers loaded
once and shared, so a reply costs its scoring and its recording, nothing more. Below
the command line, above the service; never imports Textual (``pyproject.toml``'s
contracts). :mod:`simulator.web.shared` is what both ways of serving (this one and the
Textual app of :mod:`simulator.tui.serve`) share: the passcode and the facilitator's
lines.
"""
