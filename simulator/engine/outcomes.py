"""How a conversation can end, the one list every layer above uses.

``kept``, ``escalated`` and ``lost`` end a conversation (a scenario's endings say which);
``unfinished`` marks an attempt the trainee left before its end.
"""

from __future__ import annotations

FINISHED_OUTCOMES: tuple[str, ...] = ("kept", "escalated", "lost")
OUTCOMES: tuple[str, ...] = (*FINISHED_OUTCOMES, "unfinished")
