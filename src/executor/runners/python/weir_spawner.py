"""weir's process spawner: starts task processes on behalf of the weir server.

Forking the large server process (Node with DuckDB loaded) costs milliseconds per task on its main thread; this
small process does the fork/exec (posix_spawn), the log-file opens and the waiting instead.
Protocol, one JSON object per line:
  stdin  <- {"id", "argv", "cwd", "env", "stdout", "stderr"}
  stdout -> {"id", "pid"} once started, or {"id", "error", "errno"}; later {"id", "exit", "signal"}, sent after the
            rest of the child's process group was killed (SIGKILL).
Each child gets its own process group (pgid = pid) so weir can signal the whole tree. When stdin closes (weir
stopped), the spawner exits; running children keep going and are reconciled by weir's crash recovery.
"""
import errno
import json
import os
import shutil
import signal
import sys
import threading

out_lock = threading.Lock()
children_lock = threading.Lock()
children = {}
have_children = threading.Event()


def send(obj):
    data = (json.dumps(obj) + "\n").encode()
    with out_lock:
        os.write(1, data)


def reaper():
    while True:
        have_children.wait()
        try:
            pid, status = os.waitpid(-1, 0)
        except ChildProcessError:
            with children_lock:
                if not children:
                    have_children.clear()
            continue
        with children_lock:
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


def resolve_program(argv0, env):
    # Search the child's PATH (as Node's spawn does), not the spawner's own.
    if "/" in argv0:
        return argv0
    found = shutil.which(argv0, path=env.get("PATH", os.defpath))
    if found is None:
        raise FileNotFoundError(errno.ENOENT, "No such file or directory", argv0)
    return found


def spawn(req):
    program = resolve_program(req["argv"][0], req["env"])
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
        with children_lock:
            pid = os.posix_spawn(program, req["argv"], req["env"], file_actions=actions, setpgroup=0)
            children[pid] = req["id"]
            # Announce the pid before the reaper (which needs this lock) can announce the exit.
            send({"id": req["id"], "pid": pid})
            have_children.set()
        return pid
    finally:
        os.close(out)
        os.close(err)


def main():
    threading.Thread(target=reaper, daemon=True).start()
    for line in sys.stdin.buffer:
        req = json.loads(line)
        try:
            spawn(req)
        except OSError as e:
            send({"id": req["id"], "error": e.strerror or str(e), "errno": e.errno})


if __name__ == "__main__":
    main()
