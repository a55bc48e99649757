"""The engine: moves runs through their states. No HTTP; it sees the API only via the store."""
