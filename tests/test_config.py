"""Settings are keyword arguments; LEGATO_* environment variables override them."""

from __future__ import annotations

import pytest

from legato import App
from legato.config import Config
from legato.exceptions import ImproperlyConfigured


def test_arguments_are_used_when_no_environment_overrides() -> None:
    config = Config.from_arguments({"debug": True, "allowed_hosts": ["a.test"]}, environ={})
    assert config.debug is True
    assert config.allowed_hosts == ("a.test",)


def test_environment_overrides_arguments() -> None:
    environ = {
        "LEGATO_DEBUG": "0",
        "LEGATO_ALLOWED_HOSTS": "a.test, .b.test",
        "LEGATO_REQUEST_TIMEOUT": "2.5",
    }
    config = Config.from_arguments({"debug": True}, environ=environ)
    assert config.debug is False
    assert config.allowed_hosts == ("a.test", ".b.test")
    assert config.request_timeout == 2.5


def test_bad_environment_value_names_the_variable() -> None:
    with pytest.raises(ImproperlyConfigured, match="LEGATO_DEBUG"):
        Config.from_arguments({}, environ={"LEGATO_DEBUG": "maybe"})


def test_unknown_app_setting_is_refused_with_the_known_ones() -> None:
    with pytest.raises(ImproperlyConfigured, match="dbeug"):
        App([], dbeug=True)


def test_app_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEGATO_DEBUG", "1")
    assert App([]).debug is True


def test_multipart_count_limits_have_environment_overrides() -> None:
    environ = {
        "LEGATO_DATA_UPLOAD_MAX_NUMBER_FILES": "5",
        "LEGATO_DATA_UPLOAD_MAX_NUMBER_PARTS": "none",
    }
    config = Config.from_arguments({"data_upload_max_number_parts": 50}, environ=environ)
    assert config.data_upload_max_number_files == 5
    assert config.data_upload_max_number_parts is None
    assert Config().data_upload_max_number_parts == 5_000


def test_request_limits_parse_from_the_environment() -> None:
    environ = {"LEGATO_MAX_REQUEST_HEAD_SIZE": "none", "LEGATO_REQUEST_BODY_MIN_RATE": "250"}
    config = Config.from_arguments({}, environ=environ)
    assert config.max_request_head_size is None
    assert config.request_body_min_rate == 250.0
    assert config.request_head_timeout == 20.0


def test_secret_keys_have_environment_overrides() -> None:
    environ = {"LEGATO_SECRET_KEY": "from-env", "LEGATO_SECRET_KEY_FALLBACKS": "old-1, old-2"}
    config = Config.from_arguments({"secret_key": "in-code"}, environ=environ)
    assert config.secret_key == "from-env"
    assert config.secret_key_fallbacks == ("old-1", "old-2")
    assert Config.from_arguments({}, environ={"LEGATO_SECRET_KEY": ""}).secret_key is None


def test_secret_keys_are_tuples_and_stay_out_of_the_repr() -> None:
    config = Config.from_arguments(
        {"secret_key": "s3cret", "secret_key_fallbacks": ["old-s3cret"]}, environ={}
    )
    assert config.secret_key_fallbacks == ("old-s3cret",)
    assert "s3cret" not in repr(config)


def test_empty_secret_key_fails_at_start_up() -> None:
    with pytest.raises(ImproperlyConfigured, match="non-empty strings"):
        App([], secret_key="").core()


def test_proxy_settings_are_off_by_default_and_parse_from_the_environment() -> None:
    assert Config().use_x_forwarded_host is False
    assert Config().secure_proxy_ssl_header is None
    environ = {
        "LEGATO_USE_X_FORWARDED_HOST": "1",
        "LEGATO_USE_X_FORWARDED_PORT": "yes",
        "LEGATO_SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO, https",
    }
    config = Config.from_arguments({}, environ=environ)
    assert config.use_x_forwarded_host is config.use_x_forwarded_port is True
    assert config.secure_proxy_ssl_header == ("HTTP_X_FORWARDED_PROTO", "https")
    listed = Config.from_arguments({"secure_proxy_ssl_header": ["HTTP_X", "on"]}, environ={})
    assert listed.secure_proxy_ssl_header == ("HTTP_X", "on")


def test_a_proxy_ssl_header_variable_that_is_not_a_pair_names_the_variable() -> None:
    with pytest.raises(ImproperlyConfigured, match="LEGATO_SECURE_PROXY_SSL_HEADER"):
        Config.from_arguments({}, environ={"LEGATO_SECURE_PROXY_SSL_HEADER": "HTTP_X"})


def test_a_malformed_proxy_ssl_header_fails_at_start_up() -> None:
    app = App([], secure_proxy_ssl_header=("X-Forwarded-Proto", "https"))
    with pytest.raises(ImproperlyConfigured, match="secure_proxy_ssl_header"):
        app.core()
