"""Bad start-up input is refused with a message that names what is wrong, and exit code 2."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from server import DEMO_CITY
from tests.redisproc import free_port

ROOT = Path(__file__).resolve().parents[2]


def start(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(ROOT / "server.py"), *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=60, check=False)


def test_a_bad_city_names_file_feature_and_reason(tmp_path: Path) -> None:
    city = tmp_path / "city"
    shutil.copytree(DEMO_CITY, city)
    roads = (city / "roads.geojson").read_text(encoding="utf-8")
    (city / "roads.geojson").write_text(roads.replace('"class":"main"', '"class":"highway"', 1),
                                        encoding="utf-8")
    done = start("--city", str(city))
    assert done.returncode == 2
    assert "roads.geojson" in done.stderr and "highway" in done.stderr
    assert "feature '" in done.stderr


def test_a_bad_config_names_the_key(tmp_path: Path) -> None:
    config = tmp_path / "gridwatch.toml"
    config.write_text("[patrol]\npass_coverage = 2.0\n[server]\nprot = 1\n", encoding="utf-8")
    done = start("--config", str(config))
    assert done.returncode == 2
    assert "patrol.pass_coverage" in done.stderr and "unknown key 'server.prot'" in done.stderr


def test_a_role_without_redis_is_refused() -> None:
    done = start("--role", "tracker")
    assert done.returncode == 2 and "--role tracker needs --redis" in done.stderr


def test_an_unreachable_redis_is_named_without_its_password() -> None:
    port = free_port()  # nothing listens there
    done = start("--redis", f"redis://:hunter2-secret@127.0.0.1:{port}/0", "--port", "0")
    assert done.returncode == 2
    assert f"Redis at redis://***@127.0.0.1:{port}/0" in done.stderr
    assert "hunter2" not in done.stderr + done.stdout
