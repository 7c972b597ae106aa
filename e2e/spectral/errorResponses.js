// Spectral function: an operation documents every error response it can
// return, each with the ErrorBody schema ({timestamp, path, status, code,
// message, details}). `given` is a path item, so the path is known.
"use strict";

const METHODS = ["get", "put", "post", "patch", "delete"];
const ERROR_FIELDS = ["timestamp", "path", "status", "code", "message", "details"];

module.exports = function errorResponses(pathItem, _opts, context) {
  const results = [];
  const pathKey = context.path[context.path.length - 1];
  for (const method of METHODS) {
    const op = pathItem[method];
    if (!op) continue;
    const at = [...context.path, method, "responses"];
    const responses = op.responses || {};
    const want = ["500", "503"];
    if (String(pathKey).startsWith("/api/v1/")) want.push("429");
    if ((op.parameters || []).length > 0 || op.requestBody) want.push("400");
    if (op.requestBody) want.push("413", "415");
    if ((op.security || []).length > 0) want.push("401", "403");
    for (const code of want) {
      if (!responses[code]) {
        results.push({ message: `${method.toUpperCase()} ${pathKey} does not document its ${code} response.`, path: at });
      }
    }
    for (const [code, res] of Object.entries(responses)) {
      if (Number(code) < 400) continue;
      const schema = res && res.content && res.content["application/json"] && res.content["application/json"].schema;
      const props = (schema && schema.properties) || {};
      const missing = ERROR_FIELDS.filter((f) => !props[f]);
      if (!schema || missing.length > 0) {
        results.push({ message: `${method.toUpperCase()} ${pathKey} ${code} is not an ErrorBody (missing ${missing.join(", ") || "schema"}).`, path: [...at, code] });
      }
      if (!res.description) {
        results.push({ message: `${method.toUpperCase()} ${pathKey} ${code} has no description.`, path: [...at, code] });
      }
    }
  }
  return results;
};
