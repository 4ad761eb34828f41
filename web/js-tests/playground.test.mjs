// Browser test of the playground: serve dist/ on 127.0.0.1, drive Debian's Chromium with playwright-core,
// create a topic, send a record, and check the page shows it at offset 0; play a lesson through the page;
// scrub the timeline back and fork. Saves screenshots in target/.
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

// Free play (`#play`): a new cluster, playing. A visit without a fragment opens the first lesson instead.
async function openPlayground(fragment = "#play") {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => { if (m.type() === "error" && !m.text().includes("favicon")) errors.push(m.text()); });
  await page.goto(baseUrl + fragment);
  await page.waitForSelector('[data-testid="broker-1"]');
  return { page, errors };
}

const text = (page, testid) => page.locator(`[data-testid="${testid}"]`).innerText();
const stepCount = (page) => page.locator('[data-testid="lesson-step-count"]').innerText();

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

async function createTopicAndSend(page, topic, values, replicationFactor = "") {
  await page.fill('[data-testid="topic-name"]', topic);
  await page.fill('[data-testid="topic-replication"]', replicationFactor);
  await page.click('[data-testid="create-topic"]');
  await page.waitForSelector(`[data-testid="log-${topic}-0"]`);
  for (const [i, v] of values.entries()) {
    await page.fill('[data-testid="send-value"]', v);
    await page.click('[data-testid="send"]');
    await page.locator(`[data-testid="log-${topic}-0"] .log-record[data-offset="${i}"]`).waitFor();
  }
}

test("the controllers and brokers show their state; a leader crash moves leadership", async () => {
  const { page, errors } = await openPlayground();
  await page.waitForSelector('[data-testid="controller-1001"]');
  assert.match(await page.locator('[data-testid="quorum"]').innerText(), /active controller: 100[123]/);
  await createTopicAndSend(page, "orders", ["a", "b"]);
  const strip = page.locator('[data-testid="log-orders-0"]');
  const leader = Number((await strip.locator(".meta").first().innerText()).match(/leader (\d+)/)[1]);
  assert.match(await page.locator('[data-testid="replicas-orders-0"]').innerText(), /ISR \[/);
  await page.click(`[data-testid="broker-${leader}-crash"]`);
  await page.waitForFunction((id) => document.querySelector(`[data-testid="broker-${id}-state"]`).innerText.startsWith("crashed"), leader);
  // After broker.session.timeout.ms (9 s of virtual time) the controller fences it and moves leadership.
  await page.selectOption('[data-testid="speed"]', "10");
  await page.waitForFunction((id) => !new RegExp(`leader ${id} `).test(document.querySelector('[data-testid="log-orders-0"] .meta').innerText), leader, { timeout: 20000 });
  await page.click(`[data-testid="broker-${leader}-restart"]`);
  await page.click('[data-testid="check"]');
  await page.locator('[data-testid="check-ok"]').waitFor();
  assert.match(await page.locator('[data-testid="check-scope"]').innerText(), /judged \d+ send\(s\), the whole run/);
  const timeline = await page.locator('[data-testid="timeline"]').innerText();
  assert.match(timeline, /fenced broker/);
  assert.match(timeline, /became leader of orders-0 at epoch 1/);
  const active = (await page.locator('[data-testid="quorum"]').innerText()).match(/active controller: (\d+)/)[1];
  await page.click(`[data-testid="controller-${active}-crash"]`);
  await page.waitForFunction((id) => /active controller: \d+/.test(document.querySelector('[data-testid="quorum"]').innerText) && !document.querySelector('[data-testid="quorum"]').innerText.includes(id), active, { timeout: 20000 });
  await page.click('[data-testid="add-broker"]');
  await page.waitForSelector('[data-testid="broker-4"]');
  fs.mkdirSync(path.join(root, "target"), { recursive: true });
  await page.screenshot({ path: path.join(root, "target", "playground-cluster.png"), fullPage: true });
  assert.deepEqual(errors, []);
});

test("a power loss on a topic's only replica shows up in the checker", async () => {
  const { page, errors } = await openPlayground();
  await createTopicAndSend(page, "orders", ["a", "b"], "1");
  const leader = Number((await page.locator('[data-testid="log-orders-0"] .meta').first().innerText()).match(/leader (\d+)/)[1]);
  await page.click(`[data-testid="broker-${leader}-power-loss"]`);
  await page.click(`[data-testid="broker-${leader}-restart"]`);
  await page.click('[data-testid="check"]');
  const violations = page.locator('[data-testid="violations"]');
  await violations.waitFor();
  const text = await violations.innerText();
  assert.match(text, /LostWrite/);
  assert.match(text, /orders-0 @0/);
  const timeline = await page.locator('[data-testid="timeline"]').innerText();
  assert.match(timeline, /lost power/);
  fs.mkdirSync(path.join(root, "target"), { recursive: true });
  await page.screenshot({ path: path.join(root, "target", "playground-faults.png"), fullPage: true });
  assert.deepEqual(errors, []);
});

test("isolate a broker, then heal; network settings are validated", async () => {
  const { page, errors } = await openPlayground();
  await page.click('[data-testid="broker-1-isolate"]');
  await page.waitForFunction(() => document.querySelector('[data-testid="network-state"]').innerText.includes("Partitioned: [1]"));
  await page.click('[data-testid="heal"]');
  await page.waitForFunction(() => document.querySelector('[data-testid="network-state"]').innerText.includes("Every node reaches"));
  await page.fill('[data-testid="drop-rate"]', "7");
  await page.click('[data-testid="apply-network"]');
  assert.match(await page.locator('[data-testid="notice"]').innerText(), /INVALID_CONFIG: dropRate must be between 0 and 1/);
  await page.fill('[data-testid="drop-rate"]', "0.1");
  await page.fill('[data-testid="latency"]', "20");
  await page.click('[data-testid="apply-network"]');
  assert.match(await page.locator('[data-testid="timeline"]').innerText(), /network set to latency 20 ms, jitter 1 ms, drop rate 0.1/);
  assert.deepEqual(errors, []);
});

test("a share link replays the same run; time travel goes back", async () => {
  const { page, errors } = await openPlayground();
  await createTopicAndSend(page, "shared", ["x", "y", "z"]);
  await page.click('[data-testid="play"]'); // pause, so that the clock stands still
  await page.click('[data-testid="share"]');
  const url = page.url();
  assert.match(url, /#s=/);
  const clock = await page.locator('[data-testid="clock"]').innerText();
  const events = await page.locator('[data-testid="timeline"]').innerText();

  const second = await browser.newPage();
  await second.goto(url);
  await second.waitForSelector('[data-testid="log-shared-0"] .log-record[data-offset="2"]');
  assert.match(await second.locator('[data-testid="notice"]').innerText(), /Replayed the shared run/);
  assert.equal(await second.locator('[data-testid="clock"]').innerText(), clock, "the replay stops where the run was shared");
  assert.equal(await second.locator('[data-testid="timeline"]').innerText(), events, "same events, same times, same words");

  const third = await browser.newPage();
  await third.goto(baseUrl + "#s=garbage!");
  await third.waitForSelector('[data-testid="broker-1"]');
  assert.match(await third.locator('[data-testid="notice"]').innerText(), /cannot be read/);

  // Back to before the first record: the log strip is empty again.
  const firstAppend = events.split("\n").reverse().find((l) => l.includes("appended 1 record to shared-0 at offset 0"));
  const t = Number(firstAppend.match(/t=([\d,]+) ms/)[1].replace(/,/g, "")) - 1;
  await page.fill('[data-testid="travel-to"]', String(t));
  await page.click('[data-testid="time-travel"]');
  await page.waitForFunction(() => !document.querySelector('[data-testid="log-shared-0"] .log-record'));
  assert.equal(await page.locator('[data-testid="clock"]').innerText(), `t = ${t.toLocaleString("en")} ms`);
  assert.deepEqual(errors, []);
});

test("retention moves the log start and compaction thins a compacted topic", async () => {
  const { page, errors } = await openPlayground();
  await page.selectOption('[data-testid="speed"]', "10");
  await page.fill('[data-testid="topic-name"]', "clicks");
  await page.fill('[data-testid="topic-config"]', "retention.ms=3000, segment.bytes=150");
  await page.click('[data-testid="create-topic"]');
  await page.waitForSelector('[data-testid="log-clicks-0"]');
  for (const v of ["c1", "c2", "c3"]) {
    await page.fill('[data-testid="send-value"]', v);
    await page.click('[data-testid="send"]');
  }
  // At 10x, retention (checked every 5 s of virtual time) deletes the old segments within a few seconds.
  await page.waitForSelector('[data-testid="log-clicks-0"] [data-testid="log-start"]', { timeout: 20000 });
  assert.match(await page.locator('[data-testid="timeline"]').innerText(), /retention deleted \d+ segment/);

  await page.fill('[data-testid="topic-name"]', "profiles");
  await page.fill('[data-testid="topic-config"]', "cleanup.policy=compact, segment.bytes=150");
  await page.click('[data-testid="create-topic"]');
  await page.waitForSelector('[data-testid="log-profiles-0"]');
  await page.selectOption('[data-testid="send-topic"]', "profiles");
  for (const [k, v] of [["alice", "a1"], ["alice", "a2"], ["bob", "b1"], ["alice", "a3"], ["bob", "b2"]]) {
    await page.fill('[data-testid="send-key"]', k);
    await page.fill('[data-testid="send-value"]', v);
    await page.click('[data-testid="send"]');
  }
  await page.waitForSelector('[data-testid="log-profiles-0"] .compacted-gap', { timeout: 20000 });
  const strip = await page.locator('[data-testid="log-profiles-0"]').innerText();
  assert.doesNotMatch(strip, /a1/, "alice's first value was compacted away");
  assert.match(strip, /a3/);

  await page.click('[data-testid="grow-profiles"]');
  await page.waitForSelector('[data-testid="log-profiles-1"]');
  await page.fill('[data-testid="config-key-profiles"]', "retention.ms");
  await page.fill('[data-testid="config-value-profiles"]', "forever");
  await page.click('[data-testid="config-set-profiles"]');
  assert.match(await page.locator('[data-testid="notice"]').innerText(), /INVALID_CONFIG/);
  await page.click('[data-testid="delete-clicks"]');
  await page.waitForFunction(() => !document.querySelector('[data-testid="log-clicks-0"]'));
  fs.mkdirSync(path.join(root, "target"), { recursive: true });
  await page.screenshot({ path: path.join(root, "target", "playground-logs.png"), fullPage: true });
  assert.deepEqual(errors, []);
});

test("producer settings: acks=0 sends without an acknowledgement", async () => {
  const { page, errors } = await openPlayground();
  await createTopicAndSend(page, "fire", ["first"]);
  await page.selectOption('[data-testid="acks"]', "0");
  await page.fill('[data-testid="send-value"]', "and-forget");
  await page.click('[data-testid="send"]');
  await page.waitForFunction(() => document.querySelector('[data-testid="notice"]').innerText.includes("acks=0"));
  await page.locator('[data-testid="log-fire-0"] .log-record[data-offset="1"]').waitFor();
  assert.match(await page.locator('[data-testid="clients"]').innerText(), /playground-producer-acks-0/);
  assert.deepEqual(errors, []);
});

test("a producer stream sends at a rate as virtual time passes", async () => {
  const { page, errors } = await openPlayground();
  await createTopicAndSend(page, "stream", ["first"]);
  await page.fill('[data-testid="stream-rate"]', "50");
  await page.click('[data-testid="stream"]');
  const status = page.locator('[data-testid="stream-status"]');
  await status.waitFor();
  await page.waitForFunction(() => {
    const m = document.querySelector('[data-testid="stream-status"]').innerText.match(/(\d+) acknowledged/);
    return m && Number(m[1]) >= 20;
  });
  await page.click('[data-testid="stream"]'); // stop
  await status.waitFor({ state: "detached" });
  // The strip shows the newest records: the last one is at offset 20 or beyond.
  await page.waitForFunction(() => {
    const offsets = [...document.querySelectorAll('[data-testid="log-stream-0"] .log-record')].map((e) => Number(e.dataset.offset));
    return Math.max(...offsets) >= 20;
  });
  assert.deepEqual(errors, []);
});

test("consumer groups: members join, share the partitions, commit, and rebalance when one stops", async () => {
  const { page, errors } = await openPlayground();
  await page.fill('[data-testid="topic-partitions"]', "2");
  await createTopicAndSend(page, "jobs", ["j0", "j1", "j2"]);
  await page.click('[data-testid="add-member"]');
  await page.click('[data-testid="add-member"]');
  await page.selectOption('[data-testid="speed"]', "10");
  const state = page.locator('[data-testid="group-playground-group-state"]');
  await page.waitForFunction(() => /Stable · generation \d/.test(document.querySelector('[data-testid="group-playground-group-state"]')?.innerText ?? ""), null, { timeout: 20000 });
  const owns = async () => page.locator('[data-testid="group-playground-group"] .members').innerText();
  assert.match(await owns(), /playground-group-member-1.*owns \[jobs-\d\]/);
  assert.match(await owns(), /playground-group-member-2.*owns \[jobs-\d\]/);
  // Auto-commit (every 5 s) shows up as committed offsets with their lag.
  await page.locator('[data-testid^="lag-playground-group-jobs-"]').first().waitFor({ timeout: 20000 });
  const members = await page.locator('[data-testid="groups"] .client-list li').allInnerTexts();
  const second = await page.locator('[data-testid="groups"] .client-list li').nth(1).locator('[data-testid$="-stop"]').getAttribute("data-testid");
  await page.click(`[data-testid="${second}"]`);
  await page.waitForFunction(() => /member-1.*owns \[jobs-0, jobs-1\]/.test(document.querySelector('[data-testid="group-playground-group"] .members').innerText), null, { timeout: 20000 });
  assert.match(await state.innerText(), /Stable/);
  assert.equal(members.length, 2);
  const timeline = await page.locator('[data-testid="timeline"]').innerText();
  assert.match(timeline, /group playground-group generation/);
  fs.mkdirSync(path.join(root, "target"), { recursive: true });
  await page.screenshot({ path: path.join(root, "target", "playground-groups.png"), fullPage: true });
  assert.deepEqual(errors, []);
});

test("a first visit lands in the first lesson, played to its end through the page with every claim met", async () => {
  const { page, errors } = await openPlayground("");
  await page.locator('[data-testid="lesson-step"]').waitFor();
  assert.match(await text(page, "lesson-title"), /Partitions, and order by key/);
  assert.ok(await page.locator('[data-testid="lesson-list"] [data-testid="lesson-item"]').count() >= 1);
  const clock = await text(page, "clock");
  await page.waitForTimeout(300);
  assert.equal(await text(page, "clock"), clock, "between steps the clock stands still");
  const next = page.locator('[data-testid="lesson-next"]');
  let played = 0;
  while (await next.isEnabled()) {
    await next.click();
    played += 1;
    await page.waitForFunction((n) => document.querySelector('[data-testid="lesson-step-count"]')?.innerText.startsWith(`Step ${n} of`), played);
    const verdicts = page.locator('[data-testid="verdict"]');
    assert.ok(await verdicts.count() > 0, `step ${played} shows its claims`);
    for (const v of await verdicts.allInnerTexts()) assert.match(v, /^✓/, `step ${played}: ${v}`);
    assert.equal(await page.locator('[data-testid="verdict"][data-met="false"]').count(), 0);
  }
  const [, total] = (await stepCount(page)).match(/Step \d+ of (\d+)/);
  assert.equal(played, Number(total));
  assert.match(await text(page, "lesson-done"), /every claim held/);
  assert.match(page.url(), new RegExp(`#lesson=partitions-and-keys&step=${total}$`));
  // The cluster panels show the lesson's world: alice's three orders on partition 0.
  await page.locator('[data-testid="log-orders-0"] .log-record[data-offset="2"]').waitFor();
  fs.mkdirSync(path.join(root, "target"), { recursive: true });
  await page.screenshot({ path: path.join(root, "target", "playground-lesson.png"), fullPage: true });
  assert.deepEqual(errors, []);
});

test("a lesson link opens at its step; Back replays the previous step; acting forks; a run saves as a lesson draft", async () => {
  const { page, errors } = await openPlayground("#lesson=partitions-and-keys&step=3");
  assert.match(await stepCount(page), /^Step 3 of 4/);
  await page.locator('[data-testid="log-orders-2"] .log-record[data-offset="1"]').waitFor();
  await page.click('[data-testid="lesson-back"]');
  await page.waitForFunction(() => document.querySelector('[data-testid="lesson-step-count"]').innerText.startsWith("Step 2 of 4"));
  assert.match(page.url(), /#lesson=partitions-and-keys&step=2$/);
  await page.waitForFunction(() => !document.querySelector('[data-testid="log-orders-2"] .log-record'), null, { timeout: 5000 });
  for (const v of await page.locator('[data-testid="verdict"]').allInnerTexts()) assert.match(v, /^✓/);

  // Trying it yourself: a send from the producer panel forks the lesson, and Next is off.
  await page.fill('[data-testid="send-value"]', "mine");
  await page.click('[data-testid="send"]');
  await page.locator('[data-testid="lesson-forked"]').waitFor();
  assert.match(await text(page, "notice"), /the lesson is forked after step 2, so Next is off/);
  assert.ok(await page.locator('[data-testid="lesson-next"]').isDisabled());
  assert.equal(await text(page, "lesson-back"), "Back to step 2");

  // A lesson draft of this run: it parses as a lesson (the native tests replay one).
  const [download] = await Promise.all([page.waitForEvent("download"), page.click('[data-testid="save-draft"]')]);
  assert.equal(download.suggestedFilename(), "draft-seed-1.json");
  const draft = JSON.parse(fs.readFileSync(await download.path(), "utf8"));
  assert.equal(draft.chapter, "Drafts");
  assert.ok(draft.steps.length >= 2 && draft.steps.every((s) => s.narration.length > 0));

  await page.click('[data-testid="lesson-back"]');
  await page.waitForFunction(() => !document.querySelector('[data-testid="lesson-forked"]'));
  assert.ok(await page.locator('[data-testid="lesson-next"]').isEnabled());
  await page.click('[data-testid="lesson-next"]');
  await page.waitForFunction(() => document.querySelector('[data-testid="lesson-step-count"]').innerText.startsWith("Step 3 of 4"));

  // Free play, then the picker opens a lesson again.
  await page.click('[data-testid="free-play"]');
  await page.locator('[data-testid="free-play-hint"]').waitFor();
  assert.match(page.url(), /#play$/);
  await page.click('[data-testid="lesson-item"][data-lesson="partitions-and-keys"]');
  await page.locator('[data-testid="lesson-title"]').waitFor();
  assert.match(await text(page, "lesson-step"), /You will see records with one key land in one partition/);
  assert.deepEqual(errors, []);
});

test("scrubbing the timeline goes back and keeps the present; acting in the past forks", async () => {
  const { page, errors } = await openPlayground();
  await createTopicAndSend(page, "orders", ["a", "b"]);
  const leader = Number((await page.locator('[data-testid="log-orders-0"] .meta').first().innerText()).match(/leader (\d+)/)[1]);
  await page.click(`[data-testid="broker-${leader}-crash"]`);
  await page.selectOption('[data-testid="speed"]', "10");
  // After broker.session.timeout.ms the controller fences the broker and another replica is elected.
  await page.waitForSelector('[data-testid="timeline-mark"][data-kind="leader-election"]', { state: "attached", timeout: 20000 });
  await page.click('[data-testid="play"]'); // pause: the present stands still
  const present = await text(page, "clock");
  const marks = await page.locator('[data-testid="timeline-mark"]').count();
  for (const kind of ["broker-crash", "controller-election", "isr-change"]) {
    assert.ok(await page.locator(`[data-testid="timeline-mark"][data-kind="${kind}"]`).count() > 0, kind);
  }
  assert.match(await page.locator('[data-testid="timeline-mark"][data-kind="broker-crash"] title').first().textContent(), new RegExp(`broker ${leader}: crashed`));

  // The previous mark, then one more with the arrow key: each replays the run to that moment.
  const crashAt = Number(await page.locator('[data-testid="timeline-mark"][data-kind="broker-crash"]').first().getAttribute("data-time"));
  await page.click('[data-testid="mark-previous"]');
  await page.locator('[data-testid="back-to-now"]').waitFor();
  assert.match(await text(page, "scrubber-status"), /^Viewing t = .* Playing or acting here forks the run/);
  const before = await text(page, "clock");
  await page.focus('[data-testid="timeline-scrubber"] svg.track');
  await page.keyboard.press("ArrowLeft");
  await page.waitForFunction((t) => document.querySelector('[data-testid="clock"]').innerText !== t, before);
  await page.click('[data-testid="back-to-now"]');
  await page.waitForFunction((t) => document.querySelector('[data-testid="clock"]').innerText === t, present);
  assert.equal(await page.locator('[data-testid="back-to-now"]').count(), 0);

  // Drag to before the crash: the leader is running again there.
  const track = page.locator('[data-testid="timeline-scrubber"] svg.track');
  const box = await track.boundingBox();
  const end = Number(present.replace(/[^\d]/g, ""));
  const x = box.x + box.width * ((crashAt - 300) / end);
  await page.mouse.move(box.x + box.width * 0.9, box.y + 10);
  await page.mouse.down();
  await page.mouse.move(x, box.y + 12, { steps: 5 });
  await page.mouse.up();
  await page.waitForFunction((id) => document.querySelector(`[data-testid="broker-${id}-state"]`).innerText.startsWith("running"), leader);
  const past = Number((await text(page, "clock")).replace(/[^\d]/g, ""));
  assert.ok(past < crashAt && past > crashAt - 1000, `${past} just before ${crashAt}`);

  // Acting here forks: the page said so before (the status line), and says what was discarded.
  await page.fill('[data-testid="topic-name"]', "fork");
  await page.click('[data-testid="create-topic"]');
  await page.waitForSelector('[data-testid="log-fork-0"]');
  assert.match(await text(page, "notice"), /^Forked at t = [\d,]+ ms: the run after it \(to t = [\d,]+ ms\) is discarded\. Created topic fork/);
  assert.equal(await page.locator('[data-testid="back-to-now"]').count(), 0);
  assert.ok(await page.locator('[data-testid="timeline-mark"]').count() < marks, "the discarded future's marks are gone");
  assert.equal(await page.locator('[data-testid="timeline-mark"][data-kind="broker-crash"]').count(), 0);
  fs.mkdirSync(path.join(root, "target"), { recursive: true });
  await page.screenshot({ path: path.join(root, "target", "playground-timeline.png"), fullPage: true });
  assert.deepEqual(errors, []);
});

test("the cluster map shows the active controller, a crashed broker and its leadership moving", async () => {
  const { page, errors } = await openPlayground();
  const map = page.locator('[data-testid="cluster-map"]');
  await map.waitFor();
  assert.equal(await page.locator('[data-testid^="map-controller-"][data-active="true"]').count(), 1, "one active controller");
  await createTopicAndSend(page, "orders", ["a"]);
  const leaderChip = page.locator('[data-testid^="map-replica-orders-0-"][data-leader="true"]');
  await leaderChip.waitFor({ state: "attached" });
  const leader = Number((await leaderChip.getAttribute("data-testid")).match(/-(\d+)$/)[1]);
  assert.equal(await page.locator('[data-testid^="map-replica-orders-0-"]').count(), 3, "one chip per replica");
  await page.click(`[data-testid="broker-${leader}-crash"]`);
  await page.waitForSelector(`[data-testid="map-broker-${leader}"][data-state="crashed"]`, { state: "attached" });
  await page.selectOption('[data-testid="speed"]', "10");
  // Fenced after broker.session.timeout.ms: another ISR member leads, and the crashed one leaves the ISR.
  await page.waitForFunction((id) => {
    const chip = document.querySelector('[data-testid^="map-replica-orders-0-"][data-leader="true"]');
    return chip && !chip.dataset.testid.endsWith(`-${id}`);
  }, leader, { timeout: 20000 });
  await page.waitForSelector(`[data-testid="map-replica-orders-0-${leader}"][data-isr="false"]`, { state: "attached", timeout: 20000 });
  assert.match(await text(page, "map-summary"), /1 broker\(s\) down/);
  // Slowed down, the messages in flight show as dots along their links.
  await page.selectOption('[data-testid="speed"]', "0.1");
  await page.waitForSelector('[data-testid="cluster-map"] circle.flight', { state: "attached", timeout: 10000 });
  fs.mkdirSync(path.join(root, "target"), { recursive: true });
  await map.screenshot({ path: path.join(root, "target", "playground-map.png") });
  assert.deepEqual(errors, []);
});
