"""The demo's name: seed_demo calls the blog "E-Scribe" while the demo is here; remove_demo gives the author's back."""

import pytest
from django.test import Client

from blog.models import Post, Upload
from blog.site import SiteSettings, first_values
from moving import demo
from tests.support.commands import run
from tests.support.demo_folders import PICTURE
from tests.support.factories import set_site

pytestmark = pytest.mark.django_db


def identity():
    row = SiteSettings.objects.get(pk=1)
    return row.title, row.tagline


def test_the_demo_calls_the_blog_e_scribe_and_remove_demo_gives_the_first_values_back(settings):
    settings.SITE_URL = "http://127.0.0.1:8000"
    set_site(**first_values())
    assert identity() == ("127.0.0.1", "")
    run("seed_demo")
    assert identity() == ("E-Scribe", "Notes from a working programmer")
    assert "<title>E-Scribe</title>" in Client().get("/").content.decode()

    dry = run("remove_demo", "--dry-run")
    assert "Would set the blog's title from 'E-Scribe' to '127.0.0.1'" in dry and identity()[0] == "E-Scribe"
    out = run("remove_demo")
    assert "Set the blog's title from 'E-Scribe' to '127.0.0.1'" in out
    assert "Set the blog's tagline from 'Notes from a working programmer' to ''" in out
    assert identity() == ("127.0.0.1", "")
    page = Client().get("/").content.decode()
    assert "E-Scribe</" not in page.split("Powered by")[0] and "Notes from a working programmer" not in page


def test_a_name_the_author_chose_before_the_demo_stays_through_it():
    set_site(title="Ada's notebook")
    run("seed_demo")
    assert identity() == ("Ada's notebook", "Notes from a working programmer")  # the tagline was not chosen
    run("remove_demo")
    assert identity() == ("Ada's notebook", "")


def test_a_name_given_by_the_environment_stays_through_the_demo(settings):
    settings.SITE_SETTINGS_FROM_ENV = {"tagline": ("ESCRIBE_SITE_TAGLINE", "")}
    set_site(**first_values())
    run("seed_demo")
    assert identity() == ("E-Scribe", "")  # an empty tagline, set on purpose, is a choice too


def test_a_setting_the_author_changed_while_the_demo_was_here_stays_and_remove_demo_says_so():
    set_site(**first_values())
    run("seed_demo")
    set_site(title="Ada's notebook")  # the tagline is still the demo's
    out = run("remove_demo")
    assert identity() == ("Ada's notebook", first_values().get("tagline", ""))
    assert "Kept the blog's title \"Ada's notebook\": changed since the demo set it." in out


def test_a_blog_already_called_e_scribe_keeps_its_name(settings):
    # Nothing changed by the load, nothing to put back: the name was the author's before the demo came.
    set_site(title="E-Scribe", tagline="Notes from a working programmer")
    run("seed_demo")
    assert demo.present()
    out = run("remove_demo")
    assert identity() == ("E-Scribe", "Notes from a working programmer") and "blog's title" not in out


def test_a_demo_upload_chosen_as_the_sharing_image_stays_and_remove_demo_says_so(demo_with_a_picture):
    run("seed_demo", "--from", str(demo_with_a_picture))
    card = Upload.objects.get(file=PICTURE)
    set_site(share_image=card)
    out = run("remove_demo")
    assert f"Kept upload '{PICTURE}': chosen in Site settings." in out
    assert not Post.objects.exists() and SiteSettings.objects.get().share_image == card
    dry = run("remove_demo", "--dry-run")
    assert "nothing to remove" in dry
