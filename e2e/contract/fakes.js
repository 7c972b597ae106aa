#!/usr/bin/env node
// The outside services of an e2e run, on one local port, so that every
// operation of the API can succeed without the internet:
//
//   /tmdb/...            TMDB v3, answering with the recorded payloads of
//                        modules/tmdb/testdata (404 for anything else)
//   /google/certs        Google's and Firebase's signing keys (JWKS) …
//   /firebase/certs
//   POST /google/id-token    … and ID tokens signed with them, for a
//   POST /firebase/id-token  {"sub", "email"} (what Google Sign-In or
//                            Firebase Authentication would give a client)
//
//   node contract/fakes.js --port 4011 --audience reelview-e2e
//
// The API is pointed at it with TMDB_BASE_URL, GOOGLE_JWKS_URL,
// FIREBASE_JWKS_URL, GOOGLE_CLIENT_ID and FIREBASE_PROJECT_ID (run.sh).
"use strict";

const crypto = require("node:crypto");
const fs = require("node:fs");
const http = require("node:http");
const path = require("node:path");

const opt = { port: "0", audience: "reelview-e2e" };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i += 2) {
  const key = argv[i].replace(/^--/, "");
  if (!(key in opt) || argv[i + 1] === undefined) throw new Error(`unknown or incomplete argument ${argv[i]}`);
  opt[key] = argv[i + 1];
}

const TESTDATA = path.join(__dirname, "..", "..", "modules", "tmdb", "testdata");
// Recorded answers by TMDB path. Lists that have no recording of their own
// answer with one that has the same shape.
const TMDB = {
  "/configuration": "configuration.json",
  "/movie/550": "movie_550_details.json",
  "/tv/1399": "tv_1399_details.json",
  "/genre/movie/list": "genre_movie_list.json",
  "/genre/tv/list": "genre_tv_list.json",
  "/search/movie": "search_movie_star_wars.json",
  "/search/tv": "trending_all_week_trimmed.json",
  "/movie/popular": "movie_popular_page1.json",
  "/movie/top_rated": "movie_top_rated_page1.json",
  "/movie/now_playing": "movie_popular_page1.json",
  "/tv/popular": "trending_all_week_trimmed.json",
  "/tv/top_rated": "trending_all_week_trimmed.json",
  "/trending/movie/week": "trending_all_week_trimmed.json",
  "/trending/tv/week": "trending_all_week_trimmed.json",
};

const { publicKey, privateKey } = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
const kid = "e2e-" + crypto.randomBytes(4).toString("hex");
const jwks = { keys: [{ ...publicKey.export({ format: "jwk" }), kid, alg: "RS256", use: "sig" }] };
const issuers = { google: "https://accounts.google.com", firebase: `https://securetoken.google.com/${opt.audience}` };

const b64url = (v) => Buffer.from(typeof v === "string" ? v : JSON.stringify(v)).toString("base64url");

// idToken signs an ID token as the provider would for its client.
function idToken(provider, { sub, email, name }) {
  const now = Math.floor(Date.now() / 1000);
  const head = b64url({ alg: "RS256", typ: "JWT", kid });
  const body = b64url({
    iss: issuers[provider], aud: opt.audience, sub, email, email_verified: true,
    name: name || sub, iat: now, exp: now + 600,
  });
  const sig = crypto.sign("RSA-SHA256", Buffer.from(`${head}.${body}`), privateKey).toString("base64url");
  return `${head}.${body}.${sig}`;
}

function send(res, status, body) {
  res.writeHead(status, { "Content-Type": "application/json" });
  res.end(typeof body === "string" ? body : JSON.stringify(body));
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url, "http://fakes");
  const [, service, ...rest] = url.pathname.split("/");
  if (service === "tmdb") {
    const name = TMDB["/" + rest.join("/")];
    const file = path.join(TESTDATA, name || "error_404_not_found.json");
    return send(res, name ? 200 : 404, fs.readFileSync(file, "utf8"));
  }
  if (service in issuers && rest[0] === "certs") return send(res, 200, jwks);
  if (service in issuers && rest[0] === "id-token" && req.method === "POST") {
    let data = "";
    req.on("data", (c) => (data += c));
    req.on("end", () => {
      try {
        send(res, 200, { id_token: idToken(service, JSON.parse(data)) });
      } catch (err) {
        send(res, 400, { error: String(err) });
      }
    });
    return undefined;
  }
  return send(res, 404, { error: `no fake for ${req.method} ${url.pathname}` });
});

server.listen(Number(opt.port), "127.0.0.1", () => {
  console.log(`fakes listening on http://127.0.0.1:${server.address().port}`);
});
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => server.close(() => process.exit(0)));
