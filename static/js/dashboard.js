/* The dashboard's map and charts, drawn with d3 (static/vendor/d3) from the figures the page
   carries in #dashboard-data (json_script): nothing inline, nothing evaluated. The state
   outlines are us-atlas's states-albers-10m TopoJSON (already projected), served by the portal.
   Without JavaScript the tile grid and the tables show the same figures. */
(function () {
  "use strict";
  var source = document.getElementById("dashboard-data");
  if (!source || !window.d3) { return; }
  var data = JSON.parse(source.textContent);
  var byName = {};
  data.states.forEach(function (row) { byName[row.name] = row; });

  function plural(n, word) { return n + " " + word + (n === 1 ? "" : "s"); }

  function drawMap() {
    var figure = document.getElementById("choropleth");
    if (!figure || !window.topojson) { return; }
    fetch(figure.getAttribute("data-atlas"), { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error("atlas " + response.status); }
        return response.json();
      })
      .then(function (atlas) {
        var states = topojson.feature(atlas, atlas.objects.states).features;
        var max = d3.max(data.states, function (row) { return row.open_cases; }) || 1;
        var color = d3.scaleSequential([0, max], d3.interpolateBlues);
        var svg = d3.create("svg")
          .attr("viewBox", "0 0 975 610")
          .attr("class", "choropleth-map")
          .attr("role", "img")
          .attr("aria-label", "Map of the United States shaded by open cases per state; the table 'By state' gives the figures.");
        var path = d3.geoPath();
        svg.append("g").selectAll("path").data(states).join("path")
          .attr("class", "state")
          .attr("data-state", function (f) { var row = byName[f.properties.name]; return row ? row.code : ""; })
          .attr("fill", function (f) {
            var row = byName[f.properties.name];
            return row && row.open_cases ? color(row.open_cases) : "#eef1f5";
          })
          .attr("d", path)
          .append("title").text(function (f) {
            var row = byName[f.properties.name];
            return f.properties.name + ": " + plural(row ? row.open_cases : 0, "open case");
          });
        svg.append("path")
          .datum(topojson.mesh(atlas, atlas.objects.states, function (a, b) { return a !== b; }))
          .attr("class", "state-borders").attr("d", path);
        var legend = svg.append("g").attr("class", "legend").attr("transform", "translate(600,20)");
        var steps = Array.from(new Set(d3.range(0, 5).map(function (i) { return Math.round(max * i / 4); })));
        legend.selectAll("rect").data(steps).join("rect")
          .attr("x", function (d, i) { return i * 56; }).attr("width", 56).attr("height", 10)
          .attr("fill", function (d) { return d ? color(d) : "#eef1f5"; });
        legend.selectAll("text").data(steps).join("text")
          .attr("x", function (d, i) { return i * 56; }).attr("y", 26).text(function (d) { return d; });
        figure.insertBefore(svg.node(), figure.firstChild);
        figure.classList.add("drawn");
      })
      .catch(function () { /* the tile grid stays */ });
  }

  function bars(target, labels, series, names) {
    var node = document.getElementById(target);
    if (!node) { return; }
    var width = 640, height = 240, margin = { top: 24, right: 8, bottom: 48, left: 36 };
    var x = d3.scaleBand().domain(labels).range([margin.left, width - margin.right]).padding(0.2);
    var inner = d3.scaleBand().domain(d3.range(series.length)).range([0, x.bandwidth()]).padding(0.05);
    var top = d3.max(series, function (s) { return d3.max(s); }) || 1;
    var y = d3.scaleLinear().domain([0, top]).nice().range([height - margin.bottom, margin.top]);
    var svg = d3.select(node).append("svg").attr("viewBox", "0 0 " + width + " " + height)
      .attr("aria-hidden", "true").attr("class", "bars");
    series.forEach(function (values, n) {
      svg.append("g").attr("class", "series series-" + n).selectAll("rect").data(values).join("rect")
        .attr("x", function (d, i) { return x(labels[i]) + inner(n); })
        .attr("width", inner.bandwidth())
        .attr("y", function (d) { return y(d); })
        .attr("height", function (d) { return y(0) - y(d); })
        .append("title").text(function (d, i) { return labels[i] + ": " + d + " " + names[n]; });
    });
    svg.append("g").attr("transform", "translate(0," + (height - margin.bottom) + ")")
      .call(d3.axisBottom(x)).selectAll("text").attr("transform", "rotate(-35)").attr("text-anchor", "end");
    svg.append("g").attr("transform", "translate(" + margin.left + ",0)")
      .call(d3.axisLeft(y).ticks(Math.min(5, top)).tickFormat(d3.format("d")));
    if (names.length > 1) {
      var key = svg.append("g").attr("class", "key").attr("transform", "translate(" + (margin.left + 8) + ",8)");
      names.forEach(function (name, n) {
        key.append("rect").attr("class", "series-" + n).attr("x", n * 90).attr("width", 12).attr("height", 12);
        key.append("text").attr("x", n * 90 + 16).attr("y", 10).text(name);
      });
    }
  }

  drawMap();
  bars("chart-weeks",
    data.weeks.map(function (w) { return w.start.slice(5); }),
    [data.weeks.map(function (w) { return w.cases; }), data.weeks.map(function (w) { return w.items; })],
    ["cases", "items"]);
  var alerted = data.states.filter(function (row) { return row.alerts > 0; });
  if (alerted.length) {
    bars("chart-alerts", alerted.map(function (row) { return row.code; }),
      [alerted.map(function (row) { return row.alerts; })], ["alerts"]);
  }
}());
