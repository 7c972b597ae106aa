// Package swaggerui serves Swagger UI from files embedded in the binary, so
// the API documentation page works without internet access and makes no
// request to any host other than the API itself.
//
// The vendored files in dist/ come unmodified from the npm package
// swagger-ui-dist (version [Version], Apache-2.0; see dist/LICENSE and
// dist/NOTICE, and the *.LICENSE.txt files for the licenses of the libraries
// bundled into the JavaScript files). Only what the page loads is kept: no
// source maps, no ES bundles, no upstream index.html or initializer. The page
// itself (ui/index.html), its stylesheet (ui/index.css) and the bootstrap
// script (ui/swagger-initializer.js) are this project's own.
//
// To upgrade:
//
//	cd /tmp && npm pack swagger-ui-dist@X.Y.Z && tar -xzf swagger-ui-dist-X.Y.Z.tgz
//	cp package/{swagger-ui.css,swagger-ui-bundle.js,swagger-ui-standalone-preset.js} \
//	   package/{favicon-32x32.png,favicon-16x16.png,LICENSE,NOTICE} \
//	   package/{swagger-ui-bundle.js,swagger-ui-standalone-preset.js}.LICENSE.txt \
//	   <repo>/app/swaggerui/dist/
//
// then bump [Version] (it busts browser caches of the assets) and run the
// tests.
//
// # Content-Security-Policy
//
// The page needs the policy in [ContentSecurityPolicy]:
//
//   - script-src 'self': every script is a file served by this package (the
//     initializer too), so no 'unsafe-inline' is needed for scripts. No
//     'unsafe-eval' either: the only Function/eval uses in the 5.35.0 bundles
//     are webpack/lodash/core-js "find the global object" fallbacks
//     (Function("return this")) that are never reached in a browser, where
//     globalThis/self exist, and an "%eval%": eval reference in an intrinsics
//     table that is never called. Headless Chromium rendering the page (with
//     an operation expanded) under [ContentSecurityPolicy] reported no CSP
//     violation.
//   - style-src 'self' 'unsafe-inline': Swagger UI applies inline styles at
//     run time; under style-src 'self' alone Chromium blocks them ("Applying inline style violates ...
//     style-src 'self'"). The page still loads, but those styles are lost.
//   - img-src 'self' data:: swagger-ui.css uses data: URIs for its icons.
//   - connect-src 'self': fetching the spec and "Try it out" requests to the
//     API itself. A spec whose servers point to another origin would need
//     that origin added here for "Try it out" to work.
//
// [Register] sets this header on the HTML page it serves (CSP only matters
// for documents). A security middleware that sets a stricter policy for all
// routes before calling c.Next() is overridden by that; one that sets it
// after c.Next() must skip the docs routes or use [ContentSecurityPolicy]
// for them.
package swaggerui

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	htmltemplate "html/template"
	"io/fs"
	"path"
	"strings"
	"sync"
	texttemplate "text/template"

	"github.com/gofiber/fiber/v2"
)

// Version is the swagger-ui-dist version vendored in dist/.
const Version = "5.35.0"

// DefaultSpecURL is the spec URL used when Register is given an empty one.
const DefaultSpecURL = "/openapi.json"

// Title is the HTML page title.
const Title = "Reelview API"

// ContentSecurityPolicy is the Content-Security-Policy the Swagger UI page
// needs; see the package documentation for why each directive is there.
const ContentSecurityPolicy = "default-src 'self'; " +
	"script-src 'self'; " +
	"style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data:; " +
	"font-src 'self' data:; " +
	"connect-src 'self'; " +
	"object-src 'none'; " +
	"base-uri 'self'; " +
	"form-action 'self'; " +
	"frame-ancestors 'none'"

// Cache-Control values.
const (
	cacheAssets = "public, max-age=86400"
	cachePage   = "no-cache"
)

//go:embed dist
var distFS embed.FS

//go:embed ui
var uiFS embed.FS

var (
	indexTemplate = htmltemplate.Must(htmltemplate.ParseFS(uiFS, "ui/index.html"))
	initTemplate  = texttemplate.Must(texttemplate.ParseFS(uiFS, "ui/swagger-initializer.js"))
)

type file struct {
	body        []byte
	contentType string
	cache       string
	etag        string
}

var contentTypes = map[string]string{
	".css":  "text/css; charset=utf-8",
	".html": fiber.MIMETextHTMLCharsetUTF8,
	".js":   fiber.MIMETextJavaScriptCharsetUTF8,
	".png":  "image/png",
	".txt":  fiber.MIMETextPlainCharsetUTF8,
	"":      fiber.MIMETextPlainCharsetUTF8, // LICENSE, NOTICE
}

func newFile(body []byte, contentType, cache string) *file {
	sum := sha256.Sum256(body)
	return &file{
		body:        body,
		contentType: contentType,
		cache:       cache,
		etag:        `"` + hex.EncodeToString(sum[:8]) + `"`,
	}
}

// Register serves Swagger UI at prefix (e.g. "/docs"): GET prefix and
// prefix+"/" return the HTML page, prefix+"/<name>" the embedded assets, and
// prefix+"/swagger-initializer.js" the bootstrap script pointing Swagger UI at
// specURL (DefaultSpecURL when empty). Any other name under prefix yields
// fiber.ErrNotFound, which the app's error handler renders.
//
// It panics (on the first request) if the embedded files are broken, which
// the package tests catch.
func Register(app *fiber.App, prefix, specURL string) {
	prefix = "/" + strings.Trim(prefix, "/")
	if prefix == "/" {
		prefix = ""
	}
	if specURL == "" {
		specURL = DefaultSpecURL
	}

	// The assets (2 MB) are copied out of the binary and hashed on the first
	// request of /docs, not at start-up: most processes never serve it.
	load := sync.OnceValues(func() (map[string]*file, *file) { return build(prefix, specURL) })

	serveIndex := func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderContentSecurityPolicy, ContentSecurityPolicy)
		_, index := load()
		return send(c, index)
	}
	serveFile := func(c *fiber.Ctx) error {
		name := c.Params("*")
		if name == "" || name == "index.html" {
			return serveIndex(c)
		}
		files, _ := load()
		f, ok := files[name]
		if !ok {
			return fiber.ErrNotFound
		}
		return send(c, f)
	}

	if prefix == "" {
		app.Get("/", serveIndex)
	} else {
		app.Get(prefix, serveIndex)
	}
	app.Get(prefix+"/*", serveFile)
}

// build renders the page and the initializer and indexes the static files.
func build(prefix, specURL string) (files map[string]*file, index *file) {
	files = make(map[string]*file)
	add := func(fsys fs.FS, dir string) {
		entries, err := fs.ReadDir(fsys, dir)
		if err != nil {
			panic("swaggerui: " + err.Error())
		}
		for _, e := range entries {
			name := e.Name()
			if e.IsDir() || name == "index.html" || name == "swagger-initializer.js" {
				continue
			}
			ct, ok := contentTypes[path.Ext(name)]
			if !ok {
				panic("swaggerui: no content type for " + name)
			}
			body, err := fs.ReadFile(fsys, dir+"/"+name)
			if err != nil {
				panic("swaggerui: " + err.Error())
			}
			files[name] = newFile(body, ct, cacheAssets)
		}
	}
	add(distFS, "dist")
	add(uiFS, "ui")

	spec, err := json.Marshal(specURL) // a JS string literal; escapes <, >, &
	if err != nil {
		panic("swaggerui: " + err.Error())
	}
	var buf bytes.Buffer
	if err := initTemplate.Execute(&buf, map[string]any{"SpecURL": string(spec)}); err != nil {
		panic("swaggerui: " + err.Error())
	}
	files["swagger-initializer.js"] = newFile(buf.Bytes(), fiber.MIMETextJavaScriptCharsetUTF8, cachePage)

	buf = bytes.Buffer{}
	data := map[string]any{"Title": Title, "Prefix": prefix, "Version": Version}
	if err := indexTemplate.Execute(&buf, data); err != nil {
		panic("swaggerui: " + err.Error())
	}
	index = newFile(buf.Bytes(), fiber.MIMETextHTMLCharsetUTF8, cachePage)
	return files, index
}

func send(c *fiber.Ctx, f *file) error {
	c.Set(fiber.HeaderCacheControl, f.cache)
	c.Set(fiber.HeaderETag, f.etag)
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	if c.Fresh() { // If-None-Match matches the ETag
		return c.SendStatus(fiber.StatusNotModified)
	}
	c.Set(fiber.HeaderContentType, f.contentType)
	return c.Send(f.body)
}
