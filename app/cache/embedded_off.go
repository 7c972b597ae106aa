//go:build noembedded

package cache

import "errors"

// Configuration refuses an empty REDIS_URL in this build; this is the answer
// if it were reached.
func startEmbedded() (string, func(), error) {
	return "", nil, errors.New("this binary is built without the embedded mode (build tag noembedded)")
}
