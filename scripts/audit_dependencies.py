"""Dependency hygiene for `make test`: pip-audit over the pinned lock file.

Fails on any known vulnerability. When the vulnerability service cannot be reached (every
package comes back "skipped"), it says so loudly and passes, unless AUDIT_REQUIRED=1, so an
offline machine can still run the suite while a connected CI enforces the audit.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

LOCK = Path(__file__).resolve().parent.parent / "requirements.lock"


def main() -> int:
    command = [sys.executable, "-m", "pip_audit", "--progress-spinner", "off", "--disable-pip", "--no-deps",
               "-r", str(LOCK), "-f", "json"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    try:
        report = json.loads(result.stdout or "{}")
    except json.JSONDecodeError:
        print(f"pip-audit gave no report (exit {result.returncode}):\n{result.stderr[-2000:]}")
        return 1 if os.environ.get("AUDIT_REQUIRED") == "1" else 0
    dependencies = report.get("dependencies", [])
    vulnerable = [dep for dep in dependencies if dep.get("vulns")]
    audited = [dep for dep in dependencies if "skip_reason" not in dep]
    for dep in vulnerable:
        ids = ", ".join(vuln["id"] for vuln in dep["vulns"])
        print(f"VULNERABLE {dep['name']}=={dep['version']}: {ids}")
    if vulnerable:
        return 1
    if not audited:
        print("WARNING: the vulnerability service could not be reached; no dependency was audited "
              "(set AUDIT_REQUIRED=1 to fail in this case).")
        return 1 if os.environ.get("AUDIT_REQUIRED") == "1" else 0
    print(f"pip-audit: {len(audited)} pinned dependencies audited, no known vulnerability.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
