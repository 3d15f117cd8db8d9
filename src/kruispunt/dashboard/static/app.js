// Kruispunt dashboard: draw charts from the API's plotly figures, the site map with its year
// slider, and follow a run's progress. Plotly.js is served by the dashboard itself.
(function () {
  "use strict";
  var CONFIG = {displaylogo: false, responsive: true};

  function fail(div, text) {
    div.dataset.state = "error";
    div.textContent = "Could not load this chart: " + text;
  }

  function draw(div) {
    return fetch(div.dataset.src).then(function (resp) {
      if (!resp.ok) { return resp.text().then(function (t) { fail(div, t); }); }
      return resp.json().then(function (fig) {
        var view = parseInt(div.dataset.view || "0", 10);
        var meta = fig.layout.meta;
        if (view > 0 && meta && meta.views) {  // the scenario asked for, not the first
          fig.data.forEach(function (t) { t.visible = !t.meta || t.meta.view === view; });
          fig.layout.annotations = meta.annotations[view] || [];
        }
        return Plotly.newPlot(div, fig.data, fig.layout, CONFIG).then(function () {
          div.dataset.state = "drawn";
        });
      });
    }).catch(function (e) { fail(div, String(e)); });
  }

  function drawCharts() {
    var divs = Array.prototype.slice.call(document.querySelectorAll(".plot[data-src]"));
    return Promise.all(divs.map(draw));
  }

  function drawMap() {
    var div = document.getElementById("site-map");
    if (!div) { return Promise.resolve(); }
    var slider = document.getElementById("map-year");
    var label = document.getElementById("map-year-label");
    return fetch(div.dataset.mapSrc).then(function (resp) {
      if (!resp.ok) { return resp.text().then(function (t) { fail(div, t); }); }
      return resp.json().then(function (fig) {
        var years = fig.layout.meta.years;
        var frames = fig.frames;
        slider.min = 0;
        slider.max = years.length - 1;
        slider.value = years.indexOf(fig.layout.meta.year);
        label.textContent = fig.layout.meta.year;
        var approx = document.getElementById("map-approx");
        if (approx) { approx.textContent = fig.layout.meta.approximate; }
        return Plotly.newPlot(div, fig.data, fig.layout, CONFIG).then(function () {
          div.dataset.state = "drawn";
          div.dataset.year = fig.layout.meta.year;
          slider.addEventListener("input", function () {
            var i = parseInt(slider.value, 10);
            label.textContent = years[i];
            var f = frames[i].data[0];
            Plotly.restyle(div, {
              "marker.color": [f.marker.color],
              "marker.line.color": [f.marker.line.color],
              text: [f.text]
            }, [0]).then(function () { div.dataset.year = years[i]; });
          });
          div.on("plotly_click", function (ev) {
            var point = ev.points && ev.points[0];
            var site = point && point.curveNumber === 0 && point.customdata && point.customdata[0];
            if (site) {
              window.location.href = div.dataset.siteBase + encodeURIComponent(site) +
                "?scenario=" + encodeURIComponent(div.dataset.scenario);
            }
          });
        });
      });
    }).catch(function (e) { fail(div, String(e)); });
  }

  function followJob(jobId) {
    var status = document.getElementById("job-status");
    var stage = document.getElementById("job-stage");
    var bar = document.getElementById("job-progress");
    var error = document.getElementById("job-error");
    var done = document.getElementById("job-done");
    var link = document.getElementById("job-result");
    function poll() {
      fetch("/api/jobs/" + encodeURIComponent(jobId)).then(function (r) { return r.json(); })
        .then(function (job) {
          status.textContent = job.status;
          stage.textContent = job.stage;
          bar.value = job.progress;
          if (job.status === "done") {
            link.href = "/runs/" + job.run_id;
            done.hidden = false;
            window.location.href = link.href;
          } else if (job.status === "failed") {
            error.textContent = job.error;
            error.hidden = false;
          } else {
            window.setTimeout(poll, 400);
          }
        })
        .catch(function () { window.setTimeout(poll, 1000); });
    }
    poll();
  }

  function loadFragments() {
    var parts = Array.prototype.slice.call(document.querySelectorAll("[data-fragment]"));
    return Promise.all(parts.map(function (el) {
      return fetch(el.dataset.fragment).then(function (resp) {
        return resp.text().then(function (text) {
          if (!resp.ok) { el.dataset.state = "error"; }
          el.outerHTML = text;
        });
      }).catch(function (e) { el.dataset.state = "error"; el.textContent = String(e); });
    }));
  }

  window.kp = {
    drawCharts: drawCharts, drawMap: drawMap, followJob: followJob, loadFragments: loadFragments
  };
})();
