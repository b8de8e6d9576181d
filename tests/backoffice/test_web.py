"""The back-office page in a real headless Chromium (Debian's chromium + chromedriver),
served over TLS so the session cookie's Secure flag is real. Screenshots go to docs/images/."""

from __future__ import annotations

import os
import re
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, text

from ireti_till.server import auth, tls
from ireti_till.services.backoffice_refunds import CrossTillRefunds
from tests.backoffice.helpers import ROOT, ring, thread_server

os.environ.setdefault("SE_AVOID_STATS", "true")
# Screenshots go to a temp dir; to refresh the committed ones in docs/images run with
# IRETI_SCREENSHOTS=1.
IMAGES = ROOT / "docs" / "images"


@pytest.fixture
def browser() -> Iterator[object]:
    if not (shutil.which("chromium") and shutil.which("chromedriver")):
        raise RuntimeError("The page tests need Debian's chromium and chromium-driver: "
                           "apt-get install -y --no-install-recommends chromium chromium-driver")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = "/usr/bin/chromium"
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1280,900", "--ignore-certificate-errors", "--lang=en"):
        opts.add_argument(arg)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


@pytest.fixture
def tls_url(server_engine: Engine, tmp_path: Path) -> Iterator[str]:
    tls.make_self_signed(tmp_path / "c.pem", tmp_path / "k.pem", ["127.0.0.1"])
    with thread_server(server_engine, (tmp_path / "c.pem", tmp_path / "k.pem"),
                       secure_cookies=True) as url:
        yield url


def _text(d, element_id: str, expected: str) -> str:  # type: ignore[no-untyped-def]
    """The element's text once it contains ``expected`` (waits for the page to load)."""
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    def look(drv) -> str | bool:  # type: ignore[no-untyped-def]
        try:
            text_ = drv.find_element(By.ID, element_id).text
        except (NoSuchElementException, StaleElementReferenceException):
            return False
        return text_ if expected in text_ else False

    return str(WebDriverWait(d, 15).until(look))


def _fleet(make_till, server_url: str) -> str:
    """Three tills, sales, a pending cross-till reservation (its refund id returned), an
    alert."""
    t1, t2 = make_till("T01", server_url), make_till("T02", server_url)
    make_till("T03", server_url, store="S2")
    sale = ring(t1.ledger, "T01", 3)[0]
    ring(t2.ledger, "T02", 2, lines=1, qty=1)
    t1.sync.run_once()
    t2.sync.run_once()
    ref = uuid.uuid4()
    CrossTillRefunds(t2.factory).reserve(ref, str(sale.sale_id), {1: 1})
    client = t2.factory()
    assert client is not None
    client.put_alerts(1, [{  # an alert the till raised (issue 16)
        "key": "queue_stuck", "severity": "critical", "title": "Payment queue stuck",
        "message": "The oldest payment operation has waited 22 minutes.",
        "runbook": "docs/runbook.md#stuck-queue", "since": "2026-12-05T06:40:00+00:00",
        "acknowledged_by": "", "acknowledged_at": ""}])
    return str(ref)


def test_sign_in_fleet_board_and_product_edit(browser, make_till, server_url, tls_url,
                                              server_engine: Engine, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    images = IMAGES if os.environ.get("IRETI_SCREENSHOTS") else tmp_path

    d = browser
    auth.add_user(server_engine, "ngozi", "correct horse battery")
    ref = _fleet(make_till, server_url)
    d.get(tls_url + "/")
    assert d.current_url.endswith("/login")
    d.save_screenshot(str(images / "back-office-sign-in.png"))
    d.find_element(By.ID, "name").send_keys("ngozi")
    d.find_element(By.ID, "password").send_keys("wrong password!")
    d.find_element(By.ID, "sign-in").click()
    _text(d, "error", "Wrong name or password")
    d.find_element(By.ID, "name").send_keys("ngozi")
    d.find_element(By.ID, "password").send_keys("correct horse battery")
    d.find_element(By.ID, "sign-in").click()
    tills = _text(d, "tills", "T01")
    assert re.search(r"T01 S1 online \d+ s ago 0 3 €18\.00", tills), tills
    assert "T03 S2 offline never" in tills
    stores = d.find_element(By.ID, "stores").text
    assert "S1 2 of 2 5 €21.00" in stores and "S2 0 of 1 0" in stores
    pending = d.find_element(By.ID, "refunds").text  # the id refund-release needs
    assert re.search(rf"T02 [0-9a-f]{{8}} {ref} 1 1 pending", pending), pending
    assert "T03" in d.find_element(By.ID, "alerts").text
    till_alerts = d.find_element(By.ID, "till-alerts").text
    assert "T02 S1 Payment queue stuck queue_stuck critical" in till_alerts, till_alerts
    d.save_screenshot(str(images / "back-office.png"))
    cookie = d.get_cookie("bo_session")
    assert cookie["httpOnly"] and cookie["secure"] and cookie["sameSite"] == "Strict"

    d.get(tls_url + "/products?store=S1")
    d.find_element(By.ID, "sku").send_keys("tea1")
    d.find_element(By.ID, "pname").send_keys("Green tea 250 g")
    d.find_element(By.ID, "price").send_keys("450")
    d.find_element(By.ID, "save").click()
    _text(d, "products", "TEA1 Green tea 250 g 450 EUR S yes")
    d.find_element(By.ID, "sku").send_keys("bad")
    d.find_element(By.ID, "pname").send_keys("No price")
    d.find_element(By.ID, "price").send_keys("4.50")
    d.find_element(By.ID, "save").click()
    _text(d, "message", "IT-730")
    d.save_screenshot(str(images / "back-office-products.png"))
    with server_engine.connect() as conn:
        actions = conn.execute(text("SELECT actor FROM audit WHERE action='catalog.product'"))
        assert list(actions.scalars()) == ["web:ngozi"]

    # Without the form's CSRF token the same session cookie changes nothing.
    r = httpx.post(tls_url + "/products", verify=False, cookies={"bo_session": cookie["value"]},
                   data={"store": "S1", "sku": "X1", "name": "x", "price": "1",
                         "currency": "EUR", "tax_code": "S"})
    assert r.status_code == 403 and "IT-721" in r.text
    d.find_element(By.ID, "sign-out").click()
    _text(d, "sign-in", "Sign in")
    d.get(tls_url + "/")
    assert d.current_url.endswith("/login")
