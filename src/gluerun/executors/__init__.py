"""Executors: how a run's process is launched, watched and ended, behind one interface."""
