"""ServiceConfig and autorisk serve's arguments: the admin token from the environment, never a default; bad input exits 2."""

from __future__ import annotations

import pytest

from autorisk.cli import main
from autorisk.errors import ParameterError
from autorisk.service import ServiceConfig


@pytest.fixture(autouse=True)
def _no_token(monkeypatch):
    monkeypatch.delenv("AUTORISK_ADMIN_TOKEN", raising=False)
    monkeypatch.delenv("AUTORISK_ADMIN_TOKEN_FILE", raising=False)


def test_no_token_anywhere_means_no_token(tmp_path):
    assert ServiceConfig(tmp_path).with_token_from_env().admin_token is None


def test_the_token_comes_from_the_variable_else_the_file(tmp_path, monkeypatch):
    secret = tmp_path / "token"
    secret.write_text("from-the-file-0123456789\n")
    monkeypatch.setenv("AUTORISK_ADMIN_TOKEN_FILE", str(secret))
    assert ServiceConfig(tmp_path).with_token_from_env().admin_token == "from-the-file-0123456789"
    monkeypatch.setenv("AUTORISK_ADMIN_TOKEN", "from-the-variable-0123456789")
    assert ServiceConfig(tmp_path).with_token_from_env().admin_token == "from-the-variable-0123456789"


def test_a_short_token_and_an_unreadable_file_are_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("AUTORISK_ADMIN_TOKEN", "short")
    with pytest.raises(ParameterError, match="at least 16 characters"):
        ServiceConfig(tmp_path).with_token_from_env()
    monkeypatch.delenv("AUTORISK_ADMIN_TOKEN")
    monkeypatch.setenv("AUTORISK_ADMIN_TOKEN_FILE", str(tmp_path / "missing"))
    with pytest.raises(ParameterError, match="AUTORISK_ADMIN_TOKEN_FILE"):
        ServiceConfig(tmp_path).with_token_from_env()


def test_the_token_never_travels_in_the_config_handed_to_workers(tmp_path):
    config = ServiceConfig(tmp_path, admin_token="a-token-of-twenty-chars")
    assert "a-token-of-twenty-chars" not in config.to_json()
    assert ServiceConfig.from_json(config.to_json()).admin_token is None


@pytest.mark.parametrize("field, value", [("extra_fields", "drop"), ("max_batch", 0), ("max_batch", True),
                                          ("poll_seconds", -1.0)])  # fmt: skip
def test_bad_settings_are_refused_naming_them(tmp_path, field, value):
    with pytest.raises(ParameterError, match=field):
        ServiceConfig(tmp_path, **{field: value})


def test_serve_exits_2_on_a_missing_folder_or_an_unreadable_token_file(tmp_path, monkeypatch, capsys):
    assert main(["serve", "--plans", str(tmp_path / "nowhere")]) == 2
    assert "no such folder" in capsys.readouterr().err
    monkeypatch.setenv("AUTORISK_ADMIN_TOKEN_FILE", str(tmp_path / "missing"))
    assert main(["serve", "--plans", str(tmp_path)]) == 2
    assert "AUTORISK_ADMIN_TOKEN_FILE" in capsys.readouterr().err
