// Spectral function: everything a client sends to an operation is bounded,
// as OWASP API4:2023 (unrestricted resource consumption) asks: each string
// of a parameter or request body has a maxLength (or an enum or const),
// each integer a minimum and a maximum, each array a maxItems. These are
// the owasp:api4:2023-string-limit, -integer-limit and -array-limit checks,
// applied to inputs only. `given` is an operation; its schemas are resolved.
"use strict";

module.exports = function inputLimits(op, _opts, context) {
  const results = [];
  const seen = new Set();
  const report = (where, problem) =>
    results.push({ message: `${where}: ${problem}.`, path: context.path });

  const walk = (schema, where) => {
    if (!schema || typeof schema !== "object" || seen.has(schema)) return;
    seen.add(schema);
    const types = [].concat(schema.type || []);
    const bounded = schema.enum !== undefined || schema.const !== undefined;
    if (types.includes("string") && schema.maxLength === undefined && !bounded) {
      report(where, "string without maxLength, enum or const");
    }
    if (types.includes("integer") && !bounded) {
      const min = schema.minimum !== undefined || schema.exclusiveMinimum !== undefined;
      const max = schema.maximum !== undefined || schema.exclusiveMaximum !== undefined;
      if (!min || !max) report(where, "integer without minimum and maximum");
    }
    if (types.includes("array") && schema.maxItems === undefined) {
      report(where, "array without maxItems");
    }
    for (const [name, sub] of Object.entries(schema.properties || {})) walk(sub, `${where}.${name}`);
    if (schema.items) walk(schema.items, `${where}[]`);
    if (typeof schema.additionalProperties === "object") walk(schema.additionalProperties, `${where}.*`);
    for (const key of ["allOf", "anyOf", "oneOf", "prefixItems"]) {
      (schema[key] || []).forEach((sub) => walk(sub, where));
    }
  };

  for (const p of op.parameters || []) walk(p && p.schema, `${p.in} parameter ${p.name}`);
  const content = (op.requestBody && op.requestBody.content) || {};
  for (const [type, media] of Object.entries(content)) walk(media && media.schema, `body (${type})`);
  return results;
};
