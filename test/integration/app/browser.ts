/**
 * The headless browser of the app's end-to-end test: Debian's Chromium (/usr/bin/chromium) driven by playwright-core,
 * which downloads nothing. A missing browser fails the test with what to install. Console errors and uncaught page
 * errors are collected so the test can assert there were none.
 */
import fs from "node:fs";
import path from "node:path";
import { chromium } from "playwright-core";
import type { Browser, Page } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** Launches headless Chromium; throws a one-line message naming the package when it is not installed. */
export async function launchChromium(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM}: the app's browser test needs Debian's chromium package ` +
        "(apt-get install -y chromium; .ci/run installs it) or CHROMIUM_PATH set to a Chromium binary",
    );
  }
  // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox"] });
}

/** Every console error and uncaught exception of a page, as text. */
export function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("console", (msg) => {
    if (msg.type() === "error") errors.push(`console: ${msg.text()}`);
  });
  page.on("pageerror", (err) => errors.push(`page error: ${err.message}`));
  return errors;
}

/** Writes a full-page screenshot to `<dir>/<name>.png`. */
export async function screenshot(page: Page, dir: string, name: string): Promise<string> {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** The `data-raw` integer of the element `selector` once it has one (waits up to `ms`). */
export async function rawOf(page: Page, selector: string, ms = 20_000): Promise<string> {
  const handle = await page.waitForSelector(`${selector}[data-raw]`, { timeout: ms });
  return (await handle.getAttribute("data-raw")) ?? "";
}

/** Waits until `probe` (run in Node, reading the page) returns a value other than undefined. */
export async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${ms} ms waiting for ${what}${last ? ` (${(last as Error).message})` : ""}`,
      );
    }
    await new Promise((r) => setTimeout(r, 150));
  }
}
