"""Signals of the standards app. The loader writes in bulk (no per-row post_save), so it announces the load;
apps that derive data from the catalog (the search index) listen to this instead."""

from django.dispatch import Signal

# Sent after load_standards() committed its changes; kwargs: numbers (every number in the loaded file).
standards_loaded = Signal()
