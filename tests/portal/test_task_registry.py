"""Every task the code sends is registered in a freshly started worker.

A task defined in a module that task discovery does not import is unknown to the worker, which
logs "Received unregistered task … discarded" and drops the work (the extension and
forwarded-list mails were lost so). The names sent are found by reading the source, so a new
call site is covered without touching this test; the registry is the one a worker builds, in a
process of its own (the test process has imported far more than a worker does)."""

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
CODE = ("portal", "cases", "review", "quotas")
PLUMBING = Path("portal/queueing.py")  # sends whatever task its callers hand it; the callers are scanned
QUEUEING = {"enqueue", "enqueue_on_commit"}  # portal.queueing: (task, *args)
BY_OBJECT = {"delay", "apply_async", "apply", "s", "si", "signature"}
BY_NAME = {"send_task", "send"}  # app.send_task("name"), portal.queueing.send("name" or task)

# What `celery -A portal worker` does before it consumes: load the app, import the default
# modules (autodiscovery of each app's tasks module), finalize the registry.
WORKER_REGISTRY = """
import json, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
from portal.celery import app
app.loader.init_worker()
print(json.dumps(sorted(name for name in app.tasks if not name.startswith("celery."))))
"""


def _source_files():
    for folder in CODE:
        for path in sorted((ROOT / folder).rglob("*.py")):
            if "migrations" not in path.parts and path.relative_to(ROOT) != PLUMBING:
                yield path


def _imported_names(tree: ast.Module, module: str) -> dict[str, tuple[str, str]]:
    """name → (module, attribute) for every `from x import y` in the file, at any depth (the
    code imports tasks inside functions to keep import loops away)."""
    names = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                names[alias.asname or alias.name] = (node.module, alias.name)
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            names.setdefault(node.name, (module, node.name))
    return names


def _task_name(reference: tuple[str, str]) -> str:
    import importlib

    module, attribute = reference
    task = getattr(importlib.import_module(module), attribute)
    return task.name


def sent_task_names() -> dict[str, list[str]]:
    """Task name → the places (file:line) that send it."""
    sent: dict[str, list[str]] = {}
    unresolved = []
    for path in _source_files():
        tree = ast.parse(path.read_text(), filename=str(path))
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        names = _imported_names(tree, module)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            place = f"{path.relative_to(ROOT)}:{node.lineno}"
            function = node.func
            target = None
            if isinstance(function, ast.Name) and function.id in QUEUEING | BY_NAME and node.args:
                target = node.args[0]
            elif isinstance(function, ast.Attribute) and function.attr in BY_OBJECT:
                target = function.value
            elif isinstance(function, ast.Attribute) and function.attr in BY_NAME and node.args:
                target = node.args[0]
            if target is None:
                continue
            if isinstance(target, ast.Constant) and isinstance(target.value, str):
                sent.setdefault(target.value, []).append(place)
            elif isinstance(target, ast.Name) and target.id in names:
                try:
                    sent.setdefault(_task_name(names[target.id]), []).append(place)
                except AttributeError:  # `.s(...)`/`.apply(...)` of something that is not a task
                    if isinstance(function, ast.Name):
                        unresolved.append(place)
            elif isinstance(function, ast.Name):
                unresolved.append(place)  # enqueue(<expression>): make it a plain task name
    assert unresolved == [], f"task sends this test cannot resolve: {unresolved}"
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        sent.setdefault(entry["task"], []).append("portal/settings.py:CELERY_BEAT_SCHEDULE")
    return sent


@pytest.fixture(scope="module")
def worker_registry() -> set[str]:
    result = subprocess.run([sys.executable, "-c", WORKER_REGISTRY], cwd=ROOT, capture_output=True, text=True,
                            timeout=120, check=True)
    return set(json.loads(result.stdout.strip().splitlines()[-1]))


def test_every_task_the_code_sends_is_registered_in_a_fresh_worker(worker_registry):
    sent = sent_task_names()

    missing = {name: places for name, places in sent.items() if name not in worker_registry}

    assert missing == {}


def test_the_scan_finds_every_kind_of_send():
    # Guards the scanner itself: one name per way of sending that the code uses today.
    sent = sent_task_names()
    assert {
        "cases.check_upload",  # enqueue_on_commit(check_upload_task, …) inside a function
        "cases.notify_transition",
        "cases.render_preview",
        "review.generate_summary_tables",
        "review.notify_batch_forwarded",
        "review.notify_extension",
        "review.quarantine_suspicious_ballots",  # enqueue(…) in a view
        "portal.requeue_pending_work",  # the beat schedule
        "cases.discard_expired_resumable_uploads",
    } <= set(sent)
