"""Widgets that render the state they are given; the engine decides everything else."""
