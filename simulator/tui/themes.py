"""The app's themes: a dark and a light one, and a high-contrast one."""

from __future__ import annotations

from textual.theme import Theme

DEFAULT_THEME = "simulator-dark"

THEMES: tuple[Theme, ...] = (
    Theme(
        name="simulator-dark",
        primary="#5AA9E6",
        secondary="#A08CE0",
        accent="#F2B84B",
        warning="#F2B84B",
        error="#F26D6D",
        success="#5CC98B",
        foreground="#E4E6EB",
        background="#15171C",
        surface="#1D2027",
        panel="#272B35",
        dark=True,
    ),
    Theme(
        name="simulator-light",
        primary="#1F6FB2",
        secondary="#6B4FBB",
        accent="#A85F00",
        warning="#A15C00",
        error="#B7322A",
        success="#1C7A4B",
        foreground="#1B1C1F",
        background="#F6F6F3",
        surface="#FFFFFF",
        panel="#E6E8EE",
        dark=False,
    ),
    Theme(
        name="high-contrast",
        primary="#FFFF00",
        secondary="#00FFFF",
        accent="#FFFF00",
        warning="#FFB000",
        error="#FF6060",
        success="#00FF66",
        foreground="#FFFFFF",
        background="#000000",
        surface="#000000",
        panel="#202020",
        boost="#333333",
        dark=True,
        luminosity_spread=0.05,
        text_alpha=1.0,
        variables={
            "border": "#FFFFFF",
            "border-blurred": "#BBBBBB",
            "footer-key-foreground": "#FFFF00",
            "footer-description-foreground": "#FFFFFF",
            "input-selection-background": "#FFFF00 50%",
            "block-cursor-background": "#FFFF00",
            "block-cursor-foreground": "#000000",
            "block-cursor-text-style": "bold",
        },
    ),
)
