import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { chromium, type BrowserContext } from 'playwright-core';
import { generateEvents, sendEvents } from './generator';
import { percentile as sortedPercentile, ROOT, startServer, type ServerProcess } from './server-process';

const percentile = (values: number[], q: number) => sortedPercentile([...values].sort((a, b) => a - b), q);

/**
 * The web benchmark (issue 8, speed): how much JavaScript the first visit loads, and how long until the first
 * chart of the overview is drawn, in headless Chromium on localhost. The server is the built one
 * (`server/dist`, embedded PGlite in a temporary folder) with the demo workspace of the generator sent through
 * the real ingest endpoints. Writes its section of docs/benchmarks.md.
 * Usage: npm run bench:web -- [--runs 10] [--budget-ms 1500] [--budget-kb 200]
 */
const ADMIN_TOKEN = `bench-admin-${randomBytes(12).toString('hex')}`;
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SECTION_START = '<!-- web-bench:start -->';
/** The first line of the overview's first chart (insight-to-evidence), once drawn. */
const FIRST_CHART = '[data-testid="cycle-time"] path.recharts-line-curve[d]';
const SECTION_END = '<!-- web-bench:end -->';
const log = (s: string) => process.stderr.write(`[bench:web] ${s}\n`);

/** The built server on the embedded database (no DATABASE_URL) in `dataDir`. */
function startEmbedded(dataDir: string): Promise<ServerProcess> {
  return startServer({ DATA_DIR: dataDir, LOOPMETER_ADMIN_TOKEN: ADMIN_TOKEN });
}

async function api<T>(url: string, method: string, body?: unknown): Promise<T> {
  const response = await fetch(url, { method, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${url} → ${response.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text) as T;
}

/** The demo workspace through the real endpoints (signed webhooks, OTLP, events), then the pipeline drained. */
async function loadDemo(url: string, scale: 'demo' | number): Promise<{ events: number; seconds: number }> {
  const started = Date.now();
  const github = await api<{ id: string; secret: string }>(`${url}/api/integrations`, 'POST', { kind: 'github', name: 'demo GitHub' });
  const linear = await api<{ id: string; secret: string }>(`${url}/api/integrations`, 'POST', { kind: 'linear', name: 'demo Linear' });
  const ingest = await api<{ token: string }>(`${url}/api/tokens`, 'POST', { name: 'demo ingest', scope: 'ingest' });
  const report = await sendEvents(generateEvents({ seed: 8, scale, now: new Date(), end: new Date(Date.now() + 7 * 86_400_000) }), {
    baseUrl: url,
    targets: { github: { id: github.id, secret: github.secret }, linear: { id: linear.id, secret: linear.secret }, ingestToken: ingest.token },
    concurrency: 4,
  });
  if (report.failures.length > 0) log(`some deliveries were refused: ${report.failures.join(' | ')}`);
  for (;;) {
    const stats = await api<{ byStatus: Record<string, number> }>(`${url}/api/pipeline/stats`, 'GET');
    if (!stats.byStatus.pending) break;
    await new Promise((r) => setTimeout(r, 1_000));
  }
  return { events: report.sent, seconds: (Date.now() - started) / 1000 };
}

/** The JavaScript the first visit needs before any page: the entry script and what it preloads, gzipped. */
function initialJavaScript(): { files: string[]; gzipKb: number; rawKb: number; allJsGzipKb: number } {
  const dist = join(ROOT, 'web/dist');
  const html = readFileSync(join(dist, 'index.html'), 'utf8');
  const files = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.js)"/g)].map((m) => m[1]);
  const sizes = files.map((f) => readFileSync(join(dist, f)));
  const all = listJs(join(dist, 'assets')).map((f) => gzipSync(readFileSync(f), { level: 9 }).length);
  return {
    files,
    rawKb: round(sizes.reduce((s, b) => s + b.length, 0) / 1024),
    gzipKb: round(sizes.reduce((s, b) => s + gzipSync(b, { level: 9 }).length, 0) / 1024),
    allJsGzipKb: round(all.reduce((s, n) => s + n, 0) / 1024),
  };
}

function listJs(dir: string): string[] {
  return readdirSync(dir).filter((f) => f.endsWith('.js')).map((f) => join(dir, f));
}

function round(n: number, digits = 1): number {
  return Math.round(n * 10 ** digits) / 10 ** digits;
}


interface Visit {
  firstChartMs: number;
  firstContentfulPaintMs: number;
  /** When the last JavaScript file (entry, page, recharts) had arrived. */
  jsLoadedMs: number;
  /** When the first chart's metric request started and was answered. */
  apiStartMs: number;
  apiEndMs: number;
  jsTransferredKb: number;
  requests: number;
}

/** Opens the overview signed in (the token put in the tab's sessionStorage first) and waits for the first chart's line. */
async function visit(context: BrowserContext, url: string, token: string): Promise<Visit> {
  const page = await context.newPage();
  // Before the app's scripts: the token, and an observer noting when the chart's first line is drawn (in the
  // page, so the time does not depend on how often the test driver polls).
  await page.addInitScript(`
    window.sessionStorage.setItem('loopmeter.apiToken', ${JSON.stringify(token)});
    new MutationObserver((_, observer) => {
      if (document.querySelector(${JSON.stringify(FIRST_CHART)})) {
        window.__firstChart = performance.now();
        observer.disconnect();
      }
    }).observe(document, { childList: true, subtree: true, attributes: true });
  `);
  await page.goto(`${url}/`, { waitUntil: 'commit' });
  await page.locator(FIRST_CHART).first().waitFor({ state: 'visible', timeout: 30_000 });
  const firstChartMs = Number(await page.evaluate('window.__firstChart'));
  const entries = JSON.parse(
    String(
      await page.evaluate(`(() => {
        const resources = performance.getEntriesByType('resource');
        const js = resources.filter((e) => e.name.endsWith('.js'));
        const api = resources.find((e) => e.name.includes('/api/metrics/insight-to-evidence')) || { startTime: NaN, responseEnd: NaN };
        return JSON.stringify({
          fcp: (performance.getEntriesByName('first-contentful-paint')[0] || { startTime: NaN }).startTime,
          jsBytes: js.reduce((s, e) => s + e.transferSize, 0),
          jsLoaded: Math.max(...js.map((e) => e.responseEnd)),
          apiStart: api.startTime,
          apiEnd: api.responseEnd,
          requests: resources.length,
        });
      })()`),
    ),
  ) as { fcp: number; jsBytes: number; jsLoaded: number; apiStart: number; apiEnd: number; requests: number };
  await page.close();
  return {
    firstChartMs: round(firstChartMs),
    firstContentfulPaintMs: round(entries.fcp),
    jsLoadedMs: round(entries.jsLoaded),
    apiStartMs: round(entries.apiStart),
    apiEndMs: round(entries.apiEnd),
    jsTransferredKb: round(entries.jsBytes / 1024),
    requests: entries.requests,
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { runs: { type: 'string', default: '10' }, 'budget-ms': { type: 'string', default: '1500' }, 'budget-kb': { type: 'string', default: '200' }, scale: { type: 'string', default: 'demo' } },
  });
  const scale = values.scale === 'demo' ? 'demo' : Number(values.scale);
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium is not installed at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH).`);
  if (!existsSync(join(ROOT, 'server/dist/main.js')) || !existsSync(join(ROOT, 'web/dist/index.html'))) throw new Error('Build first: npm run build');
  const bundle = initialJavaScript();
  log(`initial JavaScript: ${bundle.gzipKb} KB gzip (${bundle.rawKb} KB) in ${bundle.files.join(', ')}; all chunks ${bundle.allJsGzipKb} KB gzip`);

  const dataDir = mkdtempSync(join(tmpdir(), 'loopmeter-web-bench-'));
  const profile = mkdtempSync(join(tmpdir(), 'loopmeter-web-bench-chromium-'));
  const server = await startEmbedded(dataDir);
  let context: BrowserContext | undefined;
  try {
    const demo = await loadDemo(server.url, scale);
    log(`demo workspace: ${demo.events} events sent and processed in ${demo.seconds.toFixed(1)} s`);
    const token = (await api<{ token: string }>(`${server.url}/api/tokens`, 'POST', { name: 'bench read', scope: 'read' })).token;
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      viewport: { width: 1280, height: 900 },
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    // The first visit: nothing cached. Then warm visits (the hashed assets come from the HTTP cache).
    const cold = await visit(context, server.url, token);
    const describe = (v: Visit) => `first chart ${v.firstChartMs} ms (FCP ${v.firstContentfulPaintMs} ms, JS loaded ${v.jsLoadedMs} ms, its API request ${v.apiStartMs}–${v.apiEndMs} ms)`;
    log(`cold: ${describe(cold)}, ${cold.jsTransferredKb} KB of JS transferred`);
    const warm: Visit[] = [];
    for (let i = 0; i < Number(values.runs); i++) {
      warm.push(await visit(context, server.url, token));
      log(`warm ${i + 1}: ${describe(warm[i])}`);
    }
    const times = warm.map((v) => v.firstChartMs);
    const result = {
      date: new Date().toISOString(),
      chromium: context.browser()?.version() ?? 'chromium',
      bundle,
      cold,
      warm: {
        runs: warm.length,
        p50: round(percentile(times, 0.5)),
        p90: round(percentile(times, 0.9)),
        max: round(Math.max(...times)),
        fcpP50: round(percentile(warm.map((v) => v.firstContentfulPaintMs), 0.5)),
        jsLoadedP50: round(percentile(warm.map((v) => v.jsLoadedMs), 0.5)),
        apiEndP50: round(percentile(warm.map((v) => v.apiEndMs), 0.5)),
      },
      events: demo.events,
      loadAverage: loadavg().map((l) => round(l, 1)),
      budgets: { firstChartMs: Number(values['budget-ms']), initialJsGzipKb: Number(values['budget-kb']) },
    };
    log(`warm (${warm.length} runs): first chart p50 ${result.warm.p50} ms, p90 ${result.warm.p90} ms, max ${result.warm.max} ms`);
    writeSection(result);
    const over = [
      cold.firstChartMs > result.budgets.firstChartMs && `the cold first chart took ${cold.firstChartMs} ms (budget ${result.budgets.firstChartMs} ms)`,
      result.warm.p90 > result.budgets.firstChartMs && `the warm first chart p90 is ${result.warm.p90} ms (budget ${result.budgets.firstChartMs} ms)`,
      bundle.gzipKb > result.budgets.initialJsGzipKb && `the initial JavaScript is ${bundle.gzipKb} KB gzip (budget ${result.budgets.initialJsGzipKb} KB)`,
    ].filter(Boolean);
    if (over.length > 0) {
      log(`OVER BUDGET: ${over.join('; ')}`);
      process.exitCode = 1;
    }
  } finally {
    await context?.close();
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(profile, { recursive: true, force: true });
  }
}

interface Result {
  date: string;
  chromium: string;
  bundle: ReturnType<typeof initialJavaScript>;
  cold: Visit;
  warm: { runs: number; p50: number; p90: number; max: number; fcpP50: number; jsLoadedP50: number; apiEndP50: number };
  events: number;
  loadAverage: number[];
  budgets: { firstChartMs: number; initialJsGzipKb: number };
}

/** Replaces this benchmark's section of docs/benchmarks.md (appended the first time); other sections stay. */
function writeSection(r: Result): void {
  const file = join(ROOT, 'docs/benchmarks.md');
  const section = [
    SECTION_START,
    '## Web dashboard: initial JavaScript and first chart',
    '',
    `Measured by \`npm run bench:web\` (bench/web.bench.ts) on ${r.date.slice(0, 10)}: the built server on embedded PGlite with the generator's`,
    `demo workspace (${r.events} events) sent through the real ingest endpoints; headless Chromium ${r.chromium} on localhost, 1280×900, this`,
    `machine (2 shared cores; load average ${r.loadAverage.join(' / ')} during the run: other work shares the cores, so times vary).`,
    'First chart = from navigation start to the first line of the insight-to-evidence chart drawn on the overview (signed in, default period),',
    'noted in the page by a MutationObserver.',
    '',
    '| | measured | budget |',
    '|---|---|---|',
    `| initial JavaScript (${r.bundle.files.length} file${r.bundle.files.length === 1 ? '' : 's'}: entry and its preloads), gzip | ${r.bundle.gzipKb} KB (${r.bundle.rawKb} KB raw) | ≤ ${r.budgets.initialJsGzipKb} KB |`,
    `| all JavaScript chunks (pages and recharts load on demand), gzip | ${r.bundle.allJsGzipKb} KB | |`,
    `| first chart, first visit (empty cache) | ${r.cold.firstChartMs} ms (first contentful paint ${r.cold.firstContentfulPaintMs} ms, ${r.cold.jsTransferredKb} KB of JS transferred) | ≤ ${r.budgets.firstChartMs} ms |`,
    `| first chart, later visits (${r.warm.runs} runs) | p50 ${r.warm.p50} ms, p90 ${r.warm.p90} ms, max ${r.warm.max} ms (first contentful paint p50 ${r.warm.fcpP50} ms) | ≤ ${r.budgets.firstChartMs} ms |`,
    `| of which: JavaScript loaded / the chart's API answer, p50 | ${r.warm.jsLoadedP50} ms / ${r.warm.apiEndP50} ms after navigation start | |`,
    '',
    'How it stays small: every page is its own chunk (`import()` in web/src/router/routes.tsx) and recharts sits in the chunk of the',
    'chart panels, fetched with the page; the entry holds React, react-query, the shell and only the zod schemas it uses (imported per',
    'file from `@loopmeter/shared/<file>`). The page chunk starts loading while the session is checked, the first chart\'s query as',
    'soon as the session is known (in parallel with the chunk), and the other overview panels ask only once it is answered: on the',
    'embedded database (one connection) their queries would otherwise queue in front of it.',
    SECTION_END,
  ].join('\n');
  const current = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
  const start = current.indexOf(SECTION_START);
  const end = current.indexOf(SECTION_END);
  const next = start >= 0 && end > start ? current.slice(0, start) + section + current.slice(end + SECTION_END.length) : `${current.trimEnd()}\n\n${section}\n`;
  writeFileSync(file, next);
  log(`wrote ${file}`);
}

main().catch((error: unknown) => {
  process.stderr.write(`[bench:web] ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
