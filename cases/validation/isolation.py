"""Running outside programs (LibreOffice, ffprobe) on untrusted files, safely.

Each call gets its own temporary folder, is started in its own process group (so a hung
LibreOffice and the children it forks all die together on timeout) and has a time limit and an
address-space limit (util-linux `prlimit`, so it holds in a threaded web process as in a prefork
worker: no preexec_fn). A missing binary is reported as such, never as a broken file.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


class ToolMissing(Exception):
    """The outside program is not installed; the argument is its name."""


class ToolTimeout(Exception):
    """The outside program ran out of time and was killed."""


@dataclass(frozen=True)
class ToolResult:
    returncode: int
    stdout: bytes
    stderr: bytes


def find_binary(name: str) -> str | None:
    return shutil.which(name)


@contextmanager
def private_folder(temp_root: Path | None) -> Iterator[Path]:
    """A fresh folder for one call, removed afterwards whatever happens."""
    folder = Path(tempfile.mkdtemp(prefix="validate-", dir=temp_root))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def run_tool(
    arguments: Sequence[str],
    *,
    timeout: float,
    cwd: Path,
    extra_env: dict[str, str] | None = None,
    max_output: int = 64 << 20,
    memory_limit: int | None = None,
) -> ToolResult:
    """Run a program in its own process group with a timeout; kill the whole group on timeout.
    With `memory_limit` (bytes), the program and everything it starts get that much address space
    (RLIMIT_AS): past it their allocations fail and they end, instead of the host running out."""
    binary = find_binary(arguments[0])
    if binary is None:
        raise ToolMissing(arguments[0])
    command = [binary, *arguments[1:]]
    if memory_limit is not None:
        prlimit = find_binary("prlimit")
        if prlimit is None:
            raise ToolMissing("prlimit")
        command = [prlimit, f"--as={memory_limit}", "--", *command]
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "HOME": str(cwd),  # LibreOffice and fontconfig write caches under HOME: keep them private
        "TMPDIR": str(cwd),
        **(extra_env or {}),
    }
    process = subprocess.Popen(
        command,
        cwd=cwd,
        env=environment,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,  # own session and process group
    )
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(process)
        raise ToolTimeout(arguments[0]) from None
    except BaseException:
        _kill_group(process)
        raise
    # LibreOffice may leave a forked helper in the group after the main process exits.
    _kill_group(process, already_exited=True)
    return ToolResult(process.returncode, stdout[:max_output], stderr[:max_output])


def _kill_group(process: subprocess.Popen, *, already_exited: bool = False) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    if not already_exited:
        process.communicate()
