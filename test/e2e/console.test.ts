import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseQueryCsv } from '../../agent/collectors/gpu/parse-csv.js';
import { parseNumber } from '../../shared/units.js';
import type { FakeGce } from '../fakes/gcp/compute.js';
import { FakePve } from '../fakes/proxmox/server.js';
import { ADMIN_PASSWORD } from '../helpers/hub.js';
import { startFleet, type TestFleet } from '../helpers/fleet.js';
import { REPO, SHARED, waitFor } from '../helpers/spawn-agent.js';
import { managerConfig, storeSshKey } from '../hub/api/pve-manager/pve-helpers.js';
import { DEBIAN, GCP_PROJECT, serviceAccount, startFakeGce } from '../hub/integrations/clouds/gce.js';

const H100 = 'h100-80gb-hbm3-590.48.01-load';
const L40S = 'l40s-595.80-load';
/** axe-core, injected into the page: WCAG 2 A/AA checks (labels, names, contrast, ARIA) on what the page shows. */
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** The WCAG 2 A/AA rules axe finds broken on the page, as `rule: selectors` lines (empty when none). */
async function accessibilityViolations(page: Page): Promise<string[]> {
  // Evaluated through the DevTools protocol: the console's CSP (script-src 'self') rightly refuses an injected <script>.
  await page.evaluate(AXE);
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: Document, opts: object): Promise<{ violations: { id: string; nodes: { target: string[] }[] }[] }> } }).axe;
    const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  });
}

/** Screenshots for a person to look at (gitignored). */
const ARTIFACTS = join(REPO, 'test-artifacts/console');

/** power.draw of a scenario's first GPU row, as the fake nvidia-smi replays it. */
const fixturePower = (scenario: string) =>
  parseNumber(parseQueryCsv(readFileSync(join(SHARED, 'fixtures/nvidia-smi-csv', `${scenario}-query-gpu-all.csv`), 'utf8'))[0]!['power.draw']!)!;

/** Watts as a person reads them on the page: two decimals, thousands separated. */
const shownWatts = (w: number) => `${new Intl.NumberFormat('en', { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(w)} W`;

/** Waits until the element's text is exactly `text` (the page updates itself; no sleeps). */
async function waitForText(page: Page, testId: string, text: string): Promise<void> {
  await page.waitForFunction(([id, t]) => document.querySelector(`[data-testid="${id}"]`)?.textContent === t, [testId, text] as const, { timeout: 20_000 });
}

/** Waits until the page lists `count` tasks (Proxmox manager) or deployments (ECP) and every one has completed. */
async function waitForCompleted(page: Page, testId: 'task' | 'deployment', count: number): Promise<void> {
  await page.waitForFunction(
    ([id, n]) => {
      const items = [...document.querySelectorAll(`[data-testid="${id}"]`)];
      return items.length === n && items.every((t) => t.getAttribute('data-status') === 'completed');
    },
    [testId, count] as const,
    { timeout: 60_000 },
  );
}

/** Waits until the row of `table` holding `rowText` shows `text` in column `col` (the list is read again when a task ends). */
async function waitForCell(page: Page, table: string, rowText: string, col: string, text: string): Promise<void> {
  await page.waitForFunction(
    ([t, r, c, x]) => [...document.querySelectorAll(`[data-testid="${t}"] tbody tr`)].some((tr) => tr.textContent?.includes(r) && tr.querySelector(`[data-col="${c}"]`)?.textContent === x),
    [table, rowText, col, text] as const,
    { timeout: 30_000 },
  );
}

/** Waits until no row of `table` holds `rowText`. */
async function waitForNoRow(page: Page, table: string, rowText: string): Promise<void> {
  await page.waitForFunction(([t, r]) => document.querySelector(`[data-testid="${t}"]`) !== null && ![...document.querySelectorAll(`[data-testid="${t}"] tbody tr`)].some((tr) => tr.textContent?.includes(r)), [table, rowText] as const, { timeout: 30_000 });
}

async function signIn(page: Page, username: string, password: string): Promise<void> {
  await page.getByLabel('User name').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('whoami').waitFor();
}

/**
 * The web console in Debian's Chromium (playwright-core) against a real hub
 * fed by two real agents with fake GPUs (an H100 machine replicated to two
 * GPUs whose power a file can change, and an L40S), plus the fake Proxmox
 * for the server manager. The console is built by Vite for this suite, as
 * `npm run build` builds it.
 */
describe('web console in a real browser: hub + agents with fake GPUs', () => {
  let fleet: TestFleet;
  let browser: Browser;
  let fake: FakePve;
  let viewer: [string, string];
  let gce: FakeGce;
  const gcpAccount = serviceAccount();
  const powerFile = join(mkdtempSync(join(tmpdir(), 'kcloud-console-')), 'h100-power');
  const h100 = fixturePower(H100);
  const l40s = fixturePower(L40S);

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const consoleDir = mkdtempSync(join(tmpdir(), 'kcloud-console-dist-'));
    await build({ configFile: join(REPO, 'console/vite.config.ts'), logLevel: 'warn', build: { outDir: consoleDir, emptyOutDir: true } });
    writeFileSync(powerFile, '');
    fake = await FakePve.start({ loginDelayMs: 0, cloneTaskPolls: 2 });
    gce = await startFakeGce([gcpAccount]);
    fleet = await startFleet(
      [
        { node: 'gpu-a', cluster: 'lab', scenario: H100, gpus: 2, env: { FAKE_NVIDIA_SMI_POWER_FILE: powerFile } },
        { node: 'gpu-b', cluster: 'lab', scenario: L40S },
      ],
      { hub: { console: { dir: consoleDir }, clouds: { onprem: { electricityPrice: 0.25 }, gcp: { endpoint: gce.endpoint, tokenUrl: gce.tokenUrl }, reconcileInterval: '100ms' }, ecp: { demoStepInterval: '200ms' }, thresholds: { fleet: { totalWatts: { warning: 1000 } } }, ...managerConfig } },
    );
    const res = await fleet.api.request('/api/v1/clusters', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'lab', api_endpoint: fake.url, username: 'root@pam', password: 'pve-root-password' }) });
    if (res.status !== 201) throw new Error(`cluster registration: ${res.status} ${await res.text()}`);
    storeSshKey(fleet.api, 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIK0test kcloud@hub');
    viewer = await fleet.api.addUser('vera', 'viewer');
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await fleet?.stop();
    await fake?.close();
    await gce?.stop();
  });

  /** A fresh browser context (its own cookie jar) on the console, signed in. */
  async function openAs(user: [string, string], name: string): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, acceptDownloads: true });
    const page = await context.newPage();
    page.on('pageerror', (err) => {
      throw new Error(`page error in ${name}: ${err.message}`);
    });
    await page.goto(fleet.api.api + '/');
    await signIn(page, ...user);
    return page;
  }

  it('serves the page with no-cache, the hashed bundles cached for a year, both precompressed; Swagger UI stays at /docs', async () => {
    const page = await fleet.api.request('/', { user: null, headers: { 'accept-encoding': 'gzip' } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-encoding')).toBe('gzip');
    expect(page.headers.get('cache-control')).toBe('no-cache');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await page.text();
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const asset = await fleet.api.request(script!, { user: null, headers: { 'accept-encoding': 'br, gzip' } });
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-encoding')).toBe('br');
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect((await fleet.api.request('/assets/missing.js', { user: null })).status).toBe(404);
    expect((await fleet.api.request('/assets/../../../etc/passwd', { user: null })).status).not.toBe(200);
    expect((await fleet.api.request('/docs/json', { user: null })).status).toBe(200);
  });

  it('refuses a wrong password on the login page and keeps the data behind it', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(fleet.api.api + '/');
    await page.getByLabel('User name').fill('admin');
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toMatch(/./);
    expect(await page.getByTestId('whoami').count()).toBe(0);
    await context.close();
  });

  it('shows the fleet power the fixtures add up to, pushed live over the WebSocket, follows the fake when its power changes, redraws the hour chart each minute, and lists the threshold alert', async () => {
    const page = await openAs(['admin', ADMIN_PASSWORD], 'overview');
    const sockets: string[] = [];
    const requests: string[] = [];
    page.on('websocket', (ws) => sockets.push(ws.url()));
    page.on('request', (r) => requests.push(new URL(r.url()).pathname));
    const costAnswer = page.waitForResponse((r) => r.url().includes('/api/v1/cost-analysis/breakdown'));
    await page.reload();
    // No BMC and no RAPL: the fleet's total is its GPUs' power, two H100s and one L40S.
    const before = 2 * h100 + l40s;
    await waitForText(page, 'gpu-power', shownWatts(before));
    await waitForText(page, 'total-power', shownWatts(before));
    await waitForText(page, 'gpus-online', '3 / 3');
    await waitForText(page, 'nodes-online', '2 / 2');
    // The fleet is above its 1000 W warning level: the hub's notification is among the alerts.
    let alert: { title: string } | undefined;
    await waitFor(async () => {
      alert = (await fleet.api.json('/api/v1/notifications')).data.notifications.find((n: { category: string }) => n.category === 'threshold_exceeded');
      return alert !== undefined;
    }, 20_000, 'the threshold notification');
    await page.getByRole('button', { name: 'Refresh' }).click();
    await page.getByTestId('alerts').getByText(alert!.title).waitFor();
    await page.screenshot({ path: join(ARTIFACTS, 'overview.png'), fullPage: true });

    writeFileSync(powerFile, '400.5');
    const after = 2 * 400.5 + l40s;
    try {
      await waitForText(page, 'gpu-power', shownWatts(after));
      await waitForText(page, 'total-power', shownWatts(after));
    } finally {
      // Back to the capture's power for the tests after this one, whatever happens here.
      writeFileSync(powerFile, '');
    }
    expect(sockets.some((u) => u.includes('/api/v1/monitoring/stream/power'))).toBe(true);
    // Live, not polled: the number changed with no request for the current power.
    expect(requests.filter((p) => p.startsWith('/api/v1/monitoring/power'))).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, 'overview-changed.png'), fullPage: true });

    // When the stream's samples reach the next minute, the hour chart reads the rollups again (driven by the stream, not a timer).
    await page.waitForRequest((r) => r.url().includes('/api/v1/monitoring/timeseries/power') && r.url().includes('period=1h'), { timeout: 90_000 });

    // Energy today and its cost: what the on-prem cost analysis answered the page, at the configured price.
    const cost = (await (await costAnswer).json()).data;
    expect(cost.currency).toBe('USD');
    const kwh = cost.clusters.reduce((sum: number, c: { energy_kwh: number }) => sum + c.energy_kwh, 0);
    expect(kwh).toBeGreaterThan(0);
    await waitForText(page, 'energy-today', `${new Intl.NumberFormat('en', { minimumFractionDigits: 3, maximumFractionDigits: 3 }).format(kwh)} kWh`);
    await waitForText(page, 'cost-today', new Intl.NumberFormat('en', { style: 'currency', currency: 'USD' }).format(cost.total_cost));
    await page.context().close();
  }, 150_000);

  it('lists every GPU with the fixtures\' readings, sorts and filters them, and opens a GPU\'s detail with its history', async () => {
    const page = await openAs(['admin', ADMIN_PASSWORD], 'gpus');
    await page.goto(fleet.api.api + '/#/gpus');
    const rows = page.getByTestId('gpu-table').locator('tbody tr');
    await rows.nth(2).waitFor();
    expect(await rows.count()).toBe(3);
    // Sorted by power, highest first (two clicks: ascending, then descending): an H100 leads, the L40S is last.
    await page.getByRole('button', { name: 'Power' }).click();
    await page.getByRole('button', { name: 'Power' }).click();
    expect(await page.getByRole('columnheader', { name: /Power/ }).getAttribute('aria-sort')).toBe('descending');
    expect(await rows.nth(2).locator('[data-col="node"]').textContent()).toBe('gpu-b');
    expect(await rows.nth(2).locator('[data-col="power"]').textContent()).toBe(shownWatts(l40s));
    await page.getByLabel('Filter GPUs').fill('L40S');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="gpu-table"] tbody tr').length === 1);
    expect(await rows.first().locator('[data-col="model"]').textContent()).toBe('NVIDIA L40S');
    await page.screenshot({ path: join(ARTIFACTS, 'gpus.png'), fullPage: true });

    await rows.first().getByRole('link', { name: 'nvidia0' }).click();
    await page.getByTestId('gpu-facts').waitFor();
    expect(page.url()).toContain('#/gpus/gpu-b/nvidia0');
    await waitForText(page, 'gpu-detail-power', shownWatts(l40s));
    expect(await page.getByTestId('gpu-facts').textContent()).toContain('NVIDIA L40S');
    // Four history charts, each a drawn uPlot canvas.
    await page.waitForFunction(() => document.querySelectorAll('figure.chart canvas').length === 4);
    await page.screenshot({ path: join(ARTIFACTS, 'gpu-detail.png'), fullPage: true });
    await page.context().close();
  });

  it('lists the nodes with their GPU power part and the pods view\'s namespace power adding up to the fleet\'s GPU power', async () => {
    // The overview test put the H100s' power back to the capture's; wait until the hub has it, so the page reads settled values.
    await waitFor(async () => (await fleet.api.json('/api/v1/accelerators/gpus?node=gpu-a')).data.every((g: { power_watts: number }) => g.power_watts === h100), 20_000, 'the H100s back at the capture\'s power');
    const page = await openAs(['admin', ADMIN_PASSWORD], 'nodes');
    await page.goto(fleet.api.api + '/#/nodes');
    const rowA = page.getByTestId('node-table').locator('tbody tr', { hasText: 'gpu-a' });
    await rowA.waitFor();
    expect(await rowA.locator('[data-col="gpu"]').textContent()).toBe(shownWatts(2 * h100));
    expect(await rowA.locator('[data-col="gpus"]').textContent()).toBe('2');
    expect(await rowA.locator('[data-col="cpu"]').textContent()).toBe('–');
    const rowB = page.getByTestId('node-table').locator('tbody tr', { hasText: 'gpu-b' });
    expect(await rowB.locator('[data-col="power"]').textContent()).toBe(shownWatts(l40s));
    await page.screenshot({ path: join(ARTIFACTS, 'nodes.png'), fullPage: true });

    await page.goto(fleet.api.api + '/#/pods');
    const rows = page.getByTestId('namespace-power').locator('tbody tr');
    await rows.first().waitFor();
    const shown = await rows.locator('[data-col="power"]').allTextContents();
    const total = shown.reduce((sum, w) => sum + Number(w.replace(/[^\d.]/g, '')), 0);
    expect(total).toBeCloseTo(2 * h100 + l40s, 1);
    await page.screenshot({ path: join(ARTIFACTS, 'pods.png'), fullPage: true });
    await page.context().close();
  });

  it('downloads a power export as CSV with every node', async () => {
    const page = await openAs(['admin', ADMIN_PASSWORD], 'exports');
    await page.goto(fleet.api.api + '/#/exports');
    await page.getByLabel('Format').first().selectOption('csv');
    await page.getByLabel('Range').selectOption('1h');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-link').click()]);
    expect(download.suggestedFilename()).toMatch(/\.csv$/);
    const csv = readFileSync((await download.path())!, 'utf8');
    const [header, ...lines] = csv.trim().split('\n');
    expect(header).toMatch(/node/);
    expect(lines.some((l) => l.includes('gpu-a'))).toBe(true);
    expect(lines.some((l) => l.includes('gpu-b'))).toBe(true);
    await page.context().close();
  });

  it('creates a server on the fake Proxmox with the form and shows its task running to completion', async () => {
    const page = await openAs(['admin', ADMIN_PASSWORD], 'servers');
    await page.goto(fleet.api.api + '/#/servers');
    const form = page.getByRole('form', { name: 'Create a server' });
    await form.getByLabel('Name').fill('web-console-01');
    await form.getByLabel('IP address').fill('192.168.0.41');
    await form.getByLabel('Gateway').fill('192.168.0.1');
    await form.getByRole('button', { name: 'Create server' }).click();
    await page.waitForFunction(() => document.querySelector('[data-testid="task"]')?.getAttribute('data-status') === 'completed', undefined, { timeout: 30_000 });
    expect(await page.getByRole('progressbar').getAttribute('value')).toBe('100');
    // The task's end reloads the list: the server is there, running on the fake PVE.
    const row = page.getByTestId('server-table').locator('tbody tr', { hasText: 'web-console-01' });
    await row.waitFor();
    expect(await row.locator('[data-col="status"]').textContent()).toBe('running');
    expect([...fake.vms.values()].some((vm) => vm.name === 'web-console-01')).toBe(true);

    // A backup of it, from its row: the task runs to completion and the archive is listed.
    await row.getByRole('button', { name: 'Back up web-console-01' }).click();
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="task"]')].every((t) => t.getAttribute('data-status') === 'completed') && document.querySelectorAll('[data-testid="task"]').length === 2, undefined, { timeout: 30_000 });
    await page.getByTestId('backup-table').locator('tbody tr', { hasText: 'web-console-01' }).waitFor();
    expect((await fleet.api.json('/api/backups')).backups.map((b: { server_name: string }) => b.server_name)).toEqual(['web-console-01']);

    // Bulk create: two servers on a range, one parent task.
    const bulk = page.getByRole('form', { name: 'Create several servers' });
    await bulk.getByLabel('Name prefix').fill('was-bulk');
    await bulk.getByLabel('How many').fill('2');
    await bulk.getByLabel('IP range').fill('192.168.0.50-192.168.0.51');
    await bulk.getByLabel('Gateway').fill('192.168.0.1');
    await bulk.getByRole('button', { name: 'Create servers' }).click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="task"]').length === 3 && [...document.querySelectorAll('[data-testid="task"]')].every((t) => t.getAttribute('data-status') === 'completed'), undefined, {
      timeout: 60_000,
    });
    for (const name of ['was-bulk-01', 'was-bulk-02']) await page.getByTestId('server-table').locator('tbody tr', { hasText: name }).waitFor();
    expect((await fleet.api.json('/api/servers')).servers.map((x: { name: string }) => x.name).sort()).toEqual(['was-bulk-01', 'was-bulk-02', 'web-console-01']);
    await page.screenshot({ path: join(ARTIFACTS, 'servers.png'), fullPage: true });
    await page.context().close();
  });

  it('stops, starts and reboots a server, restores its backup only with overwrite ticked, deletes the backup and (once confirmed) a server, following each task', async () => {
    const page = await openAs(['admin', ADMIN_PASSWORD], 'server-actions');
    const deletes: string[] = [];
    page.on('request', (r) => r.method() === 'DELETE' && deletes.push(new URL(r.url()).pathname));
    await page.goto(fleet.api.api + '/#/servers');
    const table = page.getByTestId('server-table');
    const vmOf = (name: string) => [...fake.vms.values()].find((vm) => vm.name === name);

    await table.getByRole('button', { name: 'Stop web-console-01' }).click();
    await waitForCompleted(page, 'task', 1);
    await waitForCell(page, 'server-table', 'web-console-01', 'status', 'stopped');
    expect(vmOf('web-console-01')?.status).toBe('stopped');
    await table.getByRole('button', { name: 'Start web-console-01' }).click();
    await waitForCompleted(page, 'task', 2);
    await waitForCell(page, 'server-table', 'web-console-01', 'status', 'running');
    expect(vmOf('web-console-01')?.status).toBe('running');
    const reboots = () => fake.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/status/reboot')).length;
    const rebootsBefore = reboots();
    await table.getByRole('button', { name: 'Reboot web-console-01' }).click();
    await waitForCompleted(page, 'task', 3);
    expect(reboots()).toBe(rebootsBefore + 1);

    // Restore onto the server it came from: its VM exists, so the hub refuses without overwrite and the page says why.
    const [backup] = (await fleet.api.json('/api/backups')).backups;
    const restore = page.getByRole('form', { name: `Restore ${backup.backup_id}` });
    expect(await restore.getByLabel('Onto').inputValue()).toBe(String(backup.server_id));
    await restore.getByRole('button', { name: 'Restore' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toMatch(/overwrite/);
    expect(fake.requests.some((r) => r.method === 'POST' && /\/qemu$/.test(r.path))).toBe(false);
    await restore.getByLabel('Overwrite').check();
    await restore.getByRole('button', { name: 'Restore' }).click();
    await waitForCompleted(page, 'task', 4);
    expect(fake.requests.filter((r) => r.method === 'POST' && /\/qemu$/.test(r.path)).map((r) => [r.params.archive, r.params.force])).toEqual([[fake.backups[0]!.volid, '1']]);

    // Deleting the backup asks first; accepted, the archive is gone from the page, the hub and the fake's storage.
    page.once('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: `Delete backup ${backup.backup_id}` }).click();
    await waitForNoRow(page, 'backup-table', backup.backup_id);
    expect((await fleet.api.json('/api/backups')).backups).toEqual([]);
    expect(fake.backups).toEqual([]);

    // Deleting a server: dismissed, nothing is sent; confirmed, its task runs and the server and its VM are gone.
    const dismissed = new Promise<string>((resolve) => page.once('dialog', (d) => void d.dismiss().then(() => resolve(d.message()))));
    await table.getByRole('button', { name: 'Delete was-bulk-02' }).click();
    expect(await dismissed).toContain('was-bulk-02');
    page.once('dialog', (d) => void d.accept());
    await table.getByRole('button', { name: 'Delete was-bulk-02' }).click();
    await waitForCompleted(page, 'task', 5);
    await waitForNoRow(page, 'server-table', 'was-bulk-02');
    expect(deletes.filter((p) => p.startsWith('/api/servers/'))).toHaveLength(1);
    expect((await fleet.api.json('/api/servers')).servers.map((x: { name: string }) => x.name).sort()).toEqual(['was-bulk-01', 'web-console-01']);
    expect(vmOf('was-bulk-02')).toBeUndefined();
    await page.screenshot({ path: join(ARTIFACTS, 'server-actions.png'), fullPage: true });
    await page.context().close();
  }, 150_000);

  it('shows the registered Proxmox cluster with its health and pinned certificate', async () => {
    const [registered] = (await fleet.api.json('/api/v1/clusters')).data.filter((c: { id: string | null }) => c.id !== null);
    const detail = await fleet.api.json(`/api/v1/clusters/${registered.id}`);
    expect(detail.tls_fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    const page = await openAs(['admin', ADMIN_PASSWORD], 'clusters');
    await page.goto(fleet.api.api + '/#/clusters');
    const row = page.getByTestId('cluster-table').locator('tbody tr', { hasText: 'proxmox' });
    await row.waitFor();
    expect(await row.locator('[data-col="fp"]').textContent()).toBe(detail.tls_fingerprint);
    expect(await row.locator('[data-col="status"]').textContent()).toContain(detail.status);
    await page.getByRole('form', { name: 'Register a Proxmox cluster' }).waitFor();
    await page.screenshot({ path: join(ARTIFACTS, 'clusters.png'), fullPage: true });
    await page.context().close();
  });

  it('creates a demo ECP tenant, previews its manifest and follows its deployment over the WebSocket to completion', async () => {
    const page = await openAs(['admin', ADMIN_PASSWORD], 'tenants');
    await page.goto(fleet.api.api + '/#/tenants');
    const form = page.getByRole('form', { name: 'Create a tenant' });
    await form.getByLabel('Tenant id').fill('console-demo');
    await form.getByLabel('Name').fill('Console demo');
    await form.getByLabel('Channels').fill('20');
    await form.getByRole('button', { name: 'Create tenant' }).click();
    await page.waitForFunction(() => document.querySelector('[data-testid="deployment"]')?.getAttribute('data-status') === 'completed', undefined, { timeout: 60_000 });
    const tenant = await fleet.api.request('/api/v1/tenants/console-demo', { headers: { 'x-demo-mode': 'true' } });
    expect((await tenant.json()).status).toBe('running');
    await page.getByRole('button', { name: 'Refresh' }).click();
    await page.getByRole('button', { name: 'Manifest of console-demo' }).click();
    await page.getByTestId('manifest').waitFor();
    const manifest = await fleet.api.request('/api/v1/tenants/console-demo/manifest?format=yaml', { headers: { 'x-demo-mode': 'true' } });
    expect(await page.getByTestId('manifest').textContent()).toBe(await manifest.text());
    await page.screenshot({ path: join(ARTIFACTS, 'tenants.png'), fullPage: true });
    await page.context().close();
  });

  it('re-sizes a demo tenant and deletes it (once confirmed), following both over the WebSocket', async () => {
    const page = await openAs(['admin', ADMIN_PASSWORD], 'tenant-actions');
    await page.goto(fleet.api.api + '/#/tenants');
    const resize = page.getByRole('form', { name: 'Resize console-demo' });
    await resize.getByLabel('Service').selectOption('stt');
    await resize.getByLabel('Channels').fill('30');
    await resize.getByRole('button', { name: 'Resize' }).click();
    await waitForCompleted(page, 'deployment', 1);
    const tenant = await (await fleet.api.request('/api/v1/tenants/console-demo', { headers: { 'x-demo-mode': 'true' } })).json();
    expect(tenant.service_requirements).toMatchObject({ stt: 30 });
    expect(tenant.status).toBe('running');

    page.once('dialog', (d) => void d.accept());
    await page.getByTestId('tenant-table').getByRole('button', { name: 'Delete console-demo' }).click();
    await waitForCompleted(page, 'deployment', 2);
    await waitForNoRow(page, 'tenant-table', 'console-demo');
    expect((await fleet.api.request('/api/v1/tenants/console-demo', { headers: { 'x-demo-mode': 'true' } })).status).toBe(404);
    await page.screenshot({ path: join(ARTIFACTS, 'tenant-actions.png'), fullPage: true });
    await page.context().close();
  }, 120_000);

  it('adds a GCP credential whose key goes in a password field and is never shown back, creates a VM with it on the fake Compute Engine, deletes both (once confirmed)', async () => {
    const workspace = (await (await fleet.api.request('/api/v1/workspaces', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'console-ws' }) })).json()).data;
    // A line of the private key's base64: it must appear nowhere on the page once sent.
    const keyLine = gcpAccount.keyFile.private_key.split('\n')[3]!;
    const page = await openAs(['admin', ADMIN_PASSWORD], 'clouds');
    // The view's /ws socket, signed in with the session cookie: its 'authenticated' event, then the VMs' status events.
    const frames: string[] = [];
    page.on('websocket', (ws) => ws.url().endsWith('/api/v1/ws') && ws.on('framereceived', (f) => frames.push(String(f.payload))));
    const vmReads: string[] = [];
    page.on('request', (r) => r.method() === 'GET' && new URL(r.url()).pathname === '/api/v1/vms' && vmReads.push(r.url()));
    await page.goto(fleet.api.api + '/#/clouds');
    await waitFor(async () => frames.some((f) => JSON.parse(f).type === 'authenticated'), 20_000, 'the /ws socket signed in with the session cookie');
    const cred = page.getByRole('form', { name: 'Add a cloud credential' });
    await cred.getByLabel('Name').fill('gcp-console');
    await cred.getByLabel('Provider').selectOption('gcp');
    await cred.getByLabel('Workspace').selectOption({ label: 'console-ws' });
    const key = cred.getByLabel('Service account key (JSON)');
    expect(await key.getAttribute('type')).toBe('password');
    await key.fill(JSON.stringify(gcpAccount.keyFile));
    await cred.getByLabel('Project').fill(GCP_PROJECT);
    await cred.getByRole('button', { name: 'Add credential' }).click();
    await page.getByTestId('credential-table').locator('tbody tr', { hasText: 'gcp-console' }).waitFor();
    // The hub asked the provider (the fake's token endpoint granted the key), the form is empty again and the key is nowhere on the page.
    expect(gce.grants).toContain(gcpAccount.email);
    expect(await cred.getByLabel('Service account key (JSON)').inputValue()).toBe('');
    expect(await page.content()).not.toContain(keyLine);
    const [stored] = (await fleet.api.json('/api/v1/credentials')).data.credentials;
    expect(stored).toMatchObject({ name: 'gcp-console', provider: 'gcp', workspace_id: workspace.id });

    const vmForm = page.getByRole('form', { name: 'Create a cloud VM' });
    await vmForm.getByLabel('Name').fill('console-vm');
    await vmForm.getByLabel('Workspace').selectOption({ label: 'console-ws' });
    await vmForm.getByLabel('Credential').selectOption({ label: 'gcp-console (gcp)' });
    await vmForm.getByLabel('Instance type').fill('e2-small');
    await vmForm.getByLabel('Region or zone').fill('us-central1-a');
    await vmForm.getByLabel('Image').fill(DEBIAN);
    await vmForm.getByRole('button', { name: 'Create VM' }).click();
    await page.getByTestId('vm-table').locator('tbody tr', { hasText: 'console-vm' }).waitFor();
    const readsAfterCreate = vmReads.length;
    // Pending, then running as the reconciler sees it on the fake: pushed over /ws, the list not read again.
    await waitForCell(page, 'vm-table', 'console-vm', 'status', 'running');
    expect(vmReads.length).toBe(readsAfterCreate);
    const [vm] = (await fleet.api.json('/api/v1/vms')).data.vms;
    expect(vm).toMatchObject({ status: 'running', provider: 'gcp', credential_id: stored.id, workspace_id: workspace.id, instance_type: 'e2-small' });
    expect(gce.instances.get(`${GCP_PROJECT}/us-central1-a/${vm.instance_id}`)?.status).toBe('RUNNING');
    expect(frames.map((f) => JSON.parse(f)).filter((e) => e.type === 'vm_status_changed' && e.data.vm_id === vm.id).map((e) => e.data.status)).toContain('running');

    page.once('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: 'Delete VM console-vm' }).click();
    // Terminating, then terminated (pushed): the row goes with no Refresh.
    await waitForNoRow(page, 'vm-table', 'console-vm');
    expect((await fleet.api.request(`/api/v1/vms/${vm.id}`)).status).toBe(404);
    expect(gce.instances.has(`${GCP_PROJECT}/us-central1-a/${vm.instance_id}`)).toBe(false);

    page.once('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: 'Delete credential gcp-console' }).click();
    await waitForNoRow(page, 'credential-table', 'gcp-console');
    expect((await fleet.api.json('/api/v1/credentials')).data.credentials).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, 'clouds.png'), fullPage: true });
    await page.context().close();
  }, 120_000);

  it('shows the on-prem cost beside the clouds in the cost analysis', async () => {
    const api = (await fleet.api.json('/api/v1/cost-analysis?period=1d')).data;
    const page = await openAs(['admin', ADMIN_PASSWORD], 'costs');
    await page.goto(fleet.api.api + '/#/costs');
    await page.getByLabel('1d').check();
    const onprem = page.getByTestId('cost-table').locator('tbody tr', { hasText: 'onprem' });
    await onprem.waitFor();
    expect(api.breakdown.map((b: { provider: string }) => b.provider)).toContain('onprem');
    expect(await onprem.locator('[data-col="cost"]').textContent()).toMatch(/^\$\d/);
    await page.screenshot({ path: join(ARTIFACTS, 'costs.png'), fullPage: true });
    await page.context().close();
  });

  it('passes axe\'s WCAG 2 AA checks on every view, and sorts a table from the keyboard', async () => {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const login = await context.newPage();
    await login.goto(fleet.api.api + '/');
    await login.getByRole('button', { name: 'Sign in' }).waitFor();
    expect(await accessibilityViolations(login), 'login').toEqual([]);
    await context.close();

    const page = await openAs(['admin', ADMIN_PASSWORD], 'a11y');
    const ready: Record<string, string> = { '': 'gpus-online', gpus: 'gpu-table', 'gpus/gpu-b/nvidia0': 'gpu-facts', nodes: 'node-table', pods: 'namespace-power', exports: 'export-link', clusters: 'cluster-table', servers: 'server-table', tenants: 'tenant-table', clouds: 'vm-table', costs: 'cost-table' };
    for (const [view, testId] of Object.entries(ready)) {
      await page.goto(`${fleet.api.api}/#/${view}`);
      await page.getByTestId(testId).waitFor();
      await page.waitForFunction(() => !document.body.textContent?.includes('Loading…'));
      expect(await accessibilityViolations(page), `#/${view}`).toEqual([]);
    }

    // Keyboard only: Tab from the filter to the first column's sort button, Enter sorts.
    await page.goto(fleet.api.api + '/#/gpus');
    await page.getByTestId('gpu-table').waitFor();
    await page.getByLabel('Filter GPUs').focus();
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Node');
    await page.keyboard.press('Enter');
    expect(await page.getByRole('columnheader', { name: /Node/ }).getAttribute('aria-sort')).toBe('ascending');
    await page.context().close();
  });

  it('shows a viewer the data but no mutation controls', async () => {
    const page = await openAs(viewer, 'viewer');
    expect(await page.getByTestId('whoami').textContent()).toBe('vera (viewer)');
    await waitForText(page, 'gpus-online', '3 / 3');
    for (const [view, table] of [['servers', 'server-table'], ['clusters', 'cluster-table'], ['tenants', 'tenant-table'], ['clouds', 'vm-table']] as const) {
      await page.goto(`${fleet.api.api}/#/${view}`);
      await page.getByTestId(table).waitFor();
      expect(await page.getByTestId('mutation-controls').count(), view).toBe(0);
      expect(await page.getByRole('button', { name: /^(create|delete|register|back up|start|stop|reboot|restore|resize|add)\b/i }).count(), view).toBe(0);
      await page.screenshot({ path: join(ARTIFACTS, `viewer-${view}.png`), fullPage: true });
    }
    // The admin's page has them, so the check above is not vacuous.
    const admin = await openAs(['admin', ADMIN_PASSWORD], 'admin');
    for (const view of ['servers', 'clusters', 'tenants', 'clouds']) {
      await admin.goto(`${fleet.api.api}/#/${view}`);
      await admin.getByTestId('mutation-controls').waitFor();
    }
    await admin.context().close();
    await page.context().close();
  });

  it('signs out: the session ends at the hub and the page goes back to the login form', async () => {
    const page = await openAs(['admin', ADMIN_PASSWORD], 'logout');
    const cookies = await page.context().cookies();
    const session = cookies.find((c) => c.name === 'kcloud_session');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    // The old cookie no longer opens anything.
    const res = await fleet.api.request('/api/v1/users/me', { user: null, headers: { cookie: `kcloud_session=${session!.value}` } });
    expect(res.status).toBe(401);
    await page.reload();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await page.context().close();
  });
});
