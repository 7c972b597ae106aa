package server

import "github.com/gofiber/fiber/v2"

// serveHead answers HEAD on every GET route that has no HEAD route of its
// own, with the GET route's handlers. HTTP asks for HEAD wherever GET is
// served (RFC 9110, 9.3.2), with the same status and headers and no body;
// huma's adapter registers GET alone (Fiber's app.Get adds HEAD itself).
// fasthttp leaves the body of a HEAD answer out and keeps its
// Content-Length, and conditional requests (If-None-Match) work as for
// GET. It runs after every module registered its operations; the OpenAPI
// document does not list HEAD.
func serveHead(app *fiber.App) {
	head := map[string]bool{}
	var gets []fiber.Route
	for _, r := range app.GetRoutes(true) {
		switch r.Method {
		case fiber.MethodHead:
			head[r.Path] = true
		case fiber.MethodGet:
			gets = append(gets, r)
		}
	}
	for _, r := range gets {
		if !head[r.Path] {
			app.Add(fiber.MethodHead, r.Path, r.Handlers...)
			head[r.Path] = true
		}
	}
}
