"""The panel works offline: no page, and no stylesheet a page loads, asks another host for anything."""
import re

from tests.helpers import make_scenario

ASSET_RE = re.compile(r'<(?:link|script|img)\b[^>]*?\b(?:href|src)="([^"]+)"')
REMOTE_CSS_RE = re.compile(r'(?:@import|url\()\s*["\']?(?:https?:)?//', re.IGNORECASE)


def assets_of(client, url):
    page = client.get(url)
    assert page.status_code == 200, url
    return ASSET_RE.findall(page.get_data(as_text=True))


def assert_served_here(client, assets):
    for asset in assets:
        assert asset.startswith("/") and not asset.startswith("//"), asset
        response = client.get(asset)
        assert response.status_code == 200, asset
        if asset.split("?")[0].endswith(".css"):
            assert not REMOTE_CSS_RE.search(response.get_data(as_text=True)), asset


def test_login_page_loads_nothing_from_another_host(browser):
    assets = assets_of(browser.client, "/login")
    assert any(asset.endswith(".css") for asset in assets)  # a styled page, not a bare one
    assert_served_here(browser.client, assets)


def test_panel_pages_load_nothing_from_another_host(as_role):
    first, second = make_scenario("Scénario A"), make_scenario("Scénario B")
    client = as_role("viewer").client
    for url in ("/admin/", "/admin/structure/", "/logout",
                f"/admin/scenario/compare/?ids={first.id},{second.id}"):
        assets = assets_of(client, url)
        assert any(asset.split("?")[0].endswith(".css") for asset in assets), url
        assert_served_here(client, assets)
