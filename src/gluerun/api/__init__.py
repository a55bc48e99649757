"""The wire protocol edge: Glue JSON 1.1 in, Glue JSON 1.1 out."""

from __future__ import annotations
