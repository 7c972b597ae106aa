#!/usr/bin/env node
// Drives the embedded Swagger UI in headless Chromium as a person would:
// opens /docs, signs up and logs in with "Try it out", pastes the access
// token into "Authorize", then calls GET /users/me and creates a review.
//
//   node swagger-ui/try-it-out.js --app http://127.0.0.1:8080 \
//        [--proxy http://127.0.0.1:4010] [--out output/screenshots]
//
// The page and the OpenAPI document come from --app. With --proxy, every
// API request the page makes (/api/v1/...) is sent through that proxy
// instead (Prism validating the contract) and its answer handed back to the
// page. The run fails on a failed request, an HTTP error answer, a console
// error or an uncaught page error. Screenshots of each step go to --out.
"use strict";

const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { chromium } = require("playwright-core");

function args(argv) {
  const out = { app: "http://127.0.0.1:8080", proxy: "", out: path.join(__dirname, "..", "output", "screenshots") };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, "");
    if (!(key in out) || argv[i + 1] === undefined) throw new Error(`unknown or incomplete argument ${argv[i]}`);
    out[key] = argv[i + 1];
  }
  return out;
}

const opt = args(process.argv.slice(2));
const problems = [];
const runId = Date.now().toString(36);
const account = { email: `swagger-ui-${runId}@example.com`, password: "Popcorn-Marathon-2026", nickname: `ui${runId}` };

async function main() {
  fs.mkdirSync(opt.out, { recursive: true });
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "reelview-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM_PATH || "/usr/bin/chromium",
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
    viewport: { width: 1280, height: 900 },
  });
  try {
    const page = context.pages()[0] || (await context.newPage());
    page.setDefaultTimeout(15000);
    watch(page);
    if (opt.proxy) await throughProxy(page);
    await run(page);
  } finally {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

// watch records every failure the page shows.
function watch(page) {
  page.on("console", (msg) => {
    if (msg.type() === "error") problems.push(`console error: ${msg.text()}`);
  });
  page.on("pageerror", (err) => problems.push(`page error: ${err.message}`));
  page.on("requestfailed", (req) => problems.push(`request failed: ${req.method()} ${req.url()}: ${req.failure().errorText}`));
  page.on("response", (res) => {
    if (res.status() >= 400) problems.push(`HTTP ${res.status()}: ${res.request().method()} ${res.url()}`);
  });
}

// throughProxy sends the page's API calls to the proxy and fulfils them with
// its answers, so the contract validation sees the browser's traffic.
async function throughProxy(page) {
  const origin = new URL(opt.app).origin;
  await page.route(`${origin}/api/v1/**`, async (route) => {
    const url = new URL(route.request().url());
    const target = opt.proxy.replace(/\/$/, "") + url.pathname + url.search;
    try {
      const response = await route.fetch({ url: target });
      await route.fulfill({ response });
    } catch (err) {
      problems.push(`proxy: ${route.request().method()} ${target}: ${err.message}`);
      await route.abort();
    }
  });
}

let shot = 0;
async function screenshot(page, name) {
  shot += 1;
  const file = path.join(opt.out, `${String(shot).padStart(2, "0")}-${name}.png`);
  await page.screenshot({ path: file, fullPage: false });
  console.log(`  screenshot ${path.relative(process.cwd(), file)}`);
}

function step(what) {
  console.log(`- ${what}`);
}

// operation expands one operation of Swagger UI (by tag and operationId),
// presses "Try it out", fills the given parameters and JSON body, presses
// "Execute" and returns the API answer {status, body}.
async function tryOperation(page, tag, operationId, method, { params = {}, body } = {}) {
  const op = page.locator(`[id="operations-${tag.replace(/\s/g, "_")}-${operationId}"]`);
  await op.scrollIntoViewIfNeeded();
  if (!(await op.locator(".opblock-body").isVisible())) await op.locator(".opblock-summary").first().click();
  await op.locator("button.try-out__btn").click();
  for (const [name, value] of Object.entries(params)) {
    await op.locator(`tr[data-param-name="${name}"] input`).fill(String(value));
  }
  if (body !== undefined) await op.locator("textarea.body-param__text").fill(JSON.stringify(body, null, 2));
  const answer = page.waitForResponse((res) => res.request().method() === method && new URL(res.url()).pathname.startsWith("/api/v1/"));
  await op.locator("button.execute").click();
  const res = await answer;
  // Swagger UI shows the answer in the live response table.
  await op.locator(".live-responses-table tr.response .response-col_status").first().waitFor();
  const shown = (await op.locator(".live-responses-table tr.response .response-col_status").first().innerText()).trim();
  const text = await res.text();
  return { status: res.status(), shown, body: text ? JSON.parse(text) : null, op };
}

function expect(cond, message) {
  if (!cond) throw new Error(message);
}

async function run(page) {
  step(`open ${opt.app}/docs`);
  await page.goto(`${opt.app}/docs`, { waitUntil: "networkidle" });
  await page.locator(".swagger-ui .information-container .title").waitFor();
  const title = await page.locator(".swagger-ui .information-container .title").innerText();
  expect(title.includes("Reelview API"), `unexpected title ${title}`);
  await page.locator('[id="operations-Auth-signup"]').waitFor();
  await screenshot(page, "docs");

  step(`sign up ${account.email} with "Try it out"`);
  let r = await tryOperation(page, "Auth", "signup", "POST", { body: account });
  expect(r.status === 201 && r.shown.startsWith("201"), `signup answered ${r.status} (${r.shown})`);
  expect(r.body.email === account.email && r.body.role === "USER", `signup body ${JSON.stringify(r.body)}`);
  await screenshot(page, "signup");

  step("log in");
  r = await tryOperation(page, "Auth", "login", "POST", { body: { email: account.email, password: account.password } });
  expect(r.status === 200 && r.body.token_type === "Bearer" && r.body.access_token, `login answered ${r.status}`);
  const token = r.body.access_token;
  await screenshot(page, "login");

  step('paste the access token into "Authorize"');
  await page.locator(".auth-wrapper button.authorize").click();
  const modal = page.locator(".dialog-ux .modal-ux");
  await modal.waitFor();
  await modal.locator("input[type=text], input[type=password]").first().fill(token);
  await modal.locator("button.modal-btn.authorize").click();
  await modal.locator("button.modal-btn.auth:not(.authorize)").first().waitFor();
  await screenshot(page, "authorized");
  await modal.locator("button.btn-done").click();

  step("GET /users/me");
  r = await tryOperation(page, "Users", "get-me", "GET");
  expect(r.status === 200 && r.body.email === account.email, `GET /users/me answered ${r.status} ${JSON.stringify(r.body)}`);
  await r.op.locator(".live-responses-table").scrollIntoViewIfNeeded();
  await screenshot(page, "users-me");

  step("find a movie and review it");
  const list = await page.request.get(`${opt.proxy || opt.app}/api/v1/contents?type=movie&sort=rating&size=1`);
  expect(list.ok(), `GET /contents answered ${list.status()}`);
  const contentId = (await list.json()).items[0].id;
  r = await tryOperation(page, "Reviews", "create-review", "POST", {
    params: { id: contentId },
    body: { rating: 9, body: "Reviewed from Swagger UI by the end-to-end checks.", spoiler: false },
  });
  expect(r.status === 201 && r.body.content_id === contentId && r.body.rating === 9, `create-review answered ${r.status} ${JSON.stringify(r.body)}`);
  await r.op.locator(".live-responses-table").scrollIntoViewIfNeeded();
  await screenshot(page, "review-created");
}

main().then(
  () => {
    if (problems.length) {
      console.error(`Swagger UI run had ${problems.length} problem(s):\n  ${problems.join("\n  ")}`);
      process.exit(1);
    }
    console.log("Swagger UI: signup, login, Authorize, GET /users/me and a review creation succeeded");
  },
  (err) => {
    console.error(`Swagger UI run failed: ${err.stack || err}`);
    if (problems.length) console.error(`  ${problems.join("\n  ")}`);
    process.exit(1);
  },
);
