// Spectral function: an operation carries the examples a client (Swagger UI's
// "Try it out", a generated Postman collection) needs. Path parameters and
// required parameters have an example; every scalar field of the JSON request
// body and of the 2xx JSON responses has an example, an enum or a const, and
// arrays of scalars have one on the array or its items. Objects and arrays of
// objects are checked field by field. The document is resolved ($refs
// inlined) before this runs.
"use strict";

const hasExample = (s) =>
  s && (s.example !== undefined || (Array.isArray(s.examples) && s.examples.length > 0) || s.enum || s.const !== undefined);

const types = (s) => (Array.isArray(s.type) ? s.type : [s.type]).filter((t) => t && t !== "null");

function walk(schema, where, results, seen) {
  if (!schema || typeof schema !== "object" || seen.has(schema)) return;
  seen.add(schema);
  for (const key of ["allOf", "anyOf", "oneOf"]) {
    for (const sub of schema[key] || []) walk(sub, where, results, seen);
  }
  const t = types(schema);
  if (t.includes("object") || schema.properties) {
    for (const [name, prop] of Object.entries(schema.properties || {})) {
      check(prop, `${where}.${name}`, results, seen);
    }
    if (schema.additionalProperties && typeof schema.additionalProperties === "object") {
      check(schema.additionalProperties, `${where}.*`, results, seen);
    }
  } else if (t.includes("array")) {
    check(schema.items, `${where}[]`, results, seen, hasExample(schema));
  }
}

function check(schema, where, results, seen, covered = false) {
  if (!schema || typeof schema !== "object") return;
  const t = types(schema);
  const container = t.includes("object") || t.includes("array") || schema.properties || schema.allOf || schema.anyOf || schema.oneOf;
  if (container) {
    if (t.includes("array") && !hasExample(schema) && scalarItems(schema)) {
      if (!hasExample(schema.items)) results.push(where);
      return;
    }
    walk(schema, where, results, seen);
  } else if (!covered && !hasExample(schema)) {
    results.push(where);
  }
}

const scalarItems = (s) => s.items && !types(s.items).some((t) => t === "object" || t === "array") && !s.items.properties;

module.exports = function operationExamples(op, _opts, context) {
  const out = [];
  const label = `${String(context.path[context.path.length - 1]).toUpperCase()} ${context.path[context.path.length - 2]}`;
  for (const p of op.parameters || []) {
    if ((p.in === "path" || p.required) && !hasExample(p) && !hasExample(p.schema) && !(p.examples && Object.keys(p.examples).length)) {
      out.push({ message: `${label}: ${p.in} parameter ${p.name} has no example.`, path: [...context.path, "parameters"] });
    }
  }
  const bodies = [];
  const req = op.requestBody && op.requestBody.content && op.requestBody.content["application/json"];
  if (req) bodies.push(["request body", req, [...context.path, "requestBody"]]);
  for (const [code, res] of Object.entries(op.responses || {})) {
    const mt = Number(code) < 300 && res && res.content && res.content["application/json"];
    if (mt) bodies.push([`${code} response`, mt, [...context.path, "responses", code]]);
  }
  for (const [what, mt, path] of bodies) {
    if (mt.example !== undefined || (mt.examples && Object.keys(mt.examples).length)) continue;
    const missing = [];
    walk(mt.schema, "", missing, new Set());
    if (mt.schema && !types(mt.schema).some((t) => t === "object" || t === "array") && !mt.schema.properties && !hasExample(mt.schema)) missing.push("(body)");
    if (missing.length) {
      out.push({ message: `${label} ${what}: no example for ${missing.map((m) => m.replace(/^\./, "")).join(", ")}.`, path });
    }
  }
  return out;
};
