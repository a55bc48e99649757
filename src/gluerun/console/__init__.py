"""The web console served under /console/: see and steer jobs, runs, logs, triggers, bookmarks
and the Data Catalog in a browser (routes.py; the page itself is in static/)."""
