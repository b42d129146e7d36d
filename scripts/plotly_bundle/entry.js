// The trace types the kindbelang site draws (pipelines/kindbelang/dashboard/builder.py and
// dashboards/static/site.js); tests/test_site_weight.py checks that every type in the built site is here.
'use strict';

var Plotly = require('plotly.js/lib/core');

Plotly.register([
    require('plotly.js/lib/scatter'),
    require('plotly.js/lib/bar'),
    require('plotly.js/lib/choropleth'),
    // Dutch texts for plotly's own labels (config locale "nl" in site.js)
    require('plotly.js/lib/locales/nl')
]);

module.exports = Plotly;
