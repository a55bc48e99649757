"""Job runtimes: the Python environments Glue jobs run in, apart from gluerun's own.

Each runtime is a virtual environment holding the libraries AWS Glue provides to one kind of
job (Python shell 3.9 with or without the analytics set, Spark jobs per Glue version), built
once per node from a pinned set (``sets/*.txt``) with one of the node's interpreters and cached
by content. Not to be confused with ``gluerun/runtime``: the ``awsglue`` package put on every
job's path.
"""
