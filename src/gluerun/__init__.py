"""gluerun: AWS Glue's job-run service, self-hosted.

The public surface is the HTTP API and the CLI.
"""

from __future__ import annotations

__version__ = "0.1.0"
