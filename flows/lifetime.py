"""The processes winnow starts end when winnow does, even when it is SIGKILLed. Prefect-free.

A SIGKILL or the kernel's OOM killer gives a process no chance to stop what it started: the
Prefect server winnow started (about 226 MiB), a served flow run and the worker processes would
be reparented to init and run on. So each of them is tied to its parent from its own side:

- The Prefect server and the worker processes get Linux's parent-death signal
  (`die_with_parent`): the kernel SIGKILLs them when their parent goes, whatever they are
  doing, even a worker stuck in one long C call that holds the GIL, where no thread of its
  own could run. The signal follows the *thread* that started the process, not only its
  process, so the process must be started from a thread that lives as long as it should
  (winnow's main thread for the server; `flows.workers` has a thread of its own). The server
  that `winnow clean` shares with later runs is meant to outlive its run: its parent is its
  keeper, which stops it once no run has used it for a while, however the runs ended
  (`flows.shared_server`).
- A served flow run is started by Prefect's runner from a thread Prefect chooses, so it
  watches its parent with a thread instead (`exit_with_parent`); the flow process only waits
  on its workers, so that thread gets to run. Its workers then die with it.

The server is started through this module as a script (`dying_with_this_process`), which arms
the signal and then executes the server's command in its place: the setting survives exec, and
no Python code runs between fork and exec in winnow, where other threads may hold locks
(`subprocess`'s `preexec_fn` would). The script is run by its path, so a `flows` folder in the
current directory cannot stand in for it; with its own folder first on `sys.path` it imports
only the standard library, which no module in flows/ shadows.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Sequence
from functools import cache

PR_SET_PDEATHSIG = 1
"""prctl option: the signal this process gets when its parent (thread) exits."""


def die_with_parent(parent_pid: int) -> None:
    """Have the kernel SIGKILL this process when its parent, `parent_pid`, exits (strictly: the
    parent's thread that started it, see the module doc); if the parent is gone already (this
    process was reparented before the call), end now. Elsewhere than Linux, nothing: the
    process outlives a killed parent as before."""
    if sys.platform != "linux":
        return
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    if os.getppid() != parent_pid:
        os.kill(os.getpid(), signal.SIGKILL)


@cache
def exit_with_parent() -> None:
    """If this process was started by `multiprocessing` (Prefect's runner spawns each served
    flow run so), end it with SIGKILL as soon as its parent exits; otherwise nothing. A daemon
    thread waits on the parent's sentinel, a pipe whose other end only the parent holds, which
    reads as closed once the parent is gone, however it ended. Once per process."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return
    threading.Thread(
        target=_kill_this_process_after, args=(parent,), name="exit-with-parent", daemon=True
    ).start()


def _kill_this_process_after(parent: multiprocessing.process.BaseProcess) -> None:
    parent.join()
    os.kill(os.getpid(), signal.SIGKILL)


def dying_with_this_process(command: Sequence[str]) -> list[str]:
    """`command`, run so that it is SIGKILLed when the calling thread of this process exits
    (for the main thread: when the process does): through this module as a script, which arms
    the signal and then executes `command`."""
    return [sys.executable, os.path.abspath(__file__), str(os.getpid()), *command]


def _arm_and_exec(argv: Sequence[str]) -> None:
    """`PARENT_PID COMMAND...`: die with PARENT_PID, then become COMMAND."""
    parent_pid, *command = argv
    die_with_parent(int(parent_pid))
    os.execvp(command[0], command)


if __name__ == "__main__":
    _arm_and_exec(sys.argv[1:])
