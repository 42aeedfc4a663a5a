"""The README's screenshots of the case loop's page: a server on the demo city with a few days
of simulated cases and the 部件 inventory, photographed in headless Chromium.

    .venv/bin/python scripts/screenshots.py [--days 6] [--out docs/img]

Writes page-cases.png (a case open: its clock, actions, photos, flow log; the queue on the
map) and page-evaluation.png (the departments' month, ranked, with the chart). Takes about a
minute; needs Debian's chromium (scripts/setup.sh installs it).
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import subprocess
import sys
import tempfile
import tomllib
from datetime import date, timedelta
from pathlib import Path

import aiohttp
import orjson
from playwright.async_api import async_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from simulator.cases import run_cases, write_config  # noqa: E402
from simulator.inventory import DEMO_CITY, inventory  # noqa: E402

CHROMIUM = "/usr/bin/chromium"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def server_config(folder: Path) -> dict[str, str]:
    """The demo's config (scripts/demo.sh does the same): case tokens, inventory, free ports."""
    tokens = write_config(folder / "cases.toml", DEMO_CITY, seed=11)
    (folder / "inventory.geojson").write_bytes(orjson.dumps(inventory(DEMO_CITY)))
    raw = tomllib.loads((folder / "cases.toml").read_text(encoding="utf-8"))
    q = orjson.dumps
    lines = ["[server]", f"data_dir = {q(str(folder)).decode()}", "[osmand]", "port = 0",
             "[jt808]", "port = 0", "[devices]",
             f"vehicles = {q(raw['devices']['vehicles']).decode()}", "[cases]",
             f"inventory = {q(str(folder / 'inventory.geojson')).decode()}", "[auth.tokens]"]
    lines += [f"{q(t).decode()} = {q(r).decode()}" for t, r in tokens.items()]
    (folder / "demo.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return {role: token for token, role in tokens.items()}


async def wait_up(base: str, token: str, proc: subprocess.Popen[bytes]) -> None:
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {token}"}) as http:
        for _ in range(300):
            if proc.poll() is not None:
                raise SystemExit("the server exited (see above)")
            try:
                async with http.get(f"{base}/healthz") as resp:
                    if resp.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise SystemExit("the server did not answer")


async def photograph(base: str, token: str, out: Path) -> None:
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                           args=["--no-sandbox", "--disable-gpu"])
        page = await (await browser.new_context(viewport={"width": 1600, "height": 900},
                                                locale="zh-CN")).new_page()
        await page.goto(f"{base}/?token={token}")
        await page.wait_for_selector("#conn.state-live")
        await page.click("#case-queues [data-state=dispatched]")
        await page.wait_for_selector("#case-list li")
        await page.click("#case-list li.c-green >> nth=0")
        await page.wait_for_selector("#case-log li")
        await page.wait_for_timeout(1500)  # the map's fly-in and the photos
        await page.screenshot(path=str(out / "page-cases.png"))
        await page.click("[data-tab=eval]")
        await page.wait_for_selector("#e-table tbody tr")
        await page.wait_for_timeout(800)
        await page.screenshot(path=str(out / "page-evaluation.png"))
        await browser.close()


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--days", type=int, default=6)
    p.add_argument("--out", type=Path, default=ROOT / "docs" / "img")
    args = p.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="gridwatch-shots-") as tmp:
        folder = Path(tmp)
        tokens = server_config(folder)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        command = [sys.executable, str(ROOT / "server.py"), "--clock", "data", "--port",
                   str(port), "--config", str(folder / "demo.toml")]
        proc = subprocess.Popen(command, cwd=ROOT,  # noqa: S603 (our own server)
                                stdout=subprocess.DEVNULL)
        try:
            asyncio.run(wait_up(base, tokens["supervisor"], proc))
            first = date.today() - timedelta(days=args.days)
            summary = asyncio.run(run_cases(base, folder / "cases.toml", DEMO_CITY, args.days,
                                            60, 3, first))
            print(f"cases: {summary['cases']} in {summary['seconds']} s")
            asyncio.run(photograph(base, tokens["operator"], args.out))
        finally:
            proc.terminate()
            proc.wait(timeout=20)
    print(f"wrote {args.out / 'page-cases.png'} and {args.out / 'page-evaluation.png'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
