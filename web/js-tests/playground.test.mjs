// Browser test of the playground: serve dist/ on 127.0.0.1, drive Debian's Chromium with playwright-core,
// create a topic, send a record, and check the page shows it at offset 0. Saves a screenshot in target/.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const dist = path.join(root, "dist");
const types = { ".html": "text/html", ".js": "text/javascript", ".wasm": "application/wasm", ".css": "text/css" };

let server, browser, baseUrl;

before(async () => {
  assert.ok(fs.existsSync(path.join(dist, "index.html")), "run `trunk build --release` first");
  server = http.createServer((req, res) => {
    const url = new URL(req.url, "http://x");
    let file = path.join(dist, decodeURIComponent(url.pathname));
    if (!file.startsWith(dist)) return res.writeHead(403).end();
    if (fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, "index.html");
    if (!fs.existsSync(file)) return res.writeHead(404).end();
    res.writeHead(200, { "content-type": types[path.extname(file)] ?? "application/octet-stream" });
    fs.createReadStream(file).pipe(res);
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${server.address().port}/`;
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    // Playwright adds --headless and a fresh --user-data-dir itself; these keep Chromium off the closed network.
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
});

after(async () => {
  await browser?.close();
  server?.close();
});

async function openPlayground() {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => { if (m.type() === "error" && !m.text().includes("favicon")) errors.push(m.text()); });
  await page.goto(baseUrl);
  await page.waitForSelector('[data-testid="broker-1"]');
  return { page, errors };
}

test("create a topic, send a record, see it at offset 0 in the log strip", async () => {
  const { page, errors } = await openPlayground();
  await page.fill('[data-testid="topic-name"]', "orders");
  await page.click('[data-testid="create-topic"]');
  await page.waitForSelector('[data-testid="log-orders-0"]');
  await page.fill('[data-testid="send-key"]', "alice");
  await page.fill('[data-testid="send-value"]', "apple");
  await page.click('[data-testid="send"]');
  const first = page.locator('[data-testid="log-orders-0"] .log-record[data-offset="0"]');
  await first.waitFor();
  assert.match(await first.innerText(), /alice[\s\S]*apple/);
  await page.fill('[data-testid="send-value"]', "banana");
  await page.click('[data-testid="send"]');
  await page.locator('.log-record[data-offset="1"]').waitFor();
  const timeline = await page.locator('[data-testid="timeline"]').innerText();
  assert.match(timeline, /created topic orders/);
  assert.match(timeline, /appended 1 record to orders-0 at offset 0/);
  assert.match(await page.locator('[data-testid="notice"]').innerText(), /orders-0 at offset 1/);
  fs.mkdirSync(path.join(root, "target"), { recursive: true });
  await page.screenshot({ path: path.join(root, "target", "playground.png"), fullPage: true });
  assert.deepEqual(errors, []);
});

test("the virtual clock advances on animation frames and pauses", async () => {
  const { page } = await openPlayground();
  const clock = () => page.locator('[data-testid="clock"]').innerText();
  const t0 = await clock();
  await page.waitForFunction((t) => document.querySelector('[data-testid="clock"]').innerText !== t, t0);
  await page.click('[data-testid="play"]'); // pause
  const paused = await clock();
  await page.waitForTimeout(300);
  assert.equal(await clock(), paused, "paused: the clock stands still");
});

test("an illegal topic name shows Kafka's error and the page keeps working", async () => {
  const { page, errors } = await openPlayground();
  await page.fill('[data-testid="topic-name"]', "bad name!");
  await page.click('[data-testid="create-topic"]');
  const notice = page.locator('[data-testid="notice"]');
  await notice.waitFor();
  assert.match(await notice.innerText(), /INVALID_TOPIC_EXCEPTION/);
  await page.fill('[data-testid="topic-name"]', "good");
  await page.click('[data-testid="create-topic"]');
  await page.waitForSelector('[data-testid="log-good-0"]');
  assert.deepEqual(errors, []);
});
