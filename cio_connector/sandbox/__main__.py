"""``python -m cio_connector.sandbox``: run the Customer.io sandbox in the foreground."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from .config import REGIONS
from .server import serve

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m cio_connector.sandbox",
        description="A local simulator of Customer.io's Track and App APIs.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    parser.add_argument(
        "--port", type=int, default=8765, help="port to bind; 0 picks a free one (default: 8765)"
    )
    parser.add_argument(
        "--region", choices=REGIONS, default="us", help="the workspace's region (default: us)"
    )
    parser.add_argument("--tls", action="store_true", help="serve HTTPS with a generated certificate")
    parser.add_argument(
        "--cert-dir", default=None, help="where --tls writes its certificate (default: a temp dir)"
    )
    args = parser.parse_args(argv)
    return serve(args.host, args.port, args.region, args.tls, args.cert_dir)


if __name__ == "__main__":
    raise SystemExit(main())
