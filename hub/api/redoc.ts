/**
 * ReDoc (the seed names it at /redoc) for the hub's OpenAPI document. The
 * page loads ReDoc's script from its CDN: the hub does not ship the 1 MB
 * bundle, and /docs (Swagger UI, served locally) works offline.
 */
export function redocPage(specUrl: string): string {
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>kcloud hub API</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><redoc spec-url="${specUrl}"></redoc>
<script src="https://cdn.redoc.ly/redoc/latest/bundles/redoc.standalone.js"></script>
</body></html>
`;
}
