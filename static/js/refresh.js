// Progress pages follow their job without reloading: every few seconds the page is fetched
// again and only its status card (a polite live region) is replaced, so the keyboard focus and
// a screen reader's place stay where they were. When the job is done the server redirects, and
// the page follows. Without JavaScript, the <noscript> refresh reloads the whole page instead.
(function () {
  var region = document.querySelector("[data-refresh]");
  if (!region) return;
  var seconds = Number(region.getAttribute("data-refresh")) || 5;
  function later() {
    window.setTimeout(poll, seconds * 1000);
  }
  function poll() {
    fetch(window.location.href, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (response.redirected) {
          window.location.assign(response.url);
          return;
        }
        if (!response.ok) return later();
        return response.text().then(function (html) {
          var page = new DOMParser().parseFromString(html, "text/html");
          var fresh = page.getElementById(region.id);
          if (!fresh) return later();
          region.innerHTML = fresh.innerHTML;
          if (fresh.hasAttribute("data-refresh")) later();
        });
      })
      .catch(later);
  }
  later();
})();
