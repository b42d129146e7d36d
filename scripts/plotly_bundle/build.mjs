// Builds dashboards/static/plotly-kindbelang.min.js, the partial plotly.js bundle the site ships (vendored: the
// site build needs no node and no network). Run from this folder: npm ci && npm run build.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, '..', '..', 'dashboards', 'static', 'plotly-kindbelang.min.js');
const version = JSON.parse(readFileSync(join(here, 'node_modules', 'plotly.js', 'package.json'), 'utf8')).version;
const entry = readFileSync(join(here, 'entry.js'), 'utf8');
const traces = [...entry.matchAll(/require\('plotly\.js\/lib\/([a-z0-9]+)'\)/g)].map((m) => m[1])
    .filter((name) => name !== 'core').sort();

// plotly.js imports maplibre's stylesheet when a map subplot registers; this bundle has none, so it is empty.
const noCss = {
    name: 'no-css',
    setup(build) {
        build.onResolve({ filter: /\.css$/ }, (args) => ({ path: args.path, namespace: 'no-css' }));
        build.onLoad({ filter: /.*/, namespace: 'no-css' }, () => ({ contents: '', loader: 'js' }));
    },
};

// The settings of plotly.js's own esbuild-config.js that matter without WebGL traces.
const result = await esbuild.build({
    entryPoints: [join(here, 'entry.js')],
    bundle: true,
    format: 'iife',
    globalName: 'Plotly',
    minify: true,
    target: 'es2016',
    define: { global: 'window', 'define.amd': 'false', 'process.env.NODE_DEBUG': 'false' },
    legalComments: 'eof',
    plugins: [noCss],
    write: false,
    logLevel: 'warning',
});
const body = result.outputFiles[0].text;
const sha256 = createHash('sha256').update(body, 'utf8').digest('hex');
const header = `/*! plotly.js ${version} partial bundle for kindbelang; traces: ${traces.join(',')}; ` +
    `sha256 of the rest of this file: ${sha256}; built by scripts/plotly_bundle (npm run build); ` +
    `plotly.js is MIT licensed, (c) Plotly, Inc. */\n`;
writeFileSync(out, header + body);
console.log(`${out}: ${(header.length + Buffer.byteLength(body)).toLocaleString('en')} bytes, traces ${traces.join(', ')}`);
