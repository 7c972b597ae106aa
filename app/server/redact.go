package server

import "strings"

// maxPathSegment is the longest path segment, in bytes of the URL, that logs
// and error bodies show as it is. No route of the API has a longer one (ids
// are numbers, session ids at most 64 characters), so a longer segment is a
// secret a client put in the URL: the push token of an app written for the
// earlier DELETE /users/me/devices/{token}, an access token pasted by mistake.
const maxPathSegment = 64

// redactPath is the request path as the access log and error bodies show
// it: a segment longer than maxPathSegment is cut to "…" and its last 6
// characters, the form in which the API shows device tokens.
func redactPath(p string) string {
	if len(p) <= maxPathSegment {
		return p
	}
	segs := strings.Split(p, "/")
	for i, s := range segs {
		if len(s) > maxPathSegment {
			r := []rune(s)
			segs[i] = "…" + string(r[max(len(r)-6, 0):])
		}
	}
	return strings.Join(segs, "/")
}
