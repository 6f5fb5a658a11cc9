"""The conversation engine: reply in, turn result out. Pure Python, no UI."""

from simulator.engine.session import EngineError, Session, Turn, TurnResult

__all__ = ["EngineError", "Session", "Turn", "TurnResult"]
