"""The ``awsglue`` package that gluerun job processes import, as on AWS Glue.

gluerun puts the directory holding this package first on every job process's PYTHONPATH,
so job scripts can ``from awsglue.utils import getResolvedOptions``. It uses only the
standard library and never imports gluerun: it runs inside the job, not the server.
"""

from __future__ import annotations
