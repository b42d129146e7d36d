/* kindbelang site: renders the Plotly charts and the offline map selector (the gemeenteprofiel has its own script). No network use. */
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
  // CSV for Dutch Excel in the layout of every CSV of the site (kindbelang.dashboard.formatting.sourced_csv_rows,
  // which this must match): per row the cells, its `bron` and the key of its `kanttekening` (K1, K2, ...); after an
  // empty line the legend from the page (<script id="kb-csv">) and each caveat once. Cells: numbers with a decimal
  // comma and all their digits, true/false as ja/nee, null empty; ';', '"' or a line break puts a cell in quotes.
  function csvText(v) {
    if (v === null || v === undefined) return "";
    if (v === true) return "ja";
    if (v === false) return "nee";
    if (typeof v === "number") return String(v).replace(".", ",");
    return String(v);
  }
  function csvField(v) {
    var t = csvText(v);
    return /[;"\r\n]/.test(t) ? '"' + t.replace(/"/g, '""') + '"' : t;
  }
  function sourcedCsv(header, rows, labels, caveats) {
    var legend = readJson("kb-csv"), keys = new Map(), notes = [];
    var lines = [header.concat(["bron", "kanttekening"])];
    rows.forEach(function (row, i) {
      var c = caveats[i], ref = "";
      if (c) {
        if (!keys.has(c)) { keys.set(c, legend.key.replace("{}", keys.size + 1)); notes.push(c); }
        ref = keys.get(c);
      }
      lines.push(row.concat([labels[i], ref]));
    });
    lines.push([]);
    lines.push([legend.label, legend.text]);
    notes.forEach(function (c) { lines.push([legend.caveat.replace("{}", keys.get(c)), c]); });
    return "\ufeff" + lines.map(function (r) { return r.map(csvField).join(";"); }).join("\r\n") + "\r\n";
  }
  function csvUrl(text, old) {
    if (old) URL.revokeObjectURL(old);
    return URL.createObjectURL(new Blob([text], { type: "text/csv;charset=utf-8" }));
  }
  window.kbSourcedCsv = sourcedCsv;
  window.kbCsvUrl = csvUrl;
  // A column of assets/tabellen/<name>.js (formatting.compact_column): values, or distinct values with an index
  // per row, or with runs of (index, length).
  function decodeColumn(c) {
    if ("v" in c) return c.v;
    if ("i" in c) return c.i.map(function (k) { return c.d[k]; });
    var out = [];
    for (var j = 0; j < c.r.length; j += 2) for (var k = 0; k < c.r[j + 1]; k++) out.push(c.d[c.r[j]]);
    return out;
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

  // Static charts: figures built by the pipeline, embedded as JSON after their <div>. site.js runs in <head>, so
  // each chart is drawn as soon as the parser has read its figure, one after the other with a turn for the
  // browser in between: the first chart shows before the rest of a long page is read.
  var pending = [];
  var nextTurn = function () { return new Promise(function (resolve) { setTimeout(resolve, 0); }); };
  var charts = document.getElementsByClassName("chart"), seen = 0, staticCharts = Promise.resolve();
  var drawParsed = function (complete) {
    for (; seen < charts.length; seen++) {
      var div = charts[seen], id = div.getAttribute("data-figure");
      if (!id) continue;  // the map: drawn below, once the page is read
      var script = document.getElementById(id);
      if (!complete && !(script && script.nextSibling)) return;  // its JSON is not read to the end yet
      staticCharts = staticCharts.then(function (div, id) {
        var fig = readJson(id);
        return plotted(Plotly.newPlot(div, fig.data, fig.layout, CONFIG));
      }.bind(null, div, id)).then(nextTurn);
    }
  };
  var parsing = new MutationObserver(function () { drawParsed(false); });
  parsing.observe(document.documentElement, { childList: true, subtree: true });

  var init = function () {
    parsing.disconnect();
    drawParsed(true);
    pending.push(staticCharts);

    // Data files are scripts that call window.<receiver>(name, data) (a script tag, so they load from file://);
    // each is asked for once, when first needed.
    var scriptFiles = function (folder, what) {
      var files = {};
      var entry = function (name) { return files[name] || (files[name] = {}); };
      return {
        receive: function (name, data) {
          var f = entry(name);
          f.data = data;
          if (f.resolve) f.resolve(data);
        },
        load: function (name) {
          var f = entry(name);
          if (!f.promise) {
            f.promise = f.data ? Promise.resolve(f.data) : new Promise(function (resolve, reject) {
              f.resolve = resolve;
              var script = document.createElement("script");
              script.src = folder + name + ".js";
              script.onerror = function () { reject(new Error(what + " ontbreekt: " + script.src)); };
              document.head.appendChild(script);
            });
          }
          return f.promise;
        },
      };
    };

    // The tables of the monitor (Per thema): a button that loads assets/tabellen/<name>.js, makes its CSV and
    // downloads it.
    var tableFiles = scriptFiles("assets/tabellen/", "tabelbestand"), tableUrls = {};
    window.kbTabel = tableFiles.receive;
    Array.prototype.forEach.call(document.querySelectorAll("button[data-tabel]"), function (button) {
      button.addEventListener("click", function () {
        var name = button.getAttribute("data-tabel");
        tableFiles.load(name).then(function (data) {
          if (!tableUrls[name]) {
            var columns = data.columns.map(decodeColumn), rows = [];
            for (var i = 0; i < data.n; i++) rows.push(columns.map(function (c) { return c[i]; }));
            tableUrls[name] = csvUrl(sourcedCsv(data.header, rows, decodeColumn(data.labels),
                                                decodeColumn(data.caveats)));
          }
          var a = document.createElement("a");
          a.href = tableUrls[name];
          a.download = data.file;
          a.hidden = true;
          document.body.appendChild(a);
          a.click();
          document.body.removeChild(a);
        }, function (err) { console.error(err); });
      });
    });

    // Map: indicator and period selectors, values per gemeente. Boundaries and values come per year from
    // assets/kaart/<name>.js, loaded only when that year is chosen; each file calls window.kbKaart(name, data).
    var mapDiv = document.getElementById("kaart");
    if (mapDiv) {
      var mapData = readJson("kaart-data");
      var mapFiles = scriptFiles("assets/kaart/", "kaartbestand");
      window.kbKaart = mapFiles.receive;
      // plotly.js fetches its world base map (cdn.plot.ly) for every geo subplot, even with the base layers
      // switched off. The map draws only the gemeente boundaries, so give it an empty base map instead.
      window.PlotlyGeoAssets = window.PlotlyGeoAssets || { topojson: {} };
      window.PlotlyGeoAssets.topojson.world_110m = { type: "Topology", objects: {}, arcs: [] };
      var indSel = document.getElementById("kaart-indicator"), perSel = document.getElementById("kaart-periode");
      var mapCsv = null;
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
      var draw = function (s, geo, year) {
        var ind = mapData.indicators[s.indicator], f = ind.format;
        var own = year.series[s.key], region = year.regions[own.region];
        var codes = region.codes, names = region.names, values = own.values;
        var title = ind.indicatorTitle + ", " + s.periodLabel;
        document.getElementById("kaart-titel").textContent = "Kaart: " + title;
        document.getElementById("kaart-grenzen").textContent = s.boundaryNote;
        var has = function (c, i) { return values[i] !== null; };
        var known = values.filter(function (v) { return v !== null; });
        var minV = Math.min.apply(null, known), maxV = Math.max.apply(null, known);
        var lo = values.indexOf(minV), hi = values.indexOf(maxV);
        document.getElementById("kaart-alt").textContent = "Kaart van " + values.length + " gemeenten (" + s.boundaryNote +
          "). " + known.length + " met een cijfer, van " + withUnit(minV, f) + " (" + names[lo] + ") tot " +
          withUnit(maxV, f) + " (" + names[hi] + "). De tabel ernaast geeft alle waarden.";
        var flagged = function (i) { return s.above100.indexOf(codes[i]) >= 0; };
        // the CSV of exactly what the map shows, per gemeente with its status and source (the caveat once)
        var csvLink = document.getElementById("kaart-csv");
        mapCsv = csvUrl(sourcedCsv(
          ["gemeente", "code", "waarde", "eenheid", "periode", "boven_100_gepubliceerd", "status"],
          names.map(function (n, i) {
            return [n, codes[i], values[i], ind.unit, s.periodLabel, flagged(i), own.statuses ? own.statuses[i] : s.status];
          }),
          names.map(function (n, i) { return own.labels ? own.labels[i] : s.source; }),
          names.map(function () { return ind.caveat || null; })), mapCsv);
        csvLink.setAttribute("href", mapCsv);
        csvLink.setAttribute("download", s.csv);
        showSource("kaart", s.indicator, s.source, ind.caveat, s.above100.length ? mapData.aboveNote : "");
        fillTable(document.getElementById("kaart-tabel"), null, names.map(function (n, i) {
          return [n, codes[i], cellText(values[i], f) + (flagged(i) ? " (boven 100% gepubliceerd)" : ""), s.source];
        }), s.indicator);
        var missing = codes.filter(function (c, i) { return values[i] === null; });
        var traces = [{
          type: "choropleth", geojson: geo, featureidkey: "properties.statcode",
          locations: codes.filter(has), z: known, text: names.filter(has).map(esc),
          customdata: known.map(function (v) { return withUnit(v, f); }),
          colorscale: [[0, "#deebf7"], [0.5, "#6baed6"], [1, "#08306b"]],
          marker: { line: { color: "#4a4a4a", width: 0.3 } },
          colorbar: { title: { text: ind.unit === "%" ? "%" : ind.unit }, separatethousands: true, exponentformat: "none" },
          hovertemplate: "%{text}: %{customdata}<extra></extra>", name: "gemeenten"
        }];
        if (missing.length) {
          traces.push({
            type: "choropleth", geojson: geo, featureidkey: "properties.statcode",
            locations: missing, z: missing.map(function () { return 0; }), showscale: false,
            colorscale: [[0, "#bdbdbd"], [1, "#bdbdbd"]], marker: { line: { color: "#4a4a4a", width: 0.3 } },
            text: names.filter(function (n, i) { return values[i] === null; }).map(esc),
            hovertemplate: "%{text}: geen cijfer<extra></extra>", name: "geen cijfer"
          });
        }
        var layout = {
          font: FONT, margin: { l: 0, r: 0, t: 10, b: 0 }, separators: ",.", paper_bgcolor: "#fff",
          geo: { fitbounds: "locations", visible: false, projection: { type: "mercator" } }, height: 560
        };
        return plotted(Plotly.react(mapDiv, traces, layout, CONFIG));
      };
      var drawMap = function () {
        var s = mapData.series.filter(function (x) { return x.key === perSel.value; })[0];
        if (!s) return Promise.resolve();
        return Promise.all([mapFiles.load("grenzen-" + s.geoYear), mapFiles.load(s.data)]).then(function (files) {
          if (perSel.value !== s.key) return null;  // another period was chosen meanwhile: that one draws
          return draw(s, files[0], files[1]);
        }, function (err) {
          document.getElementById("kaart-alt").textContent = "De kaartgegevens van deze periode konden niet worden " +
            "geladen. De cijfers staan in de Parquet-export (published/parquet/indicator_values.parquet).";
          document.getElementById("kaart-csv").removeAttribute("href");
          throw err;
        });
      };
      indSel.addEventListener("change", function () { fillPeriods(null); drawMap(); });
      perSel.addEventListener("change", drawMap);
      var def = mapData.series[mapData["default"]];
      indSel.value = def.indicator;
      fillPeriods(def.key);
      pending.push(drawMap());
    }

    Promise.all(pending).then(function () { window.kbReady = true; document.body.setAttribute("data-charts-ready", "1"); },
      function (err) { console.error(err); });
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
