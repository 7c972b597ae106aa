package server

import (
	"sync"
	"time"

	"github.com/go-redis/redis_rate/v10"

	"github.com/reelview/reelview/config"
)

// leaseTTL is how long requests reserved in Redis may be granted locally.
// Unused ones are then dropped, never given back.
const leaseTTL = time.Second

// leases grants the default policy's requests from batches this process
// reserved in Redis, one batch per client IP.
//
// Every granted request was first taken from the client's budget in Redis,
// so all replicas together never let through more than the configured rate.
// The price is on the strict side: requests reserved by one replica and not
// used within leaseTTL are lost, so a client can be limited somewhat before
// its full budget, by at most batch−1 requests per replica per lease.
//
// Batches start at one request and double only while a client spends each
// one before it lapses, up to the smaller of RATE_LIMIT_LOCAL_BATCH and 1% of
// the policy's requests. With the default 300/1m that is 3; an occasional
// client always asks Redis, exactly as without batching.
type leases struct {
	rate     config.Rate
	maxBatch int

	mu    sync.Mutex
	byKey map[string]*lease
	swept time.Time
}

// lease is what is left of a client's last reservation.
type lease struct {
	tokens     int // reserved, not yet granted
	size       int // size of the last reservation
	remaining  int // the budget Redis had left after it
	resetAfter time.Duration
	expires    time.Time
}

func newLeases(rate config.Rate, localBatch int) *leases {
	return &leases{rate: rate, maxBatch: max(1, min(localBatch, rate.Requests/100)),
		byKey: map[string]*lease{}}
}

// batching reports whether requests are reserved more than one at a time.
func (ls *leases) batching() bool { return ls.maxBatch > 1 }

// take grants one request for key, from its lease when one is left, else
// from a new reservation of up to n requests made by reserve.
func (ls *leases) take(key string, reserve func(n int) (*redis_rate.Result, error)) (Decision, error) {
	now := time.Now()
	ls.mu.Lock()
	l := ls.byKey[key]
	fresh := l != nil && now.Before(l.expires)
	if fresh && l.tokens > 0 {
		l.tokens--
		d := Decision{Allowed: true, Limit: ls.rate.Requests, Remaining: l.remaining + l.tokens,
			ResetAfter: l.resetAfter}
		ls.mu.Unlock()
		return d, nil
	}
	n := 1
	if fresh { // the last batch ran out before it lapsed: a busy client
		n = min(2*l.size, ls.maxBatch)
	}
	ls.mu.Unlock()

	res, err := reserve(n)
	if err != nil {
		return Decision{}, err
	}
	d := decide(ls.rate, res)
	ls.mu.Lock()
	defer ls.mu.Unlock()
	ls.sweep(now)
	if !d.Allowed { // over the limit: start again from one request
		delete(ls.byKey, key)
		return d, nil
	}
	if l = ls.byKey[key]; l == nil || !now.Before(l.expires) {
		l = &lease{}
		ls.byKey[key] = l
	}
	// Concurrent reservations of one client add up; none is granted twice.
	l.tokens += res.Allowed - 1
	l.size = n
	l.remaining, l.resetAfter = res.Remaining, res.ResetAfter
	l.expires = now.Add(leaseTTL)
	d.Remaining = l.remaining + l.tokens
	return d, nil
}

// sweep forgets lapsed leases, at most once per leaseTTL, so the table holds
// only the clients of the last few seconds.
func (ls *leases) sweep(now time.Time) {
	if now.Sub(ls.swept) < leaseTTL {
		return
	}
	ls.swept = now
	for k, l := range ls.byKey {
		if !now.Before(l.expires) {
			delete(ls.byKey, k)
		}
	}
}
