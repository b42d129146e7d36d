/* kindbelang site: renders the Plotly charts and the offline selectors (map, gemeenteprofiel). No network use. */
(function () {
  "use strict";
  var CONFIG = { displayModeBar: false, responsive: true, locale: "nl", scrollZoom: false };
  var PALETTE = ["#0b4f8a", "#b3261e", "#1b6e35", "#6a3d9a", "#7a4f00", "#3d3d3d", "#006570", "#a0306e"];
  var FONT = { family: "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif", color: "#1a1a1a", size: 14 };
  window.kbCharts = 0;

  function readJson(id) { return JSON.parse(document.getElementById(id).textContent); }
  function esc(s) {
    return String(s == null ? "" : s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;").replace(/'/g, "&#39;");
  }
  // f: {decimals, suffix} from the pipeline (formatting.js_number_format), so numbers read as on the other pages.
  function fmt(v, f) {
    if (v === null || v === undefined) return "–";
    return v.toLocaleString("nl-NL", { minimumFractionDigits: f.decimals, maximumFractionDigits: f.decimals });
  }
  function withUnit(v, f) { return v === null || v === undefined ? "geen cijfer" : fmt(v, f) + f.suffix; }
  function cellText(v, f) { return v === null || v === undefined ? "–" : fmt(v, f) + f.suffix; }
  // A figure's source, caveat and the note on values CBS published above 100%, below a chart drawn here.
  function showSource(prefix, indicator, source, caveat, aboveNote) {
    var bron = document.getElementById(prefix + "-bron");
    bron.textContent = source;
    bron.setAttribute("data-indicators", indicator);
    var kt = document.getElementById(prefix + "-kanttekening");
    kt.textContent = caveat ? "Kanttekening: " + caveat : "";
    kt.hidden = !caveat;
    var above = document.getElementById(prefix + "-boven-100");
    above.textContent = aboveNote || "";
    above.hidden = !aboveNote;
  }
  function plotted(p) {
    return p.then(function (gd) {
      window.kbCharts += 1;
      if (window.kbFirstChart === undefined) window.kbFirstChart = performance.now();
      return gd;
    });
  }
  // rows: arrays of cell texts; with `indicator`, the last cell of each row is its 'Bron:' cell.
  function fillTable(table, header, rows, indicator) {
    var thead = table.tHead, tbody = table.tBodies[0];
    if (header) {
      thead.textContent = "";
      var tr = thead.insertRow();
      header.forEach(function (h) { var th = document.createElement("th"); th.scope = "col"; th.textContent = h; tr.appendChild(th); });
    }
    tbody.textContent = "";
    rows.forEach(function (row) {
      var tr = tbody.insertRow();
      row.forEach(function (cell, i) {
        var c = document.createElement(i === 0 ? "th" : "td");
        if (i === 0) c.scope = "row";
        c.textContent = cell;
        if (indicator && i === row.length - 1 && cell !== "–") {
          c.className = "bron";
          c.setAttribute("data-indicators", indicator);
        }
        tr.appendChild(c);
      });
    });
  }

  // Static charts: figures built by the pipeline, embedded as JSON next to their <div>.
  var pending = [];
  document.querySelectorAll("[data-figure]").forEach(function (div) {
    var fig = readJson(div.getAttribute("data-figure"));
    pending.push(plotted(Plotly.newPlot(div, fig.data, fig.layout, CONFIG)));
  });

  // Map: indicator and period selectors, values per gemeente, boundaries from assets/grenzen-<jaar>.js.
  var mapDiv = document.getElementById("kaart");
  if (mapDiv) {
    var mapData = readJson("kaart-data");
    // plotly.js fetches its world base map (cdn.plot.ly) for every geo subplot, even with the base layers
    // switched off. The map draws only the gemeente boundaries, so give it an empty base map instead.
    window.PlotlyGeoAssets = window.PlotlyGeoAssets || { topojson: {} };
    window.PlotlyGeoAssets.topojson.world_110m = { type: "Topology", objects: {}, arcs: [] };
    var indSel = document.getElementById("kaart-indicator"), perSel = document.getElementById("kaart-periode");
    var fillPeriods = function (selectedKey) {
      perSel.textContent = "";
      mapData.series.forEach(function (s) {
        if (s.indicator !== indSel.value) return;
        var o = document.createElement("option");
        o.value = s.key; o.textContent = s.periodLabel + (s.key.indexOf("-h") > 0 ? " (geharmoniseerd)" : "");
        if (s.key === selectedKey) o.selected = true;
        perSel.appendChild(o);
      });
      if (!selectedKey && perSel.options.length) perSel.selectedIndex = perSel.options.length - 1;
    };
    var drawMap = function () {
      var s = mapData.series.filter(function (x) { return x.key === perSel.value; })[0];
      if (!s) return Promise.resolve();
      var title = s.indicatorTitle + ", " + s.periodLabel;
      document.getElementById("kaart-titel").textContent = "Kaart: " + title;
      document.getElementById("kaart-grenzen").textContent = s.boundaryNote;
      var csv = document.getElementById("kaart-csv");
      csv.setAttribute("href", s.csv);
      var known = s.values.filter(function (v) { return v !== null; });
      var minV = Math.min.apply(null, known), maxV = Math.max.apply(null, known);
      var lo = s.values.indexOf(minV), hi = s.values.indexOf(maxV);
      document.getElementById("kaart-alt").textContent = "Kaart van " + s.values.length + " gemeenten (" + s.boundaryNote +
        "). " + known.length + " met een cijfer, van " + withUnit(minV, s.format) + " (" + s.names[lo] + ") tot " +
        withUnit(maxV, s.format) + " (" + s.names[hi] + "). De tabel ernaast geeft alle waarden.";
      var flagged = function (i) { return s.above100.indexOf(s.codes[i]) >= 0; };
      showSource("kaart", s.indicator, s.source, s.caveat, s.above100.length ? mapData.aboveNote : "");
      fillTable(document.getElementById("kaart-tabel"), null, s.names.map(function (n, i) {
        return [n, s.codes[i], cellText(s.values[i], s.format) + (flagged(i) ? " (boven 100% gepubliceerd)" : ""),
                s.source];
      }), s.indicator);
      var missing = s.codes.filter(function (c, i) { return s.values[i] === null; });
      var traces = [{
        type: "choropleth", geojson: window.KB_GEO[s.geoYear], featureidkey: "properties.statcode",
        locations: s.codes.filter(function (c, i) { return s.values[i] !== null; }),
        z: known, text: s.names.filter(function (c, i) { return s.values[i] !== null; }).map(esc),
        customdata: s.values.filter(function (v) { return v !== null; }).map(function (v) { return withUnit(v, s.format); }),
        colorscale: [[0, "#deebf7"], [0.5, "#6baed6"], [1, "#08306b"]],
        marker: { line: { color: "#4a4a4a", width: 0.3 } },
        colorbar: { title: { text: s.unit === "%" ? "%" : s.unit }, separatethousands: true, exponentformat: "none" },
        hovertemplate: "%{text}: %{customdata}<extra></extra>", name: "gemeenten"
      }];
      if (missing.length) {
        traces.push({
          type: "choropleth", geojson: window.KB_GEO[s.geoYear], featureidkey: "properties.statcode",
          locations: missing, z: missing.map(function () { return 0; }), showscale: false,
          colorscale: [[0, "#bdbdbd"], [1, "#bdbdbd"]], marker: { line: { color: "#4a4a4a", width: 0.3 } },
          text: s.codes.filter(function (c, i) { return s.values[i] === null; }).map(function (c) {
            return esc(s.names[s.codes.indexOf(c)]); }),
          hovertemplate: "%{text}: geen cijfer<extra></extra>", name: "geen cijfer"
        });
      }
      var layout = {
        font: FONT, margin: { l: 0, r: 0, t: 10, b: 0 }, separators: ",.", paper_bgcolor: "#fff",
        geo: { fitbounds: "locations", visible: false, projection: { type: "mercator" } }, height: 560
      };
      return plotted(Plotly.react(mapDiv, traces, layout, CONFIG));
    };
    indSel.addEventListener("change", function () { fillPeriods(null); drawMap(); });
    perSel.addEventListener("change", drawMap);
    var def = mapData.series[mapData["default"]];
    indSel.value = def.indicator;
    fillPeriods(def.key);
    pending.push(drawMap());
  }

  // Gemeenteprofiel: one chart, gemeente and indicator chosen offline.
  var profDiv = document.getElementById("profiel");
  if (profDiv) {
    var prof = readJson("profiel-data");
    var gSel = document.getElementById("profiel-gemeente"), iSel = document.getElementById("profiel-indicator");
    var drawProfile = function () {
      var g = prof.gemeenten.filter(function (x) { return x.code === gSel.value; })[0];
      var ind = prof.indicators.filter(function (x) { return x.id === iSel.value; })[0];
      var regions = [[g.code, g.name], g.jeugdregio, g.provincie, g.size, ["NL01", "Nederland"]];
      var kinds = ["gemeente", "jeugdregio", "provincie", "vergelijkbare gemeenten", "Nederland"];
      var dashes = ["solid", "dash", "dot", "dashdot", "solid"];
      var bounds = ind.bounds[g.code] || ind.periods.map(function () { return null; });
      var traces = regions.map(function (r, k) {
        var vals = ind.values[r[0]] || ind.periods.map(function () { return null; });
        var trace = {
          type: "scatter", mode: "lines+markers", x: ind.labels, y: vals, name: esc(r[1]),
          line: { color: PALETTE[k], dash: dashes[k], width: k === 0 ? 3 : 2 },
          customdata: vals.map(function (v) { return withUnit(v, ind.format); }),
          hovertemplate: "%{x}: %{customdata}<extra>" + esc(r[1]) + "</extra>", meta: r[0]
        };
        if (k === 0) {  // the gemeente's own rate with its 95% interval: wide for a small gemeente
          trace.error_y = { type: "data", symmetric: false, color: PALETTE[0], thickness: 1.5, width: 4,
            array: vals.map(function (v, i) { return bounds[i] && v !== null ? bounds[i][1] - v : null; }),
            arrayminus: vals.map(function (v, i) { return bounds[i] && v !== null ? v - bounds[i][0] : null; }) };
        }
        return trace;
      });
      var title = ind.title + ": " + g.name;
      document.getElementById("profiel-titel").textContent = title;
      var flagged = ind.above100[g.code] || [];
      showSource("profiel", ind.id, ind.source, ind.caveat, flagged.length ? prof.aboveNote : "");
      document.getElementById("profiel-csv").setAttribute("href", g.csv);
      var own = ind.values[g.code] || [];
      var lastI = -1;
      own.forEach(function (v, i) { if (v !== null) lastI = i; });
      var nl = ind.values.NL01 || [];
      document.getElementById("profiel-alt").textContent = "Lijndiagram van " + ind.title + " voor " + g.name +
        ", " + g.jeugdregio[1] + " (jeugdregio), " + g.provincie[1] + " (provincie), " + g.size[1] + " en Nederland, " +
        ind.labels[0] + " tot " + ind.labels[ind.labels.length - 1] + ". " +
        (lastI >= 0 ? "In " + ind.labels[lastI] + ": " + g.name + " " + withUnit(own[lastI], ind.format) +
          ", Nederland " + withUnit(nl[lastI], ind.format) + "." : g.name + " heeft geen cijfers voor deze indicator.") +
        (bounds.some(function (b) { return b; }) ? " Foutbalken bij " + g.name + ": 95%-interval." : "");
      // an interval is at least as wide as CBS's rounding: one decimal more than the figure shows it
      var interval = { decimals: ind.format.decimals + 1, suffix: "" };
      fillTable(document.getElementById("profiel-tabel"),
        ["periode"].concat(regions.map(function (r) { return r[1]; }), [g.name + ": 95%-interval", "bron"]),
        ind.labels.map(function (l, i) {
          return [l].concat(regions.map(function (r, k) {
            var v = ind.values[r[0]], text = cellText(v ? v[i] : null, ind.format);
            return k === 0 && flagged.indexOf(i) >= 0 ? text + " (boven 100% gepubliceerd)" : text;
          }), [bounds[i] ? fmt(bounds[i][0], interval) + " tot " + fmt(bounds[i][1], interval) : "–",
               ind.periodSources[i] || "–"]);
        }), ind.id);
      var layout = {
        font: FONT, separators: ",.", paper_bgcolor: "#fff", plot_bgcolor: "#fff", height: 460,
        margin: { l: 60, r: 20, t: 20, b: 80 }, legend: { orientation: "h", y: -0.2 },
        xaxis: { gridcolor: "#d9d9d9", linecolor: "#595959" },
        yaxis: { gridcolor: "#d9d9d9", linecolor: "#595959", rangemode: "tozero", exponentformat: "none",
                 separatethousands: true,
                 title: { text: ind.unit === "%" ? "procent" : ind.unit } }
      };
      return plotted(Plotly.react(profDiv, traces, layout, CONFIG));
    };
    gSel.addEventListener("change", drawProfile);
    iSel.addEventListener("change", drawProfile);
    gSel.value = prof.gemeenten[prof["default"]].code;
    pending.push(drawProfile());
  }

  Promise.all(pending).then(function () { window.kbReady = true; document.body.setAttribute("data-charts-ready", "1"); },
    function (err) { console.error(err); });
})();
