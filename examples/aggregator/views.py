"""Serve the aggregator's JSON dashboard and the demo page that explains it.

Both answer GET and HEAD only. `dashboard` reads the aggregator from `request.state` (put
there by the lifespan) and answers 200 with every part that arrived in time, naming the
missing ones and why, or 502 when no upstream answered.
"""

from __future__ import annotations

from examples.aggregator.aggregator import Aggregator
from legato.exceptions import ImproperlyConfigured
from legato.http.request import HttpRequest
from legato.http.response import HttpResponse, JsonResponse
from legato.views.decorators import require_safe

__all__ = ["dashboard", "page"]


@require_safe
async def dashboard(request: HttpRequest) -> JsonResponse:
    report = await _aggregator_of(request).collect(request.GET)
    return JsonResponse(report.as_json(), status=report.status)


def _aggregator_of(request: HttpRequest) -> Aggregator:
    aggregator = getattr(request.state, "aggregator", None)
    if not isinstance(aggregator, Aggregator):
        raise ImproperlyConfigured(
            "request.state has no aggregator: give the App "
            "`lifespan=aggregator_lifespan(...)` (from examples.aggregator.lifespan), or "
            "build it with examples.aggregator.app.make_app()."
        )
    return aggregator


PAGE = """<!doctype html><meta charset="utf-8"><title>API aggregator</title>
<style>body{font:16px system-ui,sans-serif;max-width:50em;margin:2em auto}
pre{background:#f4f4f4;padding:1em;overflow:auto}</style>
<h1>API aggregator</h1>
<p>One request, three upstream APIs (weather, news, traffic) awaited concurrently: each
takes 0.3&nbsp;s, together about 0.3&nbsp;s, not 0.9&nbsp;s. The upstreams are simulated
by this same app and called over real HTTP through one shared client. Each gets 1&nbsp;s;
a slow or failing one costs only its own part, and the answer says why it is missing.
Answers are cached for 5&nbsp;s, and identical requests in flight share one call.</p>
<ul>
<li><a href="dashboard/?city=Paris">every upstream healthy</a> (open it twice: the second
answer comes from the cache)</li>
<li><a href="dashboard/?city=Lyon&amp;weather_delay=5">weather is slow: cut at its 1&nbsp;s
timeout</a></li>
<li><a href="dashboard/?city=Nice&amp;news_fail=503&amp;traffic_fail=json">news answers 503,
traffic answers HTML instead of JSON</a></li>
<li><a href="dashboard/?city=Oslo&amp;fail=500">every upstream fails: 502</a></li>
</ul>
<p><button id="burst">Send 20 identical requests at once</button> and count, per upstream,
where each answer came from: one call went upstream, the others joined it.</p>
<pre id="out">&nbsp;</pre>
<script>
document.getElementById("burst").onclick = async () => {
  const out = document.getElementById("out");
  out.textContent = "waiting\u2026";
  const url = "dashboard/?city=Burst-" + Date.now();
  const answers = await Promise.all(
    Array.from({length: 20}, () => fetch(url).then((response) => response.json())));
  const tally = {};
  for (const answer of answers) {
    for (const [name, source] of Object.entries(answer.sources)) {
      tally[name] = tally[name] || {};
      tally[name][source] = (tally[name][source] || 0) + 1;
    }
  }
  out.textContent = JSON.stringify(tally, null, 2);
};
</script>
"""


@require_safe
async def page(request: HttpRequest) -> HttpResponse:
    return HttpResponse(PAGE)
