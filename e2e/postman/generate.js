#!/usr/bin/env node
// Generates the Postman collection of the whole API from the OpenAPI
// document, with openapi-to-postmanv2:
//
//   node postman/generate.js [openapi.json] [collection.json]
//
// (defaults: ../docs/openapi.json and ../docs/reelview.postman_collection.json,
// relative to this folder). The output is deterministic, so run.sh can check
// that the committed collection is up to date: the converter's random ids are
// replaced by ids derived from each item's place in the collection, and
// baseUrl defaults to the embedded mode's address.
"use strict";

const crypto = require("node:crypto");
const fs = require("node:fs");
const path = require("node:path");

// The converter fakes values the document gives no example for (an enum
// parameter, a nullable list) with Math.random: a seeded generator makes
// the output the same on every run.
let seed = 0x5eed;
Math.random = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
// After the override: the converter's faker keeps a reference to it.
const Converter = require("openapi-to-postmanv2");

const root = path.resolve(__dirname, "..", "..");
const input = process.argv[2] || path.join(root, "docs", "openapi.json");
const output = process.argv[3] || path.join(root, "docs", "reelview.postman_collection.json");

const BASE_URL = "http://localhost:8080";

// The converter reads the OpenAPI 3.0 `example` keyword of schemas and
// parameters, not the JSON Schema `examples` array of OpenAPI 3.1 that huma
// writes: copy the first of `examples` into `example` before converting.
function adaptExamples(node) {
  if (Array.isArray(node)) {
    node.forEach(adaptExamples);
    return;
  }
  if (!node || typeof node !== "object") return;
  if (Array.isArray(node.examples) && node.examples.length > 0 && node.example === undefined) {
    node.example = node.examples[0];
  }
  if (node.in && node.schema && node.example === undefined && Array.isArray(node.schema.examples)) {
    node.example = node.schema.examples[0]; // a parameter
  }
  Object.values(node).forEach(adaptExamples);
}

const options = {
  folderStrategy: "Tags",
  // Lower case: the converter compares the value it is given as is.
  parametersResolution: "example",
  requestNameSource: "Fallback",
  indentCharacter: "Space",
  includeAuthInfoInExample: true,
  alwaysInheritAuthentication: false,
  // Optional parameters are listed but disabled: the user ticks the ones
  // they want instead of sending placeholders.
  enableOptionalParameters: false,
};

const uuidFor = (key) => {
  const h = crypto.createHash("sha256").update(key).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
};

// stableIds replaces every generated id with one derived from the item's
// position, name and request, in place.
function stableIds(node, key) {
  if (Array.isArray(node)) {
    node.forEach((child, i) => stableIds(child, `${key}/${i}`));
    return;
  }
  if (!node || typeof node !== "object") return;
  const name = node.name || (node.request && node.request.method) || "";
  const here = `${key}:${name}`;
  if (typeof node.id === "string") node.id = uuidFor(here);
  if (typeof node._postman_id === "string") node._postman_id = uuidFor(`collection:${here}`);
  for (const [k, v] of Object.entries(node)) {
    if (v && typeof v === "object") stableIds(v, `${here}/${k}`);
  }
}

const doc = JSON.parse(fs.readFileSync(input, "utf8"));
adaptExamples(doc);
Converter.convertV2({ type: "json", data: doc }, options, (err, result) => {
  if (err || !result.result) {
    console.error("openapi-to-postmanv2:", err ? err.message : result.reason);
    process.exit(1);
  }
  const collection = result.output[0].data;
  collection.variable = (collection.variable || []).map((v) => (v.key === "baseUrl" ? { ...v, value: BASE_URL } : v));
  if (!collection.variable.some((v) => v.key === "baseUrl")) {
    collection.variable.push({ key: "baseUrl", value: BASE_URL, type: "string" });
  }
  if (!collection.variable.some((v) => v.key === "bearerToken")) {
    // Secured requests send {{bearerToken}}: paste the access_token of
    // POST /api/v1/auth/login here.
    collection.variable.push({ key: "bearerToken", value: "", type: "string" });
  }
  stableIds(collection, "reelview");
  fs.writeFileSync(output, JSON.stringify(collection, null, 2) + "\n");
  console.log(`wrote ${path.relative(process.cwd(), output)}`);
});
