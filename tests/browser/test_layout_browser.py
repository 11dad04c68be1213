"""The report and the HR pages laid out at every common screen width, from a small phone (360 px)
to a wide desktop (1920 px): nothing is cut off, and the charts are drawn at a size their text
can be read at.

"Cut off" is measured, not looked at: the page never scrolls sideways; a table wider than its
card sits in a scroll region the keyboard can reach; no cell's content (a badge, a figure, a
link) sticks out of its cell; no box that hides its overflow is hiding any.
"""

import re

import pytest
from playwright.sync_api import Page, expect

from culturesurvey import demo
from surveys.models import Organization, Wave

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
WIDTHS = [360, 390, 768, 1024, 1280, 1440, 1920]

# Every check in one pass over the laid-out page; returns what is wrong, in words.
CUT_OFF = """() => {
  const problems = [];
  const name = (el) => {
    const id = el.id ? '#' + el.id : '';
    const cls = el.classList.length ? '.' + [...el.classList].join('.') : '';
    const text = (el.innerText || '').trim().replace(/\\s+/g, ' ').slice(0, 40);
    return `${el.tagName.toLowerCase()}${id}${cls} "${text}"`;
  };
  document.querySelectorAll('details').forEach((d) => { d.open = true; });
  const root = document.documentElement;
  if (root.scrollWidth > window.innerWidth + 1) {
    const scrolled = (el) => ['auto', 'scroll', 'hidden', 'clip']
      .includes(getComputedStyle(el.parentElement).overflowX) || (el.parentElement !== document.body
      && el.parentElement.closest('.table-wrap') !== null);
    const wide = [...document.querySelectorAll('body *')]
      .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1 && !scrolled(el))
      .slice(0, 3).map(name);
    problems.push(`the page scrolls sideways (${root.scrollWidth} px): ${wide.join(', ')}`);
  }
  for (const cell of document.querySelectorAll('main td, main th')) {
    const box = cell.getBoundingClientRect();
    if (box.width === 0) continue;
    for (const inner of cell.querySelectorAll('*')) {
      const r = inner.getBoundingClientRect();
      if (r.width === 0 || getComputedStyle(inner).position === 'absolute') continue;
      if (r.left < box.left - 1 || r.right > box.right + 1) {
        problems.push(`${name(inner)} sticks out of its cell ${name(cell)}`);
      }
    }
  }
  for (const el of document.querySelectorAll('main *')) {
    const style = getComputedStyle(el);
    const hides = ['hidden', 'clip'].includes(style.overflowX);
    const scrolls = ['auto', 'scroll'].includes(style.overflowX);
    if (el.classList.contains('visually-hidden') || el.closest('.visually-hidden')) continue;
    if (hides && el.scrollWidth > el.clientWidth + 1) {
      problems.push(`${name(el)} hides ${el.scrollWidth - el.clientWidth} px of its content`);
    }
    if (scrolls && el.scrollWidth > el.clientWidth + 1 && el.tabIndex < 0
        && !el.querySelector('a, button, input, select, textarea, [tabindex]')) {
      problems.push(`${name(el)} scrolls sideways but the keyboard cannot reach it`);
    }
  }
  return problems;
}"""

# The height each chart text is drawn at, per chart, in CSS pixels.
CHART_TEXT = """(selector) => [...document.querySelectorAll(selector)]
  .filter((svg) => svg.getBoundingClientRect().width > 0)
  .map((svg) => ({
    chart: svg.getAttribute('aria-label') || svg.querySelector('title')?.textContent || '',
    width: svg.getBoundingClientRect().width,
    room: svg.closest('.card').clientWidth,
    smallest: Math.min(...[...svg.querySelectorAll('text')]
      .map((t) => t.getBoundingClientRect().height)),
  }))"""


@pytest.fixture
def northwind(live_server):
    from culturesurvey.celery import app

    app.conf.task_always_eager = True
    return demo.demo_load()


def sign_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(demo.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_attached()


def sweep(page: Page, url: str) -> dict[str, list[str]]:
    """What is cut off on the page at each width."""
    found = {}
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(url)
        problems = page.evaluate(CUT_OFF)
        if problems:
            found[f"{url} at {width} px"] = problems
    return found


def test_the_check_finds_a_cut_off_badge_and_a_page_that_scrolls_sideways(
    northwind, browser, live_server
):
    page = browser.new_page()
    sign_in(page, live_server.url, "ceo")
    page.set_viewport_size({"width": 1440, "height": 900})
    assert page.evaluate(CUT_OFF) == []
    page.evaluate(
        """() => {
          const cell = document.querySelector('#values td');
          cell.insertAdjacentHTML('beforeend',
            '<span id="wide-badge" class="flag" style="white-space:nowrap;display:inline-block;'
            + 'width:900px">Blind spot</span>');
          cell.style.maxWidth = '4rem';
          cell.closest('table').style.tableLayout = 'fixed';
          document.querySelector('main').insertAdjacentHTML('beforeend',
            '<div id="too-wide" style="width:3000px">wide</div>');
        }"""
    )
    problems = page.evaluate(CUT_OFF)
    assert any("#wide-badge" in p and "sticks out of its cell" in p for p in problems), problems
    assert any(p.startswith("the page scrolls sideways") for p in problems), problems
    page.close()


def test_nothing_is_cut_off_on_the_report_from_a_phone_to_a_wide_screen(
    northwind, browser, live_server
):
    page = browser.new_page()
    sign_in(page, live_server.url, "ceo")
    page.wait_for_url(re.compile("/report/"))
    found = sweep(page, page.url)
    page.close()
    assert not found, "\n".join(f"{where}: {'; '.join(what)}" for where, what in found.items())


def test_nothing_is_cut_off_on_the_hr_pages_from_a_phone_to_a_wide_screen(
    northwind, browser, live_server
):
    org = Organization.objects.get(slug=demo.SLUG)
    open_wave = Wave.objects.get(campaign__organization=org, status="open")
    closed = Wave.objects.filter(campaign__organization=org, status="closed").first()
    page = browser.new_page()
    sign_in(page, live_server.url, "hr")
    base = f"{live_server.url}/o/{demo.SLUG}"
    found = {}
    for path in [
        "/",
        "/roster/",
        "/people/",
        "/departments/",
        "/values/",
        f"/campaigns/{open_wave.campaign_id}/",
        f"/waves/{open_wave.pk}/",
        f"/waves/{closed.pk}/",
        "/access-log/",
    ]:
        found |= sweep(page, base + path)
    page.close()
    assert not found, "\n".join(f"{where}: {'; '.join(what)}" for where, what in found.items())


@pytest.mark.parametrize(("width", "legible"), [(390, 8.5), (1280, 12), (1920, 12)])
def test_trend_charts_fill_their_card_and_their_text_can_be_read(
    northwind, browser, live_server, width, legible
):
    page = browser.new_page(viewport={"width": width, "height": 900})
    sign_in(page, live_server.url, "ceo")
    page.wait_for_url(re.compile("/report/"))
    charts = page.evaluate(CHART_TEXT, "#trends .chart svg")
    page.close()

    assert len(charts) == 7  # the index and the demo's six values
    for chart in charts:
        # Across its card (the card's padding aside), not a thumbnail in a corner.
        assert chart["width"] >= 0.85 * chart["room"], chart
        assert chart["smallest"] >= legible, chart


def test_a_leader_reads_the_report_on_a_phone_and_acts_on_a_blind_spot(
    northwind, phone, live_server
):
    """On a phone: the findings first, every explanation opens on a tap, and a flagged
    value's next step leads to the action form with that value chosen."""
    page = phone
    sign_in(page, live_server.url, "ceo")
    page.wait_for_url(re.compile("/report/"))

    findings = page.locator(".key-findings")
    expect(findings).to_contain_text("Blind spots")
    expect(findings).to_contain_text("Open communication")
    # The findings are the first thing of the report, on the first screen.
    assert findings.bounding_box()["y"] < page.viewport_size["height"]

    explain = page.locator("#overview details.explain").first
    expect(explain.locator("p").first).to_be_hidden()
    explain.locator("summary").tap()
    expect(explain.locator("p").first).to_be_visible()
    expect(explain).to_contain_text("How much leaders overrate")

    row = page.locator("#values tbody tr", has_text="Open communication")
    step = row.locator("details.next-step")
    expect(step.get_by_role("link", name="Record an action on it")).to_be_hidden()
    step.locator("summary").tap()
    expect(step.get_by_role("link", name="Record an action on it")).to_be_visible()
    step.get_by_role("link", name="Record an action on it").tap()

    expect(page).to_have_url(re.compile(r"\?act=open_communication#actions$"))
    chosen = page.locator("#action-value option:checked")
    expect(chosen).to_contain_text("Open communication")
    page.get_by_label("Owner").fill("Maren Holt")
    page.get_by_label("Due date").fill("2027-03-31")
    page.get_by_label("What will change").fill("Skip-level conversations every month")
    page.get_by_role("button", name="Record action").tap()
    expect(page.locator("#actions table")).to_contain_text("Skip-level conversations every month")
    expect(page.locator("#actions table")).to_contain_text("Open communication")
