"""Send every PromQL query of every shipped dashboard to a real Prometheus.

Each query must parse (HTTP 200 and status "success" from /api/v1/query);
the report also says which returned no data, so an operator can see which
panels stay empty on this stack and why. Grafana template variables are
substituted with match-all values first.

usage: python tests/stack/check_queries.py --url URL [--user U] [--ca-file CA]
       [--dashboards DIR] [--json]
(the basic auth password, if any, comes from $PROMETHEUS_PASSWORD)
exit status 1 when any query fails to parse.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import ssl
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent.parent
DASHBOARDS = ROOT / "roles" / "grafana" / "files" / "dashboards"
VARIABLES = {"__rate_interval": "5m", "__interval": "1m", "__range": "1h"}


@dataclass(frozen=True)
class Result:
    """What Prometheus said of one dashboard query."""

    dashboard: str
    panel: str
    expr: str
    parsed: bool
    series: int
    error: str = ""


def iter_panels(panels: Sequence[Mapping[str, Any]]) -> Iterator[Mapping[str, Any]]:
    for panel in panels:
        yield panel
        yield from iter_panels(panel.get("panels") or [])


def dashboard_queries(directory: Path) -> list[tuple[str, str, str]]:
    """(dashboard uid, panel title, expr) of every target of every dashboard JSON file."""
    found = []
    for path in sorted(directory.glob("*.json")):
        data = json.loads(path.read_text())
        for panel in iter_panels(data.get("panels") or []):
            for target in panel.get("targets") or []:
                if target.get("expr"):
                    found.append(
                        (
                            str(data.get("uid", path.stem)),
                            str(panel.get("title", "")),
                            target["expr"],
                        )
                    )
    return found


def substitute(expr: str) -> str:
    """Replace Grafana's $var / ${var} with values Prometheus accepts."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2)
        return VARIABLES.get(name, ".*")

    return re.sub(r"\$\{(\w+)(?::\w+)?\}|\$(\w+)", value, expr)


def auth_header(user: str, password: str) -> dict[str, str]:
    """The basic auth header, or none without a user."""
    if not user:
        return {}
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def tls_context(ca_file: str) -> ssl.SSLContext | None:
    """Trust only ``ca_file`` (the private CA); the chain is checked, not the name.

    The stack reaches Prometheus at its container's IP address, which its
    certificate does not name (it names the inventory name and loopback).
    """
    if not ca_file:
        return None
    context = ssl.create_default_context(cafile=ca_file)
    context.check_hostname = False
    return context


def query(
    url: str,
    expr: str,
    timeout: float = 10.0,
    headers: dict[str, str] | None = None,
    context: ssl.SSLContext | None = None,
) -> tuple[bool, int, str]:
    """(parsed, number of series, error) for one instant query."""
    data = urllib.parse.urlencode({"query": expr}).encode()
    request = urllib.request.Request(f"{url}/api/v1/query", data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout, context=context) as response:
            body = json.load(response)
    except urllib.error.HTTPError as error:
        body = json.loads(error.read() or b"{}")
        return False, 0, str(body.get("error", error))
    if body.get("status") != "success":
        return False, 0, str(body.get("error", body))
    return True, len(body["data"]["result"]), ""


def check(
    url: str,
    directory: Path,
    headers: dict[str, str] | None = None,
    context: ssl.SSLContext | None = None,
) -> list[Result]:
    results = []
    for uid, title, expr in dashboard_queries(directory):
        parsed, series, error = query(url, substitute(expr), headers=headers, context=context)
        results.append(Result(uid, title, expr, parsed, series, error))
    return results


def report(results: Sequence[Result]) -> str:
    lines = [f"{len(results)} queries, {sum(not r.parsed for r in results)} failed to parse"]
    lines += [f"PARSE ERROR {r.dashboard} / {r.panel}: {r.error}" for r in results if not r.parsed]
    empty = [r for r in results if r.parsed and r.series == 0]
    lines.append(f"{len(empty)} returned no data:")
    lines += [f"  no data: {r.dashboard} / {r.panel}: {r.expr}" for r in empty]
    return "\n".join(lines)


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--dashboards", type=Path, default=DASHBOARDS)
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument(
        "--user", default="", help="basic auth user; the password is $PROMETHEUS_PASSWORD"
    )
    parser.add_argument("--ca-file", default="", help="CA certificate to trust for an https URL")
    args = parser.parse_args(argv)
    headers = auth_header(args.user, os.environ.get("PROMETHEUS_PASSWORD", ""))
    results = check(args.url.rstrip("/"), args.dashboards, headers, tls_context(args.ca_file))
    if args.json:
        print(json.dumps([asdict(r) for r in results], indent=1))
    else:
        print(report(results))
    return 0 if results and all(r.parsed for r in results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
