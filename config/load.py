"""Reading the TOML config and GRIDWATCH_TOKENS, with errors that name the key and the bound."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from config.roles import check_role
from config.server import Config


class ConfigError(ValueError):
    pass


def _describe(exc: ValidationError, source: str) -> str:
    lines = [f"{source}: invalid configuration"]
    for err in exc.errors():
        loc = [str(p) for p in err["loc"]]
        secret = loc[:2] == ["auth", "tokens"]
        where = ".".join(loc[:2] if secret else loc)  # a token is a key there: never echo it
        if not loc:  # a rule across sections: its message names the keys
            lines.append(f"  {err['msg'].removeprefix('Value error, ')}")
        elif err["type"] == "extra_forbidden":
            lines.append(f"  unknown key {where!r}")
        elif secret:
            lines.append(f"  {where}: {err['msg']}")
        else:
            lines.append(f"  {where}: {err['msg']} (got {err.get('input')!r:.60})")
    return "\n".join(lines)


def parse_env_tokens(value: str) -> dict[str, str]:
    """GRIDWATCH_TOKENS="token1:role,token2:role"."""
    tokens: dict[str, str] = {}
    for n, part in enumerate(p.strip() for p in value.split(",")):
        if not part:
            continue
        token, sep, role = part.partition(":")
        try:
            if not sep or not token:
                raise ValueError("expected token:role")
            check_role(role)
        except ValueError as exc:
            raise ConfigError(f"GRIDWATCH_TOKENS entry {n + 1}: {exc}") from None
        tokens[token] = role
    return tokens


def load_config(path: str | Path | None = None, env: dict[str, str] | None = None) -> Config:
    env = dict(os.environ) if env is None else env
    raw: dict[str, Any] = {}
    source = "defaults"
    if path is not None:
        source = str(path)
        try:
            raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"{source}: no such file") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{source}: not valid TOML: {exc}") from None
    env_tokens = parse_env_tokens(env.get("GRIDWATCH_TOKENS", ""))
    if env_tokens:
        auth = dict(raw.get("auth", {}))
        auth["tokens"] = {**dict(auth.get("tokens", {})), **env_tokens}
        raw["auth"] = auth
    try:
        return Config.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, source)) from None
