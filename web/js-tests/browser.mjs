// Serves dist/ (the playground, built by `trunk build --release`) on 127.0.0.1 and launches Debian's Chromium
// with playwright-core: shared by the Playwright tests and the frame-rate bench.
import http from "node:http";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
// FRANZ_DIST: another build of the page (say one whose wasm keeps its function names, for a profile).
const dist = path.resolve(process.env.FRANZ_DIST ?? path.join(root, "dist"));
const types = { ".html": "text/html", ".js": "text/javascript", ".wasm": "application/wasm", ".css": "text/css", ".json": "application/json" };

/** Serves dist/ and starts Chromium: `{ baseUrl, browser, close }`. */
export async function openBrowser() {
  if (!fs.existsSync(path.join(dist, "index.html"))) throw new Error("run `trunk build --release` first");
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, "http://x");
    let file = path.join(dist, decodeURIComponent(url.pathname));
    if (!file.startsWith(dist)) return res.writeHead(403).end();
    if (fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, "index.html");
    if (!fs.existsSync(file)) return res.writeHead(404).end();
    res.writeHead(200, { "content-type": types[path.extname(file)] ?? "application/octet-stream" });
    fs.createReadStream(file).pipe(res);
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    // Playwright adds --headless and a fresh --user-data-dir itself; these keep Chromium off the closed network.
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  return {
    baseUrl: `http://127.0.0.1:${server.address().port}/`,
    browser,
    close: async () => {
      await browser.close();
      server.close();
    },
  };
}
