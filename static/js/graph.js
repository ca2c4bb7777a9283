/* The link graph of the case and subject pages (templates/cases/_graph.html): draws the JSON of
   cases/graph.py with Cytoscape.js (static/vendor/cytoscape), expands a node by one hop when it
   is selected, filters by hops, kind and date, and downloads the drawing as a PNG. Served as a
   file: the Content-Security-Policy allows no inline script, and Cytoscape draws on a canvas.
   The page keeps its plain fallback text where this script or Cytoscape does not run.
   window.fusionGraph is the Cytoscape instance, for the browser tests. */
(function () {
  "use strict";
  var section = document.querySelector("section[data-graph]");
  if (!section || typeof window.cytoscape !== "function" || !window.fetch) {
    return;
  }
  var form = section.querySelector(".graph-controls");
  var box = section.querySelector(".graph-canvas");
  var status = section.querySelector(".graph-status");
  var selected = section.querySelector(".graph-selected");
  var startUrl = section.dataset.graph;
  var COLOURS = {
    case: "#0b4f8a", item: "#8a4b0b", person: "#1a7f37", vehicle: "#6d28d9", vin: "#6d28d9",
    phone: "#b42318", email: "#0e7490", address: "#4d5b0b", organisation: "#9d174d",
    account: "#374151"
  };
  var SHAPES = { case: "round-rectangle", item: "diamond" };

  section.querySelector(".graph-fallback").hidden = true;
  form.hidden = false;
  box.hidden = false;

  var cy = window.cytoscape({
    container: box,
    wheelSensitivity: 0.3,
    style: [
      { selector: "node", style: {
        "background-color": "data(colour)", "shape": "data(shape)", "label": "data(short)",
        "color": "#17202b", "font-size": 11, "text-valign": "bottom", "text-margin-y": 4,
        "text-wrap": "ellipsis", "text-max-width": 140, "width": 22, "height": 22,
        "text-background-color": "#ffffff", "text-background-opacity": 0.85,
        "text-background-padding": 1
      } },
      { selector: "node[?start]", style: { "border-width": 4, "border-color": "#fb8500" } },
      { selector: "node:selected", style: { "border-width": 4, "border-color": "#17202b" } },
      { selector: "edge", style: {
        "width": 1.5, "line-color": "#9aa5b1", "curve-style": "bezier", "label": "data(role)",
        "font-size": 9, "color": "#55606e", "text-rotation": "autorotate"
      } }
    ]
  });
  window.fusionGraph = cy;

  function filters(hops) {
    var query = new URLSearchParams();
    query.set("hops", hops || form.elements.hops.value);
    var kinds = Array.prototype.filter.call(form.querySelectorAll("input[name=kinds]"),
      function (input) { return input.checked; }).map(function (input) { return input.value; });
    query.set("kinds", kinds.join(","));
    ["since", "until"].forEach(function (name) {
      if (form.elements[name].value) {
        query.set(name, form.elements[name].value);
      }
    });
    return query.toString();
  }

  function shortLabel(node) {
    var text = node.kind === "case" ? node.number : node.label;
    return text.length > 32 ? text.slice(0, 31) + "…" : text;
  }

  function add(answer) {
    var added = 0;
    answer.nodes.forEach(function (node) {
      if (cy.getElementById(node.id).length) {
        return;
      }
      added += 1;
      cy.add({ group: "nodes", data: {
        id: node.id, kind: node.kind, label: node.label, short: shortLabel(node),
        url: node.url, expand: node.expand, marking: node.marking || "", owner: node.owner || "",
        colour: COLOURS[node.kind] || "#374151", shape: SHAPES[node.kind] || "ellipse",
        start: node.id === answer.start && cy.nodes().length === 0
      } });
    });
    answer.edges.forEach(function (edge) {
      var id = edge.source + ">" + edge.target;
      if (!cy.getElementById(id).length) {
        cy.add({ group: "edges", data: { id: id, source: edge.source, target: edge.target,
                                         role: edge.role || "" } });
      }
    });
    return added;
  }

  function layout() {
    cy.layout({ name: "cose", animate: false, randomize: false, nodeDimensionsIncludeLabels: true,
                padding: 20 }).run();
    section.dataset.nodes = String(cy.nodes().length);
  }

  function ask(url, hops) {
    status.textContent = "Loading…";
    return fetch(url + "?" + filters(hops), { credentials: "same-origin",
                                              headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.json().then(function (body) {
          if (!response.ok) {
            throw new Error(body.error || "The graph could not be loaded.");
          }
          return body;
        }, function () {
          throw new Error(response.status === 404 ? "Not found." : "The graph could not be loaded.");
        });
      });
  }

  function told(answer, added) {
    var text = cy.nodes().length + " nodes, " + cy.edges().length + " links";
    if (added !== undefined) {
      text += " (" + added + " new)";
    }
    if (answer.truncated) {
      text += ". More links exist than one answer shows: filter, or expand a node.";
    }
    status.textContent = text + ".";
  }

  function draw() {
    ask(startUrl).then(function (answer) {
      cy.elements().remove();
      add(answer);
      layout();
      told(answer);
    }, function (error) { status.textContent = error.message; });
  }

  function describe(node) {
    var data = node.data();
    selected.textContent = "";
    var link = document.createElement("a");
    link.href = data.url;
    link.textContent = data.label;
    var facts = [data.kind, data.marking, data.owner].filter(Boolean).join(" · ");
    selected.append("Selected: ", link, facts ? " (" + facts + ")" : "");
    selected.hidden = false;
  }

  cy.on("tap", "node", function (event) {
    var node = event.target;
    describe(node);
    ask(node.data("expand"), 1).then(function (answer) {
      var added = add(answer);
      if (added) {
        layout();
      }
      section.dataset.nodes = String(cy.nodes().length);
      told(answer, added);
    }, function (error) { status.textContent = error.message; });
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    draw();
  });

  section.querySelector(".graph-png").addEventListener("click", function () {
    var blob = cy.png({ output: "blob", bg: "#ffffff", full: true, scale: 2 });
    var link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = "link-graph.png";
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(function () { URL.revokeObjectURL(link.href); }, 1000);
  });

  draw();
}());
