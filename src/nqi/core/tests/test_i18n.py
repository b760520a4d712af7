from django.test import Client


def test_chinese_by_default_even_for_an_english_browser(db):
    html = Client(HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").get("/login/").content.decode()
    assert '<html lang="zh-hans">' in html


def test_the_language_switch_is_honoured(db):
    client = Client()
    client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
    assert '<html lang="en">' in client.get("/login/").content.decode()
