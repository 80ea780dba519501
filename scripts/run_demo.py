"""Run the web server and the task worker side by side; Ctrl-C stops both.

Used by ``make run``. Both children get the same environment (COOPESS_ENV=development).
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
ADDRESS = os.environ.get("COOPESS_ADDRESS", "127.0.0.1:8000")


def main() -> int:
    env = {**os.environ, "COOPESS_ENV": os.environ.get("COOPESS_ENV", "development")}
    worker = subprocess.Popen(
        [PYTHON, "manage.py", "db_worker", "--interval", "0.5", "--no-reload"], cwd=ROOT, env=env
    )
    web = subprocess.Popen([PYTHON, "manage.py", "runserver", ADDRESS], cwd=ROOT, env=env)
    print(f"\nCoopESS tourne sur http://{ADDRESS}/ — Ctrl-C pour arrêter.\n", flush=True)
    children = [web, worker]
    try:
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGINT)
        deadline = time.monotonic() + 10
        for child in children:
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
    print("CoopESS est arrêté.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
