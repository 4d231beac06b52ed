// Starts Swagger UI on /docs (the page has no inline script: the Content-Security-Policy forbids it).
// The bundle is a classic deferred script, run before this module; the OpenAPI URL comes from data-openapi.
const root = document.getElementById("swagger-ui");
window.SwaggerUIBundle({
  url: root.dataset.openapi,
  dom_id: "#swagger-ui",
  layout: "BaseLayout",
  deepLinking: true,
  showExtensions: true,
  showCommonExtensions: true,
  validatorUrl: null, // no badge fetched from a third-party validator
  presets: [window.SwaggerUIBundle.presets.apis],
});
