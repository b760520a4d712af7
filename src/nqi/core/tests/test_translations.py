"""The English catalog is complete and compiled, and an English page shows English navigation.

The source strings are Chinese; `nqi makemessages -l en ...` then `nqi compilemessages` refresh the catalog.
These tests read the committed .po with a few lines of code (polib is not a dependency) and the .mo with the
standard library, so a string added to the catalog but left untranslated, a fuzzy entry, a broken placeholder
or a .mo not recompiled after editing the .po fails here.
"""

import ast
import gettext
import re
from pathlib import Path

import pytest
from django.test import Client
from django.utils import translation

from nqi import testing
from nqi.accounts.choices import RegulatorLevel
from nqi.core.choices import City

LC_MESSAGES = Path(__file__).resolve().parents[2] / "locale" / "en" / "LC_MESSAGES"
CJK = re.compile(r"[\u3400-\u9fff]")
PLACEHOLDER = re.compile(r"%(?:\([^)]+\))?[-+ #0]*\d*(?:\.\d+)?[sdifr%]|\{\d*\}")


def _entries():
    """(flags, fields) per entry of django.po; fields maps msgid, msgid_plural, msgstr, msgstr[0] ... to text."""
    entries, flags, fields, key = [], set(), {}, None
    for raw in (LC_MESSAGES / "django.po").read_text(encoding="utf-8").splitlines() + [""]:
        line = raw.strip()
        if not line or line.startswith("#~"):
            if fields:
                entries.append((flags, fields))
            flags, fields, key = set(), {}, None
        elif line.startswith("#,"):
            flags |= {f.strip() for f in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            fields[key] += ast.literal_eval(line)
        else:
            key, _, value = line.partition(" ")
            fields[key] = ast.literal_eval(value)
    return [(flags, fields) for flags, fields in entries if fields.get("msgid")]  # not the header


ENTRIES = _entries()


def _translations(fields):
    return [(k, v) for k, v in fields.items() if k.startswith("msgstr")]


def test_the_catalog_is_big_enough_to_be_the_real_one():
    assert len(ENTRIES) > 1000


def test_every_entry_is_translated_and_not_fuzzy():
    untranslated = [f["msgid"] for _flags, f in ENTRIES if not all(v for _k, v in _translations(f))]
    fuzzy = [f["msgid"] for flags, f in ENTRIES if "fuzzy" in flags]
    assert untranslated == [], f"{len(untranslated)} untranslated: {untranslated[:20]}"
    assert fuzzy == [], f"{len(fuzzy)} fuzzy: {fuzzy[:20]}"


def test_no_chinese_is_left_in_the_english_translations():
    left = [v for _flags, f in ENTRIES for _k, v in _translations(f) if CJK.search(v)]
    assert left == []


def test_placeholders_and_plural_forms_are_kept():
    for flags, f in ENTRIES:
        if "msgid_plural" in f:
            assert set(f) >= {"msgstr[0]", "msgstr[1]"}, f["msgid"]
        if "python-format" not in flags:
            continue
        for key, value in _translations(f):
            source = f["msgid_plural"] if key == "msgstr[1]" else f["msgid"]
            assert sorted(PLACEHOLDER.findall(value)) == sorted(PLACEHOLDER.findall(source)), (f["msgid"], value)


def test_the_compiled_catalog_matches_the_po_file():
    with (LC_MESSAGES / "django.mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    stale = []
    for _flags, f in ENTRIES:
        if "msgctxt" in f:
            got = compiled.pgettext(f["msgctxt"], f["msgid"])
        elif "msgid_plural" in f:
            got = compiled.ngettext(f["msgid"], f["msgid_plural"], 1)
        else:
            got = compiled.gettext(f["msgid"])
        want = f.get("msgstr", f.get("msgstr[0]"))
        if got != want:
            stale.append(f["msgid"])
    assert stale == [], f"django.mo is out of date, run `nqi compilemessages`: {stale[:10]}"


@pytest.mark.parametrize("source, english", [
    ("监督抽查", "Spot checks"),
    ("服务需求", "Service requests"),
    ("统一社会信用代码", "Unified Social Credit Code"),
    ("复检", "Re-test"),
    ("不合格", "Failed"),
    ("特种设备", "Special equipment"),
    ("柳州市", "Liuzhou"),
])
def test_key_labels_in_english(source, english):
    with translation.override("en"):
        assert translation.gettext(source) == english
    with translation.override("zh-hans"):
        assert translation.gettext(source) == source


def _english_client(user=None):
    client = Client()
    if user is not None:
        client.force_login(user)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    return client


def _nav_text(html):
    nav = html[html.index("<nav"):html.index("</nav>")]
    nav = re.sub(r'<span[^>]*id="nav-user".*?</span>', "", nav, flags=re.S)  # the user's name and organisation
    nav = re.sub(r"<option.*?</option>", "", nav, flags=re.S)  # language names are in their own language
    return re.sub(r"<[^>]+>", " ", nav)


def test_english_login_page_has_no_chinese_interface_text(db):
    html = _english_client().get("/login/").content.decode()
    assert '<html lang="en">' in html and "Log in" in html
    text = re.sub(r"<option.*?</option>", "", html, flags=re.S)
    assert CJK.findall(text) == []


@pytest.mark.parametrize("who", ["enterprise", "region"])
def test_english_pages_show_english_navigation(db, who):
    if who == "enterprise":
        _org, user = testing.make_enterprise(City.LIUZHOU)
    else:
        user = testing.make_regulator(City.NANNING, RegulatorLevel.REGION)
    client = _english_client(user)
    for url in ("/", "/requests/", "/standards/", "/inspections/public/"):
        html = client.get(url).content.decode()
        assert '<html lang="en">' in html, url
        nav = _nav_text(html)
        assert CJK.findall(nav) == [], (url, nav)
        assert "Spot checks" in nav and "Log out" in nav, url
    if who == "region":
        assert "Quality statistics" in nav and "Registrations" in nav
