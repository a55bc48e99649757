"""The program of a warm Spark driver: start a SparkContext, then run exactly one job script.

Run by path (``python -u _warm_main.py``) with the environment a cold glueetl run of the same
configuration would get, in its own session, by warm_pool.py. It imports the awsglue runtime,
brings its SparkContext (and so the driver JVM) up, says ``ready`` on its protocol channel
(the pipe it starts with as fd 1), and waits for one request on stdin: a JSON line naming the
run directory, script, argv and environment. It then becomes that run as a cold launch would
be: it claims the run directory (launch_marks), sends ``accepted``, points fd 1 and 2 at the
run's logs, sets argv, cwd, environment and sys.path, runs the script as ``__main__`` and
exits with its status, which it also records in ``exit_code`` as the cold wrapper shell does.

Only the standard library, pyspark and awsglue may be imported here: the job interpreter is
not the server's and may not have gluerun installed.
"""

from __future__ import annotations

import sys

# Python put this file's directory (gluerun/executors) first on sys.path; a job must not
# import gluerun's modules by accident (a script's ``import packages``, say).
del sys.path[0]

import atexit  # noqa: E402
import contextlib  # noqa: E402
import inspect  # noqa: E402
import json  # noqa: E402
import logging  # noqa: E402
import os  # noqa: E402
import runpy  # noqa: E402
import threading  # noqa: E402
import traceback  # noqa: E402
from typing import Any  # noqa: E402

#: mirrors of launch_marks and subprocess.py (not importable here, see the module docstring)
PID_MARK = "pid"
EXIT_CODE = "exit_code"
CLAIM_LOST_EXIT = 125
STDOUT_LOG = "stdout.log"
STDERR_LOG = "stderr.log"
_WARM_IMPORTS = (
    "awsglue",
    "awsglue.context",
    "awsglue.job",
    "awsglue.utils",
    "awsglue.transforms",
    "awsglue.dynamicframe",
)


class _Forward:
    """Copies what the driver JVM writes on a pipe to a descriptor that can be re-pointed.

    The JVM keeps the fds it inherited at start; giving it pipes lets its log lines land in
    the log of whichever run this driver serves, as in a cold run.
    """

    def __init__(self, target: int) -> None:
        self.read_end, self.write_end = os.pipe()
        self.target = os.dup(target)
        threading.Thread(target=self._copy, name="gluerun-warm-forward", daemon=True).start()

    def _copy(self) -> None:
        while True:
            chunk = os.read(self.read_end, 65536)
            if not chunk:
                return
            try:
                os.write(self.target, chunk)
            except OSError:
                continue


def _start_context(protocol: int) -> Any:
    """Import the runtime and start the SparkContext, its JVM writing through forwarders."""
    for name in _WARM_IMPORTS:
        try:
            __import__(name)
        except Exception:
            traceback.print_exc()
    from pyspark import SparkContext

    out, err = _Forward(2), _Forward(2)
    saved = os.dup(1), os.dup(2)
    os.dup2(out.write_end, 1)
    os.dup2(err.write_end, 2)
    try:
        context = SparkContext()
        _warm_sql(context)
    finally:
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        os.close(out.write_end)
        os.close(err.write_end)
    _adopt_context(SparkContext, context)
    _prompt_accumulator_shutdown(context)
    os.write(protocol, b"ready\n")
    return context, out, err


def _prompt_accumulator_shutdown(context: Any) -> None:
    """Make ``SparkContext.stop()`` stop the accumulator server without waiting for it.

    PySpark's server handles the JVM's one connection in its serving thread, polling it every
    second for a shutdown flag, and ``stop()`` waits for that thread: up to a second of a
    script's ``spark.stop()`` spent idle. This process ends with its run, so the server is
    told to stop and closed, and the thread left to notice on its own.
    """
    server = context._accumulatorServer

    def shutdown() -> None:
        server.server_shutdown = True
        server._BaseServer__shutdown_request = True
        server.server_close()

    server.shutdown = shutdown


#: what Spark SQL records about the first session's warehouse; left unset, as a cold start does
_WAREHOUSE_KEYS = ("spark.sql.warehouse.dir", "hive.metastore.warehouse.dir")


def _warm_sql(context: Any) -> None:
    """Run one small query in a throwaway session, then forget the session.

    A first query costs seconds (Spark SQL's classes, code generation, the Python workers);
    paying that before the run is most of what makes a warm start fast. The session is
    cleared so that the script builds its own (its warehouse resolved in the run directory);
    the warehouse location the throwaway one recorded is removed unless --conf set it.
    """
    from pyspark.sql import SparkSession

    jconf = context._jsc.sc().conf()
    hadoop = context._jsc.hadoopConfiguration()
    preset = {key: jconf.contains(key) or hadoop.get(key) is not None for key in _WAREHOUSE_KEYS}
    try:
        session = SparkSession(context)
        session.createDataFrame([(1, "a"), (2, "b")], ["id", "s"]).groupBy("s").count().collect()
    except Exception:
        traceback.print_exc()  # a cold-like start is still a start
    finally:
        SparkSession._instantiatedSession = None
        SparkSession._activeSession = None
        context._jvm.SparkSession.clearDefaultSession()
        context._jvm.SparkSession.clearActiveSession()
        for key, was_set in preset.items():
            if not was_set:
                jconf.remove(key)
                hadoop.unset(key)


def _adopt_context(cls: Any, warm: Any) -> None:
    """Make the script's ``SparkContext(...)`` return the warm one while it is active.

    A cold script creates its context; here one exists already, and a second would be
    refused. ``getOrCreate`` (which ``SparkSession.builder`` calls) returns it too. What
    the script's first request for a context asks for (its SparkConf, master, builder
    options) is taken as a cold start would take it: see `_take_settings`.
    """
    original_new, original_init = cls.__new__, cls.__init__
    original_get = cls.__dict__["getOrCreate"].__func__
    signature = inspect.signature(original_init)

    def new(klass: Any, *args: Any, **kwargs: Any) -> Any:
        if klass is cls and cls._active_spark_context is warm:
            _take_settings(warm, _asked(signature.bind_partial(None, *args, **kwargs)))
            return warm
        if original_new is object.__new__:
            return original_new(klass)
        return original_new(klass, *args, **kwargs)

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        if self is warm and cls._active_spark_context is warm:
            return
        original_init(self, *args, **kwargs)

    def get_or_create(klass: Any, conf: Any = None) -> Any:
        if cls._active_spark_context is warm:
            _take_settings(warm, _asked(signature.bind_partial(None, conf=conf)))
        return original_get(klass, conf)

    cls.__new__ = new
    cls.__init__ = init
    cls.getOrCreate = classmethod(get_or_create)


#: what a script may ask of its context that a running one can still take: Spark SQL's
#: settings (its session is built after, from the context's conf) and Hadoop's
_RUNTIME_PREFIXES = ("spark.sql.", "spark.hadoop.")
#: asked for, never applied: the application's name only labels it (docs/spark.md)
_IGNORED = ("spark.app.name",)
#: SparkContext's arguments that are settings, and the settings they are
_ARGUMENT_KEYS = {"master": "spark.master", "appName": "spark.app.name", "sparkHome": "spark.home"}
#: the script's context, once asked for: later requests are ignored, as by a cold context
_RUN: dict[str, Any] = {}


def _asked(bound: inspect.BoundArguments) -> dict[str, str] | None:
    """The settings a ``SparkContext(...)`` call asks for; None when it asks for more
    than settings (pyFiles, environment, a serializer ...), which only a new context takes."""
    asked: dict[str, str] = {}
    for name, value in bound.arguments.items():
        if name == "self" or value is None:
            continue
        if name == "conf":
            asked.update((str(k), str(v)) for k, v in value.getAll())
        elif name in _ARGUMENT_KEYS:
            asked[_ARGUMENT_KEYS[name]] = str(value)
        else:
            return None
    return asked


def _take_settings(warm: Any, asked: dict[str, str] | None) -> None:
    """Apply what the script's first request for a context asks the warm one for.

    Settings it already has, and the application name, need nothing. Spark SQL's and
    Hadoop's settings go into the context's conf (and Hadoop configuration) before the
    script's session is built from them, as a cold context would have had them. Any other
    (driver or executor sizing, jars, the master ...) only a new JVM can take: the run
    then starts again, cold (`_restart_cold`).
    """
    if _RUN.get("asked", True):
        return
    _RUN["asked"] = True
    if asked is None:
        _restart_cold(warm, ["arguments other than conf, master and appName"])
        return
    jconf = warm._jsc.sc().conf()
    started = warm._jvm.java.lang.System.getProperties()  # spark-submit's, SparkConf()'s
    changed = {
        key: value
        for key, value in asked.items()
        if key not in _IGNORED
        and value != started.getProperty(key)
        and not (jconf.contains(key) and jconf.get(key) == value)
    }
    fixed = sorted(key for key in changed if not key.startswith(_RUNTIME_PREFIXES))
    if fixed:
        _restart_cold(warm, fixed)
    hadoop = warm._jsc.hadoopConfiguration()
    for key, value in changed.items():
        jconf.set(key, value)
        if key.startswith("spark.hadoop."):
            hadoop.set(key[len("spark.hadoop.") :], value)


def _restart_cold(warm: Any, reasons: list[str]) -> None:
    """Start the run again as a cold run, in this process: never returns.

    The driver JVM goes, and this process becomes the cold wrapper (pid, process group and
    start time stay the run's): ``python -u script argv`` with the run's environment, its
    status recorded in ``exit_code``. What the script did before asking for its context is
    done again.
    """
    sys.stderr.write(
        "gluerun: restarting cold: the script's Spark settings ("
        + ", ".join(reasons)
        + ") cannot be given to a running SparkContext\n"
    )
    sys.stdout.flush()
    sys.stderr.flush()
    # The JVM's end is no news to the script's log: py4j and the accumulator server keep quiet.
    logging.getLogger("py4j").disabled = True
    with contextlib.suppress(Exception):
        warm._accumulatorServer.handle_error = lambda *args: None
        warm._gateway.proc.kill()
        warm._gateway.proc.wait()
    command = [sys.executable, "-u", _RUN["script"], *_RUN["argv"]]
    os.chdir(_RUN["run_dir"])
    os.execve(_SHELL, ["sh", "-c", _COLD_WRAPPER, "sh", *command], _RUN["env"])


#: the cold wrapper shell after its claim (this process made that): see subprocess.py
_SHELL = "/bin/sh"
_COLD_WRAPPER = f'"$@"; echo $? > {EXIT_CODE}.tmp && mv -f {EXIT_CODE}.tmp {EXIT_CODE}'


def _claim(run_dir: str) -> bool:
    """Claim the run directory as the cold wrapper shell does (see launch_marks)."""
    tmp = os.path.join(run_dir, PID_MARK + ".tmp")
    with open(tmp, "w") as mark:
        mark.write(f"{os.getpid()}\n")
    try:
        os.link(tmp, os.path.join(run_dir, PID_MARK))
    except FileExistsError:
        return False
    finally:
        os.unlink(tmp)
    return True


def _become_run(request: dict[str, Any], protocol: int, forwards: tuple[_Forward, ...]) -> bool:
    """Take on the run's directory, logs, environment; False when the claim was lost."""
    run_dir = request["run_dir"]
    out = os.open(os.path.join(run_dir, STDOUT_LOG), os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    # stderr.log may hold gluerun's notes on preparing the run already (a runtime build).
    err = os.open(os.path.join(run_dir, STDERR_LOG), os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    os.chdir(run_dir)
    claimed = _claim(run_dir)
    os.write(protocol, b"accepted\n")
    os.close(protocol)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(out, 1)
    os.dup2(err, 2)
    os.dup2(out, forwards[0].target)
    os.dup2(err, forwards[1].target)
    for fd in (null, out, err):
        os.close(fd)
    os.environ.clear()
    os.environ.update(request["env"])
    preamble = request.get("preamble", "")
    if preamble:
        sys.stderr.write(preamble)
    return claimed


def _point_jvm_at(context: Any, run_dir: str) -> None:
    """Resolve the JVM's relative paths against the run directory, as a cold driver's cwd."""
    jvm = context._jvm
    jvm.java.lang.System.setProperty("user.dir", run_dir)
    local = jvm.org.apache.hadoop.fs.FileSystem.getLocal(context._jsc.hadoopConfiguration())
    local.setWorkingDirectory(jvm.org.apache.hadoop.fs.Path(run_dir))


def _run_script(script: str, argv: list[str]) -> int:
    """Run `script` as ``__main__``; its exit status as ``python script`` would have it."""
    sys.argv = [script, *argv]
    sys.path.insert(0, os.path.dirname(os.path.abspath(script)))
    try:
        runpy.run_path(script, run_name="__main__")
    except SystemExit as exc:
        return _exit_code(exc.code)
    except BaseException:
        traceback.print_exc()
        return 1
    return 0


def _exit_code(code: object) -> int:
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    print(code, file=sys.stderr)
    return 1


def _record_exit(run_dir: str, code: int) -> None:
    """Write ``exit_code`` atomically, after every handler the script registered; then exit."""
    sys.stdout.flush()
    sys.stderr.flush()
    tmp = os.path.join(run_dir, EXIT_CODE + ".tmp")
    with open(tmp, "w") as status:
        status.write(f"{code}\n")
    os.replace(tmp, os.path.join(run_dir, EXIT_CODE))
    # Every handler of the script has run and its threads were joined: what is left of
    # Python's shutdown (py4j's connections, the objects of a large heap) only delays the
    # end of the run. Its JVM, as a cold run's, ends on its own once its stdin closes.
    os._exit(code)


def main() -> None:
    """Start warm, serve one run (or exit when the pool closes the channel)."""
    protocol = os.dup(1)
    os.dup2(2, 1)  # stray output before the run goes to the driver's own log
    context, out, err = _start_context(protocol)
    line = sys.stdin.buffer.readline()
    if not line:
        return
    request = json.loads(line)
    if not _become_run(request, protocol, (out, err)):
        sys.stderr.write("gluerun: this run's directory was claimed by another launch\n")
        sys.exit(CLAIM_LOST_EXIT)
    _point_jvm_at(context, request["run_dir"])
    _RUN.update(request, asked=False)
    code: list[int] = []
    # Registered first, so it runs last: after the script's own atexit handlers.
    atexit.register(lambda: _record_exit(request["run_dir"], code[0] if code else 1))
    code.append(_run_script(request["script"], list(request["argv"])))
    sys.exit(code[0])


if __name__ == "__main__":
    main()
