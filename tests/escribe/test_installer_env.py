"""The environment file deploy/install writes names no site setting: the blog's identity is the admin's."""

import re

from deploy.installer.layout import Choices, Layout, env_file_text
from escribe.settings import _site_settings_from_env


def test_the_env_file_names_no_variable_that_only_gives_a_site_settings_first_value(monkeypatch, tmp_path):
    text = env_file_text(Layout(app=tmp_path / "app", root=tmp_path), Choices(name="blog.example.com"))
    # Commented-out lines count too: an author who uncomments one would be ignored (check's blog.W001).
    named = set(re.findall(r"\b(ESCRIBE_[A-Z_]+)=", text))
    assert "ESCRIBE_SECRET_KEY" in named
    for name in named:
        monkeypatch.setenv(name, "1")
    assert _site_settings_from_env() == {}
    assert not re.search(r"The Author|E-Scribe", text.replace("E-Scribe's settings", ""))
