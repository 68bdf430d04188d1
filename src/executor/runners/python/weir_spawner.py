"""weir's process spawner: starts task processes on behalf of the weir server.

Forking the large server process (Node with DuckDB loaded) costs milliseconds per task on its main thread; this
small process does the fork/exec (posix_spawn), the log-file opens and the waiting instead.
Protocol, one JSON object per line:
  stdin  <- first {"base_env"}: the environment every child starts from; then requests
            {"id", "argv", "cwd", "env", "stdout", "stderr"}, where env is set on top of base_env
  stdout -> {"id", "pid"} once started, or {"id", "error", "errno"}; later {"id", "exit", "signal"}, sent after the
            rest of the child's process group was killed (SIGKILL).
Each child gets its own process group (pgid = pid) so weir can signal the whole tree. When stdin closes (weir
stopped), the spawner exits; running children keep going and are reconciled by weir's crash recovery.
"""
import errno
import json
import os
import selectors
import shutil
import signal
import sys


def send(obj):
    os.write(1, (json.dumps(obj) + "\n").encode())


# (program, PATH) -> absolute path: a PATH search is a stat per folder until found (7 for `true` here), per task.
# A program that moves or disappears makes posix_spawn fail, and the entry is searched again (see spawn).
found_programs = {}


def resolve_program(argv0, env):
    # Search the child's PATH (as Node's spawn does), not the spawner's own.
    if "/" in argv0:
        return argv0
    key = (argv0, env.get("PATH", os.defpath))
    found = found_programs.get(key)
    if found is None:
        found = shutil.which(argv0, path=key[1])
        if found is None:
            raise FileNotFoundError(errno.ENOENT, "No such file or directory", argv0)
        found_programs[key] = found
    return found


# Children start with every signal at its default and none blocked: Python and Node ignore SIGPIPE, and an ignored
# signal stays ignored across exec (a `yes | head -1` in a task then wrote "Broken pipe" and failed).
DEFAULT_SIGNALS = tuple(s for s in signal.valid_signals() if s not in (signal.SIGKILL, signal.SIGSTOP))


def spawn(req, base_env):
    env = dict(base_env)
    env.update(req["env"])
    program = resolve_program(req["argv"][0], env)
    flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND
    out = os.open(req["stdout"], flags, 0o644)
    err = os.open(req["stderr"], flags, 0o644)
    try:
        os.chdir(req["cwd"])
        actions = [
            (os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0),
            (os.POSIX_SPAWN_DUP2, out, 1),
            (os.POSIX_SPAWN_DUP2, err, 2),
        ]
        options = {"file_actions": actions, "setpgroup": 0, "setsigmask": (), "setsigdef": DEFAULT_SIGNALS}
        try:
            return os.posix_spawn(program, req["argv"], env, **options)
        except OSError:
            if found_programs.pop((req["argv"][0], env.get("PATH", os.defpath)), None) is None:
                raise
            return os.posix_spawn(resolve_program(req["argv"][0], env), req["argv"], env, **options)
    finally:
        os.close(out)
        os.close(err)


def reap_exited(children):
    while children:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        rid = children.pop(pid, None)
        if rid is None:
            continue
        # Take down whatever the task left running in its group, here rather than in weir's event loop (a failed
        # kill costs weir an exception per task there).
        try:
            os.killpg(pid, signal.SIGKILL)
        except OSError:
            pass
        code = os.waitstatus_to_exitcode(status)
        send({"id": rid, "exit": code if code >= 0 else None, "signal": -code if code < 0 else None})


def main():
    # One thread: requests on stdin and child exits (SIGCHLD through a wakeup pipe) in one select loop. The earlier
    # reader + reaper threads handed the GIL back and forth for every task (measured on 1,000 `true` tasks: spawner
    # CPU 0.30 s with two threads, 0.22 s with one).
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_r, False)
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    sel = selectors.DefaultSelector()
    sel.register(0, selectors.EVENT_READ)
    sel.register(wake_r, selectors.EVENT_READ)
    children = {}
    base_env = {}
    pending = b""
    while True:
        for key, _ in sel.select():
            if key.fd == wake_r:
                while True:
                    try:
                        if not os.read(wake_r, 512):
                            break
                    except BlockingIOError:
                        break
                reap_exited(children)
                continue
            chunk = os.read(0, 1 << 16)
            if not chunk:
                return
            lines = (pending + chunk).split(b"\n")
            pending = lines.pop()
            for line in lines:
                req = json.loads(line)
                if "base_env" in req:
                    base_env = req["base_env"]
                    continue
                try:
                    pid = spawn(req, base_env)
                except OSError as e:
                    send({"id": req["id"], "error": e.strerror or str(e), "errno": e.errno})
                    continue
                # Recorded before the loop reaps again, so the pid is always announced before the exit.
                children[pid] = req["id"]
                send({"id": req["id"], "pid": pid})


if __name__ == "__main__":
    main()
