"""The config file: defaults, bounds, unknown keys and tokens from the environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from config.load import ConfigError, load_config, parse_env_tokens


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "gridwatch.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_match_the_contract() -> None:
    cfg = load_config(None, env={})
    assert cfg.server.port == 8080
    assert cfg.osmand.port == 5055 and cfg.osmand.auto_register is False
    assert cfg.jt808.port == 6808 and cfg.jt808.timezone == "+08:00"
    assert cfg.patrol.pass_coverage == 0.8 and cfg.patrol.match_tolerance == 25.0
    assert cfg.alerts.signal_lost_s == 300 and cfg.alerts.idle_s == 900


def test_contract_example_is_accepted(tmp_path: Path) -> None:
    cfg = load_config(write(tmp_path, '''
[auth]
tokens = { "a-long-secret" = "supervisor" }
[osmand]
port = 5055
auto_register = false
[jt808]
port = 6808
auto_register = false
timezone = "+08:00"
[jt808.terminals]
"013833501744" = "truck-07"
'''), env={"GRIDWATCH_TOKENS": "device-token-123:device,admin-token-456:admin"})
    assert cfg.auth.tokens == {"a-long-secret": "supervisor", "device-token-123": "device",
                               "admin-token-456": "admin"}
    assert cfg.jt808.terminals == {"013833501744": "truck-07"}


def test_unknown_keys_are_refused_by_name(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"unknown key 'patrol\.pass_coverag'"):
        load_config(write(tmp_path, "[patrol]\npass_coverag = 0.9\n"), env={})


def test_out_of_range_values_name_the_bound(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"patrol.pass_coverage: .*less than or equal to 1"):
        load_config(write(tmp_path, "[patrol]\npass_coverage = 1.5\n"), env={})


def test_secrets_never_appear_in_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, '[auth]\ntokens = { "short" = "supervisor" }\n'), env={})
    assert "short" not in str(info.value).replace("12 characters", "")
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, '[auth]\ntokens = { "a-long-secret" = "king" }\n'), env={})
    assert "a-long-secret" not in str(info.value)


def test_bad_env_tokens_are_refused() -> None:
    assert parse_env_tokens(" t1-xxxxxxxxxx:device , ") == {"t1-xxxxxxxxxx": "device"}
    with pytest.raises(ConfigError, match="entry 1"):
        parse_env_tokens("no-role-here")
    with pytest.raises(ConfigError, match="entry 2"):
        parse_env_tokens("aaaaaaaaaaaa:admin,bbbbbbbbbbbb:root")


def test_missing_or_broken_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such file"):
        load_config(tmp_path / "absent.toml", env={})
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(write(tmp_path, "[server\n"), env={})
