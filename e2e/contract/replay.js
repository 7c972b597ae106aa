#!/usr/bin/env node
// Replays a workload that touches every operation of the OpenAPI document,
// in every query-parameter form, through the validating proxy (Prism), and
// fails unless the document was covered:
//
//   node contract/replay.js --doc ../docs/openapi.json --base http://127.0.0.1:4010 \
//        --fakes http://127.0.0.1:4011 --admin-email admin@reelview.dev \
//        --admin-password … [--origin http://e2e.reelview.test] [--out output/contract.json]
//
// What has to be covered is computed from the document, never listed here:
// every operation must answer a success (2xx or 304) at least once, and
// each of these forms must have been sent, with a success answer:
//   - every value of an enum query parameter (sort, order, type …);
//   - an array query parameter with one value and with repeated values;
//   - a boolean query parameter true and false, any other one at all;
//   - each header parameter (If-None-Match gets the ETag: a 304);
//   - each content type of the request body;
//   - anonymous and signed in, when the operation allows both.
// Any answer whose status the operation does not document, and any answer
// of Prism itself (application/problem+json: a request or response that
// breaks the document), fails the run.
//
// Requests are built from the document: path parameters from what earlier
// answers created (POST /lists gives the {id} of /lists/{id}), query
// parameters and JSON bodies from the documented examples. The recipes
// below only say what the document cannot: which account may do what, and
// bodies that must name live things. An operation the workload cannot
// reach is reported, so a new operation is covered or fails loudly.
"use strict";

const fs = require("node:fs");
const path = require("node:path");
const zlib = require("node:zlib");

const opt = { doc: path.join(__dirname, "..", "..", "docs", "openapi.json"), base: "", fakes: "",
  "admin-email": "", "admin-password": "", origin: "http://e2e.reelview.test", out: "" };
{
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, "");
    if (!(key in opt) || argv[i + 1] === undefined) throw new Error(`unknown or incomplete argument ${argv[i]}`);
    opt[key] = argv[i + 1];
  }
  for (const k of ["base", "fakes", "admin-email", "admin-password"]) if (!opt[k]) throw new Error(`--${k} is required`);
}

const doc = JSON.parse(fs.readFileSync(opt.doc, "utf8"));
const METHODS = ["get", "head", "put", "post", "patch", "delete", "options", "trace"];
const run = Date.now().toString(36);
const today = new Date().toISOString().slice(0, 10);

// ---------------------------------------------------------------- document

function lookup(ref) {
  let node = doc;
  for (const part of ref.replace(/^#\//, "").split("/")) node = node[part.replace(/~1/g, "/").replace(/~0/g, "~")];
  return node;
}

function resolve(s) {
  while (s && s.$ref) s = lookup(s.$ref);
  return s || {};
}

const typeOf = (s) => [].concat(resolve(s).type || []).find((t) => t !== "null");

const operations = [];
for (const [p, item] of Object.entries(doc.paths)) {
  for (const method of METHODS) {
    const op = item[method];
    if (!op) continue;
    const params = [...(item.parameters || []), ...(op.parameters || [])].map(resolve);
    const security = op.security || doc.security || [];
    operations.push({
      id: op.operationId || `${method} ${p}`, method, path: p, op, params,
      secured: security.some((s) => Object.keys(s).length > 0),
      anonymousToo: security.length === 0 || security.some((s) => Object.keys(s).length === 0),
      forms: new Map(), // form -> {sent, ok}
      ok: 0, tried: 0, lastProblem: "",
    });
  }
}
const opById = new Map(operations.map((o) => [o.id, o]));

// formsOf lists what the document asks to be exercised of an operation.
function formsOf(o) {
  const forms = [];
  for (const p of o.params) {
    const s = resolve(p.schema);
    if (p.in === "query") {
      const t = typeOf(s);
      if (s.enum) s.enum.forEach((v) => forms.push(`query ${p.name}=${v}`));
      else if (t === "array") {
        const items = resolve(s.items);
        if (items.enum) items.enum.forEach((v) => forms.push(`query ${p.name}=${v}`));
        forms.push(`query ${p.name}: one value`, `query ${p.name}: repeated`);
      } else if (t === "boolean") forms.push(`query ${p.name}=true`, `query ${p.name}=false`);
      else forms.push(`query ${p.name}`);
    } else if (p.in === "header") forms.push(`header ${p.name}`);
  }
  for (const type of Object.keys((o.op.requestBody && o.op.requestBody.content) || {})) forms.push(`body ${type}`);
  if (o.secured && o.anonymousToo) forms.push("anonymous", "signed in");
  return forms;
}
for (const o of operations) for (const f of formsOf(o)) o.forms.set(f, { sent: 0, ok: 0 });

// exampleOf makes a value of a schema from its documented examples.
function exampleOf(schema, depth = 0) {
  const s = resolve(schema);
  if (s.examples && s.examples.length) return structuredClone(s.examples[0]);
  if (s.example !== undefined) return structuredClone(s.example);
  if (s.const !== undefined) return s.const;
  if (s.default !== undefined) return s.default;
  if (s.enum) return s.enum[0];
  switch (typeOf(s)) {
    case "object": {
      const out = {};
      if (depth > 8) return out;
      for (const [k, v] of Object.entries(s.properties || {})) out[k] = exampleOf(v, depth + 1);
      return out;
    }
    case "array": return [exampleOf(s.items, depth + 1)];
    case "integer": case "number": return s.minimum !== undefined ? s.minimum : 1;
    case "boolean": return false;
    default:
      if (s.format === "date") return today;
      if (s.format === "date-time") return new Date().toISOString();
      return "e2e".padEnd(s.minLength || 3, "e");
  }
}

const segments = (p) => p.split("/").filter(Boolean);

// collectionOf names the resource a path parameter addresses: the segment
// before it (/lists/{id} → lists), or the plural of an xxx_id name
// (content_id → contents).
function collectionOf(p, name) {
  if (name.endsWith("_id") && name !== "job_id") return name.slice(0, -3) + "s";
  const segs = segments(p);
  const i = segs.indexOf(`{${name}}`);
  for (let j = i - 1; j >= 0; j--) if (!segs[j].startsWith("{") && segs[j] !== "me") return segs[j];
  return name;
}

// resourceOf names what a path's answer is: its last plain segment.
function resourceOf(p) {
  const segs = segments(p).filter((s) => !s.startsWith("{") && s !== "me");
  return segs[segs.length - 1];
}

// ------------------------------------------------------------------ state

const ctx = {
  byPath: {}, // path of a POST or PUT -> what it last created
  one: {}, // resource name -> the last one created (or the first one listed)
  all: {}, // resource name -> the items of the last list answer
  created: [], // resource names in creation order
  accounts: {},
};
const problems = [];
const exchanges = [];
let prismErrors = 0;

// --------------------------------------------------------------- requests

function tokenOf(as) {
  if (!as) return "";
  const a = typeof as === "string" ? ctx.accounts[as] : as;
  if (!a || !a.access) throw new Error(`no signed-in account ${typeof as === "string" ? as : a && a.email}`);
  return a.access;
}

// call sends one request of operation o through the proxy and checks the
// answer against the document. spec: {as, params, query: [[k, v]…],
// headers, body, raw, contentType, forms, noCapture, expect}.
async function call(o, spec) {
  let url = o.path.replace(/\{([^}]+)\}/g, (_, name) => {
    const v = spec.params && spec.params[name];
    if (v === undefined || v === null) throw new Error(`${o.id}: no value for {${name}}`);
    return encodeURIComponent(String(v));
  });
  const qs = new URLSearchParams();
  for (const [k, v] of spec.query || []) qs.append(k, String(v));
  if ([...qs].length) url += "?" + qs.toString();
  const headers = { Origin: opt.origin, ...(spec.headers || {}) };
  const token = tokenOf(spec.as);
  if (token) headers.Authorization = `Bearer ${token}`;
  let body;
  if (spec.raw !== undefined) {
    body = spec.raw;
    headers["Content-Type"] = spec.contentType;
  } else if (spec.body !== undefined) {
    body = JSON.stringify(spec.body);
    headers["Content-Type"] = "application/json";
  }
  o.tried++;
  const res = await fetch(opt.base.replace(/\/$/, "") + url, { method: o.method.toUpperCase(), headers, body });
  const buf = Buffer.from(await res.arrayBuffer());
  const ctype = res.headers.get("content-type") || "";
  let json;
  if (ctype.includes("json") && buf.length) {
    try { json = JSON.parse(buf.toString("utf8")); } catch { json = undefined; }
  }
  const status = res.status;
  const line = `${o.method.toUpperCase()} ${url}`;
  exchanges.push({ operation: o.id, request: line, status });
  if (ctype.includes("application/problem+json")) {
    prismErrors++;
    problems.push(`${line}: Prism: ${buf.toString("utf8").slice(0, 600)}`);
  } else if (!documented(o, status)) {
    problems.push(`${line}: status ${status} is not documented for ${o.id}: ${buf.toString("utf8").slice(0, 300)}`);
  }
  const ok = status < 400 && !ctype.includes("problem+json");
  const expected = spec.expect ? spec.expect.includes(status) : ok;
  if (!expected) o.lastProblem = `${line} → ${status} ${buf.toString("utf8").slice(0, 200)}`;
  if (ok) {
    o.ok++;
    for (const f of spec.forms || []) mark(o, f, true);
    if (!spec.noCapture) capture(o, spec, json);
  } else {
    for (const f of spec.forms || []) mark(o, f, false);
  }
  return { status, ok, json, headers: res.headers, buf };
}

function mark(o, form, ok) {
  const f = o.forms.get(form);
  if (!f) throw new Error(`${o.id}: the workload sends form "${form}", which the document does not have`);
  f.sent++;
  if (ok) f.ok++;
}

function documented(o, status) {
  const r = o.op.responses || {};
  return Boolean(r[String(status)] || r[`${String(status)[0]}XX`] || r.default);
}

// capture remembers what an answer created or listed, for the path
// parameters of later requests.
function capture(o, spec, json) {
  const name = resourceOf(o.path);
  if (!name || !json || typeof json !== "object") return;
  if (Array.isArray(json.items)) {
    if (json.items.length) {
      ctx.all[name] = json.items;
      if (!ctx.one[name]) ctx.one[name] = json.items[0];
    }
    return;
  }
  if (["post", "put"].includes(o.method)) {
    const sent = spec.body && typeof spec.body === "object" && !Array.isArray(spec.body) ? spec.body : {};
    ctx.one[name] = ctx.byPath[o.path] = { ...sent, ...json };
    if (!ctx.created.includes(name)) ctx.created.push(name);
  }
}

const creators = new Set(operations.filter((o) => ["post", "put"].includes(o.method)).map((o) => o.path));

// sourceOf tells where a path parameter's value comes from: what a POST or
// PUT on the path before it created (/lists → /lists/{id}), else the
// resource it names.
function sourceOf(p, name) {
  const prefix = p.slice(0, p.indexOf(`{${name}}`)).replace(/\/$/, "");
  if ((!name.endsWith("_id") || name === "job_id") && creators.has(prefix)) return ctx.byPath[prefix];
  return ctx.one[collectionOf(p, name)];
}

// pathParams resolves an operation's path parameters from what earlier
// answers created; null when one is not known yet.
function pathParams(o, given = {}) {
  const out = { ...given };
  for (const p of o.params.filter((x) => x.in === "path")) {
    if (out[p.name] !== undefined) continue;
    const thing = sourceOf(o.path, p.name);
    const v = thing && (thing[p.name] !== undefined ? thing[p.name] : thing.id);
    if (v === undefined) return null;
    out[p.name] = v;
  }
  return out;
}

function queryValue(p, base) {
  const s = resolve(p.schema);
  if (p.name === "cursor") return (base && base.json && base.json.next_cursor) || "";
  if (p.example !== undefined) return p.example;
  return exampleOf(s);
}

// arrayValues gives two values for an array parameter: known ids of the
// resource it names (genre → genres), else documented ones.
function arrayValues(p) {
  const items = resolve(resolve(p.schema).items);
  if (items.enum) return items.enum.slice(0, 2);
  const known = (ctx.all[p.name + "s"] || []).map((x) => x.id).filter((v) => v !== undefined);
  if (known.length >= 2) return known.slice(0, 2);
  const first = exampleOf(items);
  return typeof first === "number" ? [first, first + 1] : [first, first];
}

function jsonBodyOf(o) {
  const c = o.op.requestBody && o.op.requestBody.content;
  if (!c) return undefined;
  if (c["application/json"]) return exampleOf(c["application/json"].schema);
  return undefined;
}

// ---------------------------------------------------------------- recipes
//
// What the document cannot tell: who may call an operation and what it may
// act on without breaking the rest of the workload. Each entry may give
// `as` (an account), `params`, `body`, `needs` (resources that must exist
// first), `phase` (1 create, 2 read, 3 change, 4 end sessions, 5 delete) or
// `run`, which sends the operation's requests itself.

const password = "Popcorn-Marathon-2026";
const unique = (p) => `${p}${run}${Math.floor(Math.random() * 1e6)}`;

const movieGenres = () => ctx.all.genres.filter((g) => g.type === "movie").map((g) => g.id);

const recipes = {
  signup: { setup: true },
  login: { setup: true },
  "list-genres": { setup: true, phase: 2 },
  "update-me": {
    body: () => ({ nickname: unique("n"), bio: "Slow cinema, fast reviews.", avatar_url: "https://cdn.example.com/a.png", private: false, push_enabled: true }),
    after: (res) => { ctx.accounts.A.nickname = res.json.nickname; },
  },
  "refresh-token": {
    run: async (o) => {
      const spare = await login(ctx.accounts.A);
      await call(o, { as: null, body: { refresh_token: spare.refresh }, headers: { "User-Agent": "reelview-e2e" }, forms: ["body application/json", "header User-Agent"] });
    },
  },
  "login-google": { as: null, body: async () => ({ id_token: await idToken("google") }), headers: { "User-Agent": "reelview-e2e" }, forms: ["header User-Agent"] },
  "login-firebase": { as: null, body: async () => ({ id_token: await idToken("firebase") }), headers: { "User-Agent": "reelview-e2e" }, forms: ["header User-Agent"] },
  logout: { phase: 4, run: async (o) => { const s = await login(ctx.accounts.A); await call(o, { as: s, forms: [] }); } },
  "logout-all": { phase: 4, as: "logoutAll" },
  "end-session": {
    phase: 4,
    run: async (o) => {
      await login(ctx.accounts.A); // a second session of A, to end
      const r = await call(opById.get("list-sessions"), { as: "A", forms: [] });
      const other = ((r.json && r.json.items) || []).find((s) => !s.current);
      if (other) await call(o, { as: "A", params: { id: other.id }, forms: [] });
    },
  },
  "change-password": {
    phase: 4, as: "password",
    body: () => ({ current_password: password, new_password: password + "-2" }),
  },
  "delete-me": { phase: 5, as: "deleteMe" },
  "admin-set-user-status": { as: "admin", params: () => ({ id: ctx.accounts.moderated.id }), body: { status: "BLOCKED" } },
  "admin-set-user-role": { as: "admin", params: () => ({ id: ctx.accounts.moderated.id }), body: { role: "USER" } },
  "admin-delete-user": { as: "admin", params: () => ({ id: ctx.accounts.moderated.id }) },
  "admin-set-review-visibility": {
    as: "admin", phase: 3, needs: ["reviews"],
    run: async (o) => {
      const id = ctx.one.reviews.id;
      for (const hidden of [true, false]) await call(o, { as: "admin", params: { id }, body: { hidden }, forms: ["body application/json"] });
    },
  },
  "admin-sync-tmdb": { as: "admin", body: { list: "popular", type: "movie", pages: 1 } },
  "create-content": {
    as: "admin", needs: ["genres"],
    body: (o) => ({ ...jsonBodyOf(o), tmdb_id: undefined, title: unique("E2E "), genre_ids: movieGenres().slice(0, 2) }),
  },
  "update-content": {
    as: "admin", phase: 3,
    body: (o) => ({ ...jsonBodyOf(o), tmdb_id: undefined, title: unique("E2E "), genre_ids: movieGenres().slice(0, 1) }),
  },
  "delete-content": { as: "admin" },
  "create-genre": { as: "admin", body: { type: "movie", name: unique("Genre ") } },
  "update-genre": { as: "admin", phase: 3, body: () => ({ name: unique("Genre ") }) },
  "delete-genre": { as: "admin" },
  "like-review": { as: "B", noCapture: true },
  "unlike-review": { as: "B" },
  "report-review": { as: "B", noCapture: true },
  "like-list": { as: "B", noCapture: true },
  "unlike-list": { as: "B" },
  "reorder-list": { phase: 3, needs: ["items"], body: () => ({ content_ids: [ctx.one.contents.id] }) },
  "log-diary-entry": {
    needs: ["contents", "reviews"],
    body: () => ({ content_id: ctx.one.contents.id, watched_on: today, rewatch: false, rating: 8, review_id: ctx.one.reviews.id }),
  },
  "update-diary-entry": { body: () => ({ watched_on: today, rewatch: true, rating: 9, review_id: ctx.one.reviews.id }) },
  "mark-notifications-read": {
    phase: 3,
    body: () => {
      const ids = (ctx.all.notifications || []).slice(0, 2).map((n) => n.id);
      return ids.length ? { ids } : {};
    },
  },
  "block-user": { phase: 4, params: () => ({ id: ctx.accounts.blocked.id }), noCapture: true },
  "unblock-user": { params: () => ({ id: ctx.accounts.blocked.id }) },
  "list-follow-requests": { as: "private" },
  "approve-follow-request": { as: "private", phase: 3, params: () => ({ id: ctx.accounts.A.id }) },
  "deny-follow-request": { as: "private", phase: 3, params: () => ({ id: ctx.accounts.B.id }) },
  "export-my-data": { after: (res) => { if (res.json && res.json.format) ctx.one.export = res.json; } },
  "import-my-data": { phase: 3, needs: ["export"], run: importAll },
};

// ------------------------------------------------------------ accounts

async function signUp(name) {
  const email = `${name.toLowerCase()}-${run}@e2e.reelview.test`;
  const nickname = unique(name.slice(0, 4));
  const r = await call(opById.get("signup"), { as: null, body: { email, nickname, password }, forms: ["body application/json"], noCapture: true });
  if (r.status !== 201) throw new Error(`sign-up of ${email} answered ${r.status}`);
  const account = { ...r.json, email, nickname, password };
  await login(account, true);
  ctx.accounts[name] = account;
  return account;
}

// login opens a session of account; with keep, the account uses it.
async function login(account, keep = false) {
  const r = await call(opById.get("login"), {
    as: null, body: { email: account.email, password: account.password },
    headers: { "User-Agent": "reelview-e2e/1.0" }, forms: ["body application/json", "header User-Agent"],
  });
  if (r.status !== 200) throw new Error(`login of ${account.email} answered ${r.status}`);
  const session = { ...account, access: r.json.access_token, refresh: r.json.refresh_token };
  if (keep) Object.assign(account, { access: session.access, refresh: session.refresh });
  return session;
}

async function idToken(provider) {
  const sub = unique(provider);
  const res = await fetch(`${opt.fakes}/${provider}/id-token`, {
    method: "POST", body: JSON.stringify({ sub, email: `${sub}@e2e.reelview.test` }),
  });
  return (await res.json()).id_token;
}

async function setup() {
  for (const name of ["A", "B", "private", "blocked", "moderated", "deleteMe", "logoutAll", "password"]) await signUp(name);
  ctx.accounts.admin = await login({ email: opt["admin-email"], password: opt["admin-password"] });
  ctx.one.users = ctx.accounts.B; // /users/{id}: someone else's public profile

  const genres = opById.get("list-genres");
  for (const type of resolve(genres.params.find((p) => p.name === "type").schema).enum) {
    await call(genres, { as: null, query: [["type", type]], forms: [`query type=${type}`] });
  }
  await call(genres, { as: null, forms: [] }); // all of them, for the ids contents use

  // A private account with two follow requests, to approve and to deny.
  await call(opById.get("update-me"), { as: "private", body: { private: true }, forms: ["body application/json"], noCapture: true });
  for (const who of ["A", "B"]) {
    await call(opById.get("follow-user"), { as: who, params: { id: ctx.accounts.private.id }, forms: [], noCapture: true });
  }

  // Login attempts per account are limited: the 11th is a 429 that must
  // carry the documented Retry-After.
  const loginOp = opById.get("login");
  const ghost = `ghost-${run}@e2e.reelview.test`;
  let limited;
  for (let i = 0; i < 12 && !limited; i++) {
    const r = await call(loginOp, { as: null, body: { email: ghost, password: "not-the-password" }, expect: [401, 429] });
    if (r.status === 429) limited = r;
  }
  if (!limited) problems.push("login: 12 failed attempts for one account were never answered 429");
  else if (!limited.headers.get("retry-after")) problems.push("login: the 429 has no Retry-After");
}

// ------------------------------------------------------------- imports

const letterboxdRatings = "Date,Name,Year,Letterboxd URI,Rating\n2024-01-04,Fight Club,1999,https://boxd.it/2aGg,4.5\n";

// textZip builds a ZIP (stored, not deflated) of one CSV file whose every
// byte is ASCII. Prism reads request bodies as UTF-8 text and sends them on
// re-encoded, which breaks any other binary body; so the rows are varied
// until the CRC-32 and every offset of the archive are ASCII bytes too.
function textZip(name, rows) {
  const u16 = (b, v, at) => b.writeUInt16LE(v, at);
  const u32 = (b, v, at) => b.writeUInt32LE(v, at);
  for (let day = 1; day <= 28; day++) {
    for (let rating = 1; rating <= 5; rating++) {
      const data = Buffer.from(rows(`2024-01-${String(day).padStart(2, "0")}`, rating));
      const fname = Buffer.from(name), crc = zlib.crc32(data);
      const head = Buffer.alloc(30);
      u32(head, 0x04034b50, 0); u16(head, 10, 4); u32(head, crc, 14); u32(head, data.length, 18); u32(head, data.length, 22);
      u16(head, fname.length, 26);
      const dir = Buffer.alloc(46);
      u32(dir, 0x02014b50, 0); u16(dir, 10, 4); u16(dir, 10, 6); u32(dir, crc, 16); u32(dir, data.length, 20);
      u32(dir, data.length, 24); u16(dir, fname.length, 28);
      const offset = head.length + fname.length + data.length;
      const end = Buffer.alloc(22);
      u32(end, 0x06054b50, 0); u16(end, 1, 8); u16(end, 1, 10); u32(end, dir.length + fname.length, 12); u32(end, offset, 16);
      const archive = Buffer.concat([head, fname, data, dir, fname, end]);
      if (archive.every((b) => b < 0x80)) return archive;
    }
  }
  throw new Error("no ASCII-only ZIP found");
}

// importAll sends one import of each kind the document takes, one at a
// time (a second import while one runs is 409), waiting for each job.
async function importAll(o) {
  const traktExample = exampleOf(o.op.requestBody.content["application/json"].schema);
  const uploads = [
    { contentType: "text/csv", raw: letterboxdRatings, query: [["source", "letterboxd"], ["dry_run", "true"]] },
    {
      contentType: "application/zip", query: [["source", "letterboxd"], ["dry_run", "false"]],
      raw: textZip("ratings.csv", (date, rating) => `Date,Name,Year,Letterboxd URI,Rating\n${date},Alien,1979,,${rating}\n`),
    },
    { contentType: "application/json", raw: JSON.stringify(traktExample), query: [["source", "trakt"]] },
    { contentType: "application/json", raw: JSON.stringify(ctx.one.export), query: [["source", "reelview"], ["dry_run", "true"]] },
    { contentType: "application/octet-stream", raw: letterboxdRatings, query: [] },
  ];
  const status = opById.get("get-my-import");
  for (const u of uploads) {
    const forms = [`body ${u.contentType}`, ...u.query.map(([k, v]) => (k === "source" || k === "dry_run" ? `query ${k}=${v}` : `query ${k}`))];
    const r = await call(o, { as: "A", query: u.query, raw: u.raw, contentType: u.contentType, forms });
    if (r.status !== 202) continue;
    for (let i = 0; i < 120; i++) {
      const s = await call(status, { as: "A", params: { job_id: r.json.job_id }, forms: [] });
      if (!s.ok || ["completed", "discarded", "cancelled"].includes(s.json.state)) break;
      await new Promise((done) => setTimeout(done, 250));
    }
  }
}

// ------------------------------------------------------------- the run

function phaseOf(o) {
  const r = recipes[o.id] || {};
  if (r.phase) return r.phase;
  return { post: 1, put: 1, get: 2, head: 2, patch: 3, delete: 5 }[o.method] || 3;
}

async function valueOf(v, o) {
  return typeof v === "function" ? v(o) : v;
}

// baseSpec is the plainest successful request of o, or null when what it
// acts on does not exist yet.
async function baseSpec(o) {
  const r = recipes[o.id] || {};
  if ((r.needs || []).some((n) => !ctx.one[n] && !ctx.all[n])) return null;
  const params = pathParams(o, (await valueOf(r.params, o)) || {});
  if (!params) return null;
  const query = o.params.filter((p) => p.in === "query" && p.required).map((p) => [p.name, queryValue(p)]);
  let body = r.body !== undefined ? await valueOf(r.body, o) : jsonBodyOf(o);
  if (body && typeof body === "object" && !Array.isArray(body)) {
    body = Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined));
  }
  const forms = [];
  if (body !== undefined) forms.push("body application/json");
  forms.push(...o.params.filter((p) => p.in === "query" && p.required).map((p) => formOfValue(p, queryValue(p))));
  if (r.forms) forms.push(...r.forms);
  let as = r.as !== undefined ? r.as : o.secured ? "A" : null;
  if (o.needsAdmin && r.as === undefined) as = "admin";
  if (o.secured && o.anonymousToo && as) forms.push("signed in");
  return { as, auto: r.as === undefined, params, query, body, headers: r.headers, forms, noCapture: r.noCapture };
}

function formOfValue(p, v) {
  const s = resolve(p.schema);
  if (s.enum || typeOf(s) === "boolean") return `query ${p.name}=${v}`;
  return `query ${p.name}`;
}

// attempt sends the base request, as admin when the signed-in user is
// refused (an admin operation), and then every form of the operation.
async function attempt(o) {
  const r = recipes[o.id] || {};
  if (r.run) {
    if ((r.needs || []).some((n) => !ctx.one[n] && !ctx.all[n])) return false;
    await r.run(o);
    return true;
  }
  const spec = await baseSpec(o);
  if (!spec) return false;
  let res = await call(o, spec);
  if (res.status === 403 && spec.auto && spec.as === "A") {
    o.needsAdmin = true;
    spec.as = "admin";
    res = await call(o, spec);
  }
  if (!res.ok) return true;
  if (r.after) r.after(res);
  await variants(o, spec, res);
  return true;
}

// variants sends the forms of o that the base request did not: one per
// query value, header, and the anonymous call. Each changes one thing.
async function variants(o, spec, base) {
  const one = (extra) => call(o, { ...spec, noCapture: true, ...extra });
  for (const p of o.params.filter((x) => x.in === "query" && !x.required)) {
    const s = resolve(p.schema);
    const t = typeOf(s);
    const q = (vals) => [...spec.query, ...vals.map((v) => [p.name, v])];
    if (s.enum) {
      for (const v of s.enum) await one({ query: q([v]), forms: [`query ${p.name}=${v}`] });
    } else if (t === "array") {
      const [v1, v2] = arrayValues(p);
      const items = resolve(s.items);
      await one({ query: q([v1]), forms: [`query ${p.name}: one value`, ...(items.enum ? [`query ${p.name}=${v1}`] : [])] });
      await one({ query: q([v1, v2]), forms: [`query ${p.name}: repeated`, ...(items.enum ? [`query ${p.name}=${v2}`] : [])] });
      for (const v of (items.enum || []).slice(2)) await one({ query: q([v]), forms: [`query ${p.name}=${v}`] });
    } else if (t === "boolean") {
      for (const v of [true, false]) await one({ query: q([v]), forms: [`query ${p.name}=${v}`] });
    } else {
      await one({ query: q([queryValue(p, base)]), forms: [`query ${p.name}`] });
    }
  }
  for (const p of o.params.filter((x) => x.in === "header")) {
    if (o.forms.get(`header ${p.name}`).ok) continue;
    const v = /^if-none-match$/i.test(p.name) ? base.headers.get("etag") : exampleOf(p.schema);
    if (v) await one({ headers: { ...(spec.headers || {}), [p.name]: v }, forms: [`header ${p.name}`] });
  }
  if (o.secured && o.anonymousToo && spec.as) await one({ as: null, forms: ["anonymous"] });
}

async function main() {
  await setup();
  const pending = operations.filter((o) => !(recipes[o.id] || {}).setup);
  const done = new Set();
  for (const phase of [1, 2, 3, 4, 5]) {
    // An operation whose resource did not exist in its phase tries again.
    let ops = pending.filter((o) => phaseOf(o) <= phase);
    if (phase === 5) {
      // Deepest first, then the most recently created: what depends on a
      // resource goes before it.
      const rank = (o) => ctx.created.indexOf(resourceOf(o.path.replace(/\/\{[^}]+\}$/, "/")) || "");
      ops = ops.sort((a, b) => segments(b.path).length - segments(a.path).length || rank(b) - rank(a));
    } else {
      ops = ops.sort((a, b) => segments(a.path).length - segments(b.path).length);
    }
    // Rounds: an operation waits until what it acts on exists.
    for (let progress = true; progress;) {
      progress = false;
      for (const o of ops) {
        if (done.has(o)) continue;
        if (await attempt(o)) {
          done.add(o);
          progress = true;
        }
      }
    }
  }
  report(done);
}

function report(done) {
  const missing = [];
  for (const o of operations) {
    const name = `${o.method.toUpperCase()} ${o.path} (${o.id})`;
    if (!o.ok) {
      const why = !o.tried ? "never sent: what it acts on was never created, or no recipe reaches it" : o.lastProblem;
      missing.push(`${name}: no success answer; ${why}`);
      continue;
    }
    for (const [form, f] of o.forms) {
      if (!f.ok) missing.push(`${name}: form "${form}" ${f.sent ? "never answered a success" : "never sent"}${o.lastProblem ? "; last problem: " + o.lastProblem : ""}`);
    }
  }
  const forms = operations.reduce((n, o) => n + o.forms.size, 0);
  const coveredForms = operations.reduce((n, o) => n + [...o.forms.values()].filter((f) => f.ok).length, 0);
  const covered = operations.filter((o) => o.ok).length;
  const summary = { operations: operations.length, covered, forms, coveredForms, requests: exchanges.length, prismErrors,
    problems, missing, notReached: operations.filter((o) => !done.has(o)).map((o) => o.id) };
  if (opt.out) fs.writeFileSync(opt.out, JSON.stringify({ ...summary, exchanges }, null, 2));
  console.log(`contract replay: ${exchanges.length} requests; ${covered}/${operations.length} operations and ${coveredForms}/${forms} forms covered`);
  for (const p of problems) console.log(`  PROBLEM ${p}`);
  for (const m of missing) console.log(`  NOT COVERED ${m}`);
  if (problems.length || missing.length) process.exit(1);
}

main().catch((err) => {
  console.error(err.stack || String(err));
  process.exit(1);
});
