"""Under CI a test whose tool is missing fails; elsewhere it is skipped (tests/helpers.needed)."""
import pytest

from tests.helpers import needed


def test_a_missing_tool_fails_under_ci(monkeypatch):
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="Required under CI: LibreOffice"):
        needed("LibreOffice")


def test_a_missing_tool_is_skipped_on_a_developer_s_machine(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="LibreOffice"):
        needed("LibreOffice")
