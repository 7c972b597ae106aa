// Reelview API documentation: Swagger UI bootstrap.
// Served by app/swaggerui with the spec URL filled in; no inline script needed.
window.addEventListener("load", function () {
  "use strict";
  window.ui = SwaggerUIBundle({
    url: {{.SpecURL}},
    dom_id: "#swagger-ui",
    deepLinking: true,
    persistAuthorization: true,
    // null disables the online validator badge, which would otherwise load
    // an image from an external host.
    validatorUrl: null,
    presets: [
      SwaggerUIBundle.presets.apis,
      SwaggerUIStandalonePreset
    ],
    plugins: [
      SwaggerUIBundle.plugins.DownloadUrl
    ],
    layout: "StandaloneLayout"
  });
});
