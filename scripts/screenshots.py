"""Screenshots of the demo for docs/screenshots/: the report on a desktop and a phone, its
heatmap and trends, the survey on a phone.

    .venv/bin/python scripts/screenshots.py

Loads the demo into a throwaway SQLite database, serves it, and drives Debian's Chromium.
"""

import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
PORT = 8765


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp())
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CELERY_BROKER_URL")}
    env |= {
        "DATABASE_URL": f"sqlite:///{work / 'demo.sqlite3'}",
        "SECRET_KEY": "screenshots",
        "SITE_URL": f"http://127.0.0.1:{PORT}",
    }
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], env=env, check=True)
    loaded = subprocess.run(
        [*manage, "load_demo"], env=env, check=True, capture_output=True, text=True
    ).stdout
    link = re.search(r"(/s/[A-Za-z0-9_\-]+/)", loaded).group(1)
    server = subprocess.Popen(
        [*manage, "runserver", f"127.0.0.1:{PORT}", "--noreload"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{PORT}"
    try:
        for _ in range(60):
            try:
                urllib.request.urlopen(f"{base}/healthz")
                break
            except OSError:
                time.sleep(0.5)
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path="/usr/bin/chromium",
                args=[
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-background-networking",
                ],
            )
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(f"{base}/accounts/login/")
            page.fill("#id_username", "ceo")
            page.fill("#id_password", "northwind-demo")
            page.click("button[type=submit]")
            page.wait_for_selector("#values")
            page.screenshot(path=str(OUT / "report.png"), full_page=False)
            page.locator("#values").screenshot(path=str(OUT / "report-stated-vs-lived.png"))
            page.locator("#heatmap .heatmap").first.screenshot(path=str(OUT / "heatmap.png"))
            page.locator("#predictions").screenshot(path=str(OUT / "predictions.png"))
            page.locator("#trends").screenshot(path=str(OUT / "trends.png"))
            # What employees write about a value: its themes, with the quotes opened.
            page.locator("#voice-learning_from_mistakes summary").click()
            page.locator("#values table").screenshot(path=str(OUT / "comment-themes.png"))
            phone = browser.new_page(
                viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True
            )
            phone.goto(base + link)
            phone.screenshot(path=str(OUT / "survey-phone.png"), full_page=False)
            phone.goto(f"{base}/accounts/login/")
            phone.fill("#id_username", "ceo")
            phone.fill("#id_password", "northwind-demo")
            phone.click("button[type=submit]")
            phone.wait_for_selector("#values")
            phone.screenshot(path=str(OUT / "report-phone.png"), full_page=False)
            browser.close()
    finally:
        server.terminate()
    print(f"Screenshots written to {OUT}")


if __name__ == "__main__":
    main()
