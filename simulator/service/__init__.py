"""The application service: what the command line and the app do with the core.

Both front ends call it; neither builds sessions, recorders or transcripts itself.

- :mod:`simulator.service.library`: open the scenario library.
- :mod:`simulator.service.sessions`: open the results store; start or resume a
  conversation with its transcript and its recorder; finish or leave it; list and
  discard the conversations left unfinished; read a transcript back.
- :mod:`simulator.service.headless`: play scripted replies without a screen (``play
  --script`` and ``play --workshop``).
- :mod:`simulator.service.replay`: re-score a past transcript with today's rules.
"""

from __future__ import annotations


class ServiceError(RuntimeError):
    """Something the user asked that cannot be done; the message names what and why."""
