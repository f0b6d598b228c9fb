import { defineConfig } from 'vitest/config';
import { playwright } from '@vitest/browser-playwright';

// Browser-mode tests (test/browser/*.spec.ts; not matched by the default config's *.test.ts) in Debian's Chromium, driven by Playwright.
// Playwright's own browser download does not work here; the system chromium does.
export default defineConfig({
  test: {
    include: ['test/browser/**/*.spec.ts'],
    globalSetup: ['test/browser/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    browser: {
      enabled: true,
      headless: true,
      provider: playwright({
        launchOptions: {
          executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
          args: ['--headless', '--no-sandbox', '--disable-gpu', '--enable-unsafe-swiftshader', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
        },
      }),
      instances: [{ browser: 'chromium' }],
      // A blank page's screenshot explains nothing and would litter the checkout.
      screenshotFailures: false,
    },
  },
});
