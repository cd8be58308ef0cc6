import type { Page } from 'playwright-core';
import { startTestApp, TEST_ADMIN_TOKEN, type TestApp } from '../support/test-app';
import { chromiumMissing, launchChromium, type Browser } from './support/chromium';

/**
 * Signing in as people do (issue 8 through issue 7's login), in headless Chromium: the first run offers to
 * create the first admin, who is then signed in by an httpOnly session cookie that survives a reload; signing
 * out ends it; a wrong password is refused with a message; a member signs in the same way and is not offered
 * the admin-only settings.
 */

const missing = chromiumMissing();
if (missing) console.warn(missing);
const describeInBrowser = missing ? describe.skip : describe;

const ADMIN = { email: 'ada@acme.test', name: 'Ada Admin', password: 'correct horse battery staple' };
const MEMBER = { email: 'mo@acme.test', password: 'member password 123' };

describeInBrowser('signing in with email and password in Chromium', () => {
  let t: TestApp;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    t = await startTestApp();
    browser = await launchChromium();
    page = await browser.context.newPage();
    page.setDefaultTimeout(15_000);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  const nav = () => page.getByRole('navigation', { name: 'Main' });
  const navLinks = async () => (await nav().getByRole('link').allTextContents()).map((s) => s.trim());

  it('creates the first admin on the first run and is signed in by an httpOnly cookie that survives a reload', async () => {
    await page.goto(t.url + '/');
    const form = page.getByRole('form', { name: 'Create the first admin' });
    await form.waitFor();
    await page.getByLabel('Email', { exact: true }).fill(ADMIN.email);
    await page.getByLabel('Name (optional)').fill(ADMIN.name);
    await page.getByLabel('Password (12 characters or more)').fill('too short');
    await page.getByRole('button', { name: 'Create admin and sign in' }).click();
    // The browser's own validation holds the form back (minlength 12): nobody is created, nobody signed in.
    expect(await page.locator('#setup-password:invalid').count()).toBe(1);
    expect(await nav().count()).toBe(0);

    await page.getByLabel('Password (12 characters or more)').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Create admin and sign in' }).click();
    await nav().waitFor();
    expect(await page.locator('.account .who').textContent()).toBe(ADMIN.name);

    const cookies = await browser.context.cookies(t.url);
    const session = cookies.filter((c) => c.httpOnly);
    expect(session).toHaveLength(1);
    expect(session[0].sameSite).not.toBe('None');
    // The page's scripts never see it.
    expect(await page.evaluate('document.cookie')).not.toContain(session[0].name);

    await page.reload();
    await nav().waitFor();
    expect(await navLinks()).toContain('Settings');
  });

  it('signs out, refuses a wrong password with a message, and signs in with the right one', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    const form = page.getByRole('form', { name: 'Sign in with email and password' });
    await form.waitFor();
    expect((await browser.context.cookies(t.url)).filter((c) => c.httpOnly)).toHaveLength(0);

    await page.getByLabel('Email', { exact: true }).fill(ADMIN.email);
    await page.getByLabel('Password', { exact: true }).fill('not the password at all');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect((await alert.textContent())?.toLowerCase()).toMatch(/email or password/);
    expect(await nav().count()).toBe(0);

    await page.getByLabel('Password', { exact: true }).fill(ADMIN.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await nav().waitFor();
  });

  it('signs a member in the same way, without the admin-only settings', async () => {
    const created = await t.request('POST', '/api/users', { token: TEST_ADMIN_TOKEN, body: { email: MEMBER.email, role: 'member', password: MEMBER.password } });
    expect(created.status).toBe(201);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('form', { name: 'Sign in with email and password' }).waitFor();
    await page.getByLabel('Email', { exact: true }).fill(MEMBER.email);
    await page.getByLabel('Password', { exact: true }).fill(MEMBER.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await nav().waitFor();
    const links = await navLinks();
    expect(links).toContain('Overview');
    expect(links).not.toContain('Settings');
    // The address typed by hand says why instead of a page of refused requests.
    await page.goto(t.url + '/settings');
    await page.getByRole('heading', { name: 'Settings are for admins' }).waitFor();
  });
});
