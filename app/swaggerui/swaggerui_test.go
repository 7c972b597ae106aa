package swaggerui_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"

	"github.com/reelview/reelview/app/swaggerui"
)

func newApp(t *testing.T, prefix, specURL string) *fiber.App {
	t.Helper()
	app := fiber.New()
	swaggerui.Register(app, prefix, specURL)
	return app
}

type response struct {
	status int
	header http.Header
	body   string
}

func do(t *testing.T, app *fiber.App, method, target string, header map[string]string) response {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := app.Test(req, -1)
	if err != nil {
		t.Fatalf("%s %s: %v", method, target, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, target, err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: string(body)}
}

func get(t *testing.T, app *fiber.App, target string) response {
	t.Helper()
	return do(t, app, http.MethodGet, target, nil)
}

var externalURL = regexp.MustCompile(`(?i)https?://`)

func TestIndex(t *testing.T) {
	t.Parallel()
	app := newApp(t, "/docs", "")

	for _, target := range []string{"/docs", "/docs/", "/docs/index.html"} {
		t.Run(target, func(t *testing.T) {
			t.Parallel()
			r := get(t, app, target)
			if r.status != fiber.StatusOK {
				t.Fatalf("status = %d, want 200; body: %s", r.status, r.body)
			}
			if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
				t.Errorf("Content-Type = %q, want text/html", ct)
			}
			if cc := r.header.Get("Cache-Control"); cc != "no-cache" {
				t.Errorf("Cache-Control = %q, want no-cache", cc)
			}
			if csp := r.header.Get("Content-Security-Policy"); csp != swaggerui.ContentSecurityPolicy {
				t.Errorf("Content-Security-Policy = %q, want %q", csp, swaggerui.ContentSecurityPolicy)
			}
			for _, want := range []string{
				`id="swagger-ui"`,
				"<title>Reelview API</title>",
				`src="/docs/swagger-ui-bundle.js`,
				`src="/docs/swagger-ui-standalone-preset.js`,
				`src="/docs/swagger-initializer.js"`,
				`href="/docs/swagger-ui.css`,
				`href="/docs/favicon-32x32.png"`,
			} {
				if !strings.Contains(r.body, want) {
					t.Errorf("index.html lacks %q:\n%s", want, r.body)
				}
			}
			if m := externalURL.FindString(r.body); m != "" {
				t.Errorf("index.html references an external URL (%q):\n%s", m, r.body)
			}
			if strings.Contains(r.body, "<script>") || strings.Contains(r.body, "<style") ||
				strings.Contains(r.body, " style=") {
				t.Errorf("index.html has inline script or style:\n%s", r.body)
			}
		})
	}
}

func TestEveryReferencedAssetIsServed(t *testing.T) {
	t.Parallel()
	app := newApp(t, "/docs", "")
	index := get(t, app, "/docs").body

	refs := regexp.MustCompile(`(?:src|href)="([^"]+)"`).FindAllStringSubmatch(index, -1)
	if len(refs) < 7 {
		t.Fatalf("found %d references in index.html, want at least 7", len(refs))
	}
	for _, ref := range refs {
		target := strings.ReplaceAll(ref[1], "&amp;", "&")
		r := get(t, app, target)
		if r.status != fiber.StatusOK || r.body == "" {
			t.Errorf("GET %s: status %d, %d bytes", target, r.status, len(r.body))
		}
	}
}

func TestAssets(t *testing.T) {
	t.Parallel()
	app := newApp(t, "/docs", "")

	tests := []struct {
		path, contentType, contains string
	}{
		{"/docs/swagger-ui-bundle.js", "text/javascript", "SwaggerUIBundle"},
		{"/docs/swagger-ui-standalone-preset.js", "text/javascript", "SwaggerUIStandalonePreset"},
		{"/docs/swagger-ui.css", "text/css", ".swagger-ui"},
		{"/docs/index.css", "text/css", "body"},
		{"/docs/favicon-32x32.png", "image/png", "\x89PNG"},
		{"/docs/favicon-16x16.png", "image/png", "\x89PNG"},
		{"/docs/LICENSE", "text/plain", "Apache License"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			t.Parallel()
			r := get(t, app, tt.path)
			if r.status != fiber.StatusOK {
				t.Fatalf("status = %d, want 200", r.status)
			}
			if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, tt.contentType) {
				t.Errorf("Content-Type = %q, want %s", ct, tt.contentType)
			}
			if cc := r.header.Get("Cache-Control"); cc != "public, max-age=86400" {
				t.Errorf("Cache-Control = %q, want public, max-age=86400", cc)
			}
			if r.header.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("X-Content-Type-Options = %q, want nosniff", r.header.Get("X-Content-Type-Options"))
			}
			if !strings.Contains(r.body, tt.contains) {
				t.Errorf("body (%d bytes) lacks %q", len(r.body), tt.contains)
			}
		})
	}
}

func TestBundleVersion(t *testing.T) {
	t.Parallel()
	r := get(t, newApp(t, "/docs", ""), "/docs/swagger-ui-bundle.js")
	if !strings.Contains(r.body, `"`+swaggerui.Version+`"`) {
		t.Errorf("swagger-ui-bundle.js does not contain version %q; update swaggerui.Version", swaggerui.Version)
	}
}

func TestInitializer(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name, specURL, want string
	}{
		{"default", "", `url: "/openapi.json",`},
		{"custom", "/api/v1/openapi.yaml", `url: "/api/v1/openapi.yaml",`},
		{"escaped", `/spec"</script>.json`, `url: "/spec\"\u003c/script\u003e.json",`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := get(t, newApp(t, "/docs", tt.specURL), "/docs/swagger-initializer.js")
			if r.status != fiber.StatusOK {
				t.Fatalf("status = %d, want 200", r.status)
			}
			if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/javascript") {
				t.Errorf("Content-Type = %q, want text/javascript", ct)
			}
			if cc := r.header.Get("Cache-Control"); cc != "no-cache" {
				t.Errorf("Cache-Control = %q, want no-cache", cc)
			}
			for _, want := range []string{
				tt.want,
				"SwaggerUIBundle({",
				`dom_id: "#swagger-ui"`,
				"deepLinking: true",
				"persistAuthorization: true",
				"validatorUrl: null",
				"SwaggerUIBundle.presets.apis",
				"SwaggerUIStandalonePreset",
				`layout: "StandaloneLayout"`,
			} {
				if !strings.Contains(r.body, want) {
					t.Errorf("initializer lacks %q:\n%s", want, r.body)
				}
			}
			if m := externalURL.FindString(r.body); m != "" {
				t.Errorf("initializer references an external URL (%q):\n%s", m, r.body)
			}
		})
	}
}

func TestNotFound(t *testing.T) {
	t.Parallel()

	t.Run("bare app", func(t *testing.T) {
		t.Parallel()
		app := newApp(t, "/docs", "")
		for _, target := range []string{
			"/docs/nope.js",
			"/docs/swagger-ui-bundle.js.map",
			"/docs/dist/LICENSE",
			"/docs/ui/index.html",
		} {
			if r := get(t, app, target); r.status != fiber.StatusNotFound {
				t.Errorf("GET %s: status = %d, want 404", target, r.status)
			}
		}
	})

	t.Run("error is returned to the error handler", func(t *testing.T) {
		t.Parallel()
		var got error
		app := fiber.New(fiber.Config{
			ErrorHandler: func(c *fiber.Ctx, err error) error {
				got = err
				return c.Status(fiber.StatusNotFound).JSON(fiber.Map{"error": "not found"})
			},
		})
		swaggerui.Register(app, "/docs", "")
		r := get(t, app, "/docs/nope.js")
		if !errors.Is(got, fiber.ErrNotFound) {
			t.Errorf("error handler got %v, want fiber.ErrNotFound", got)
		}
		if r.status != fiber.StatusNotFound || !strings.Contains(r.body, `"error"`) {
			t.Errorf("status = %d, body = %q; want the error handler's JSON 404", r.status, r.body)
		}
	})
}

func TestConditionalAndHead(t *testing.T) {
	t.Parallel()
	app := newApp(t, "/docs", "")

	first := get(t, app, "/docs/swagger-ui.css")
	etag := first.header.Get("ETag")
	if etag == "" {
		t.Fatal("no ETag")
	}
	r := do(t, app, http.MethodGet, "/docs/swagger-ui.css", map[string]string{"If-None-Match": etag})
	if r.status != fiber.StatusNotModified || r.body != "" {
		t.Errorf("conditional GET: status = %d, %d bytes; want 304, empty", r.status, len(r.body))
	}

	r = do(t, app, http.MethodHead, "/docs", nil)
	if r.status != fiber.StatusOK || r.body != "" {
		t.Errorf("HEAD /docs: status = %d, %d bytes; want 200, empty", r.status, len(r.body))
	}
}

func TestPrefixNormalisation(t *testing.T) {
	t.Parallel()

	for _, prefix := range []string{"/reference/", "reference"} {
		t.Run(prefix, func(t *testing.T) {
			t.Parallel()
			app := newApp(t, prefix, "")
			r := get(t, app, "/reference")
			if r.status != fiber.StatusOK {
				t.Fatalf("status = %d, want 200", r.status)
			}
			if !strings.Contains(r.body, `src="/reference/swagger-ui-bundle.js`) {
				t.Errorf("asset paths not under /reference/:\n%s", r.body)
			}
			if r := get(t, app, "/reference/swagger-ui-bundle.js"); r.status != fiber.StatusOK {
				t.Errorf("bundle: status = %d, want 200", r.status)
			}
		})
	}
}

func TestDoesNotShadowOtherRoutes(t *testing.T) {
	t.Parallel()
	app := newApp(t, "/docs", "")
	app.Get("/openapi.json", func(c *fiber.Ctx) error { return c.JSON(fiber.Map{"openapi": "3.1.0"}) })

	if r := get(t, app, "/openapi.json"); r.status != fiber.StatusOK || !strings.Contains(r.body, "3.1.0") {
		t.Errorf("GET /openapi.json: status = %d, body = %q", r.status, r.body)
	}
	if r := get(t, app, "/docsx"); r.status != fiber.StatusNotFound {
		t.Errorf("GET /docsx: status = %d, want 404", r.status)
	}
}
