package main

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/reelview/reelview/app/apptest"
)

// TestHeadOnEveryGet: HEAD is served wherever GET is (RFC 9110, 9.3.2):
// every GET operation of the OpenAPI document answers HEAD with the GET's
// status and headers (Content-Type, Content-Length, ETag…) and no body, and
// a conditional HEAD is a 304 when the GET is.
func TestHeadOnEveryGet(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	oapi := w.a.API.OpenAPI()
	// Ids of existing objects, by the first segment after /api/v1.
	ids := map[string]string{"contents": strconv.Itoa(w.movie), "reviews": strconv.Itoa(w.review),
		"users": strconv.Itoa(w.alice.ID), "lists": strconv.Itoa(w.aliceList), "comments": strconv.Itoa(w.aliceComment)}
	// Headers that differ between two answers by design.
	volatile := []string{"Date", "X-Request-Id", "Ratelimit-Remaining", "Ratelimit-Reset"}
	tested := 0
	for _, o := range documentOperations(oapi) {
		if o.Method != http.MethodGet {
			continue
		}
		tested++
		t.Run(o.Path, func(t *testing.T) {
			segment, _, _ := strings.Cut(strings.TrimPrefix(o.Path, "/api/v1/"), "/")
			path := concretePath(oapi, o, map[string]string{"id": ids[segment]})
			send := func(method string, header map[string]string) *apptest.Response {
				return apptest.Send(t, w.a.App, apptest.Request{Method: method, Path: path, Token: w.admin.Access, Header: header})
			}
			before, head, after := send("GET", nil), send("HEAD", nil), send("GET", nil)
			if head.Status == http.StatusMethodNotAllowed || head.Status != before.Status {
				t.Fatalf("HEAD status %d, GET %d", head.Status, before.Status)
			}
			if len(head.Body) != 0 {
				t.Errorf("HEAD answered a body: %s", head.Body)
			}
			if string(before.Body) != string(after.Body) {
				return // the answer changes with each request (sessions' last use): headers may too
			}
			for name, want := range before.Header {
				if !slices.Contains(volatile, name) && !slices.Equal(head.Header[name], want) {
					t.Errorf("HEAD %s = %q, GET %q", name, head.Header[name], want)
				}
			}
			if n := head.Header.Get("Content-Length"); n != strconv.Itoa(len(before.Body)) {
				t.Errorf("HEAD Content-Length = %q, GET body %d bytes", n, len(before.Body))
			}
			if etag := before.Header.Get("ETag"); etag != "" {
				cond := map[string]string{"If-None-Match": etag}
				get, head := send("GET", cond), send("HEAD", cond)
				if get.Status != http.StatusNotModified || head.Status != http.StatusNotModified || len(head.Body) != 0 {
					t.Errorf("If-None-Match: GET %d, HEAD %d %q", get.Status, head.Status, head.Body)
				}
			}
		})
	}
	if tested < 30 {
		t.Fatalf("only %d GET operations found", tested)
	}
	t.Run("405 lists HEAD beside GET", func(t *testing.T) {
		res := w.do(t, "PUT", "/api/v1/genres", "", "")
		apptest.AssertError(t, res, http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED")
		if got := res.Header.Get("Allow"); got != "GET, HEAD, POST" {
			t.Errorf("Allow = %q", got)
		}
	})
}
