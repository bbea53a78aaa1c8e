"""``python -m cio_connector.forms``: the form page over a fresh sandbox, until Ctrl-C."""

from __future__ import annotations

import argparse
import time

from .app import FormsSandbox

if __name__ == "__main__":
    argparse.ArgumentParser(
        prog="python -m cio_connector.forms",
        description="Serve the form page (/forms) over a fresh in-process sandbox on free loopback ports, until Ctrl-C.",
    ).parse_args()
    with FormsSandbox() as running:
        print(f"form page: {running.url}/forms  (sandbox: {running.sandbox.url}); Ctrl-C stops", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
