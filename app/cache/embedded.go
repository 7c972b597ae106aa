//go:build !noembedded

package cache

import "github.com/alicebob/miniredis/v2"

// startEmbedded starts the embedded mode's in-process Redis.
func startEmbedded() (addr string, stop func(), err error) {
	mr := miniredis.NewMiniRedis()
	if err := mr.StartAddr("127.0.0.1:0"); err != nil {
		return "", nil, err
	}
	return mr.Addr(), mr.Close, nil
}
