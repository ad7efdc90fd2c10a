/**
 * Renders the screens in French into docs/screenshots/*.png (referenced from docs/screens.md):
 * a small shop with real processes (test/e2e/screens-world.ts), a headless Chromium
 * (/usr/bin/chromium), a handful of pages at 1280 px, PNGs kept small (viewport, not full page).
 *   npx tsx scripts/screenshots.ts
 */
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { launchBrowser } from '../test/e2e/screens-harness.ts';
import { startScreensWorld } from '../test/e2e/screens-world.ts';

const OUT = join(process.cwd(), 'docs', 'screenshots');

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const world = await startScreensWorld();
  const browser = await launchBrowser({ lang: 'fr-FR' });
  try {
    const context = await browser.newContext({ locale: 'fr-FR', viewport: { width: 1280, height: 860 } });
    const page = await context.newPage();
    const save = async (name: string) => {
      const path = join(OUT, `${name}.png`);
      await page.screenshot({ path });
      process.stdout.write(`${path} (${Math.round(statSync(path).size / 1024)} KiB)\n`);
    };
    await page.goto(`${world.backOffice}/login`);
    await page.fill('input[name=name]', world.user.name);
    await page.fill('input[name=password]', world.user.password);
    await Promise.all([page.waitForEvent('load'), page.click('button[type=submit]')]);
    await page.goto(`${world.backOffice}/`);
    await page.waitForSelector('#chart-sales canvas');
    await page.locator('#charts').scrollIntoViewIfNeeded();
    await save('dashboard-charts');
    await page.goto(`${world.backOffice}/control`);
    await save('control-grid');
    await Promise.all([page.waitForEvent('load'), page.click('#generate')]);
    await page.locator('#batches').scrollIntoViewIfNeeded();
    await save('integration-batches');
    await page.goto(`${world.backOffice}/security`);
    await save('security');
    const reg = await context.newPage();
    await reg.goto(world.register);
    await reg.waitForSelector('#payment-modes button');
    await reg.keyboard.type('A000001');
    await reg.keyboard.press('Enter');
    await reg.waitForSelector('#lines tbody tr');
    await reg.screenshot({ path: join(OUT, 'register.png') });
    process.stdout.write(`${join(OUT, 'register.png')}\n`);
  } finally {
    await browser.close();
    await world.stop();
  }
}

main().catch((e) => {
  process.stderr.write(`screenshots: ${(e as Error).message}\n`);
  process.exit(1);
});
