"""ErrorMessage of failed glueetl runs: the Python exception, never the JVM's stack trace."""

from __future__ import annotations

from gluerun.executors.failure import exception_line

#: the end of a PySpark 3.5 driver's stderr when a task's Python function raised (trimmed)
TASK_FAILURE = """\
Traceback (most recent call last):
  File "/runs/jr_1/job.py", line 5, in <module>
    sc.parallelize(range(4), 2).map(boom).count()
  File "/venv/lib/python3.11/site-packages/py4j/protocol.py", line 327, in get_return_value
    raise Py4JJavaError(
py4j.protocol.Py4JJavaError: An error occurred while calling z:org.apache.spark.api.python.PythonRDD.collectAndServe.
: org.apache.spark.SparkException: Job aborted due to stage failure: Task 0 in stage 0.0 failed 1 times, most recent failure: Lost task 0.0 in stage 0.0 (TID 0) (localhost executor driver): org.apache.spark.api.python.PythonException: Traceback (most recent call last):
  File "/venv/lib/python3.11/site-packages/pyspark/python/lib/pyspark.zip/pyspark/worker.py", line 1247, in main
    process()
  File "/runs/jr_1/job.py", line 4, in boom
    raise ValueError("boom in a task")
ValueError: boom in a task

\tat org.apache.spark.api.python.BasePythonRunner$ReaderIterator.handlePythonException(PythonRunner.scala:572)
\tat org.apache.spark.api.python.PythonRunner$$anon$3.read(PythonRunner.scala:784)
\tat java.base/java.lang.Thread.run(Thread.java:840)

26/11/25 21:23:38 WARN SparkContext: ...
"""  # noqa: E501

#: a DataFrame UDF's failure, as PySpark 3.5 re-raises it in the driver
UDF_FAILURE = """\
Traceback (most recent call last):
  File "/runs/jr_2/job.py", line 9, in <module>
    df.select(bad("id")).collect()
pyspark.errors.exceptions.captured.PythonException: 
  An exception was thrown from the Python worker. Please see the stack trace below.
Traceback (most recent call last):
  File "/runs/jr_2/job.py", line 6, in bad
    return 1 / 0
           ~~^~~
ZeroDivisionError: division by zero
"""  # noqa: W291


def test_a_failed_task_reads_as_the_python_exception_it_raised() -> None:
    assert exception_line(TASK_FAILURE) == "ValueError: boom in a task"


def test_a_failed_udf_reads_as_the_python_exception_it_raised() -> None:
    assert exception_line(UDF_FAILURE) == "ZeroDivisionError: division by zero"
