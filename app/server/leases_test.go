package server_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/reelview/reelview/app/apptest"
)

// scriptCounter counts the rate limiter's scripts run in Redis.
type scriptCounter struct{ n *atomic.Int64 }

func (h scriptCounter) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h scriptCounter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if cmd.Name() == "evalsha" || cmd.Name() == "eval" {
			h.n.Add(1)
		}
		return next(ctx, cmd)
	}
}

func (h scriptCounter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}

// TestDefaultPolicyReservesInBatches: a busy client of two replicas costs far
// fewer Redis round trips than requests, and the two together still let
// through no more than the shared budget.
func TestDefaultPolicyReservesInBatches(t *testing.T) {
	t.Parallel()
	const budget = 1000 // per minute: batches of up to 10
	cfgA := apptest.Config(t)
	cfgA.RateLimit.Default.Requests = budget
	cfgB := apptest.Config(t)
	cfgB.Redis, cfgB.RateLimit = cfgA.Redis, cfgA.RateLimit
	a := apptest.NewWithConfig(t, cfgA, testModule)
	b := apptest.NewWithConfig(t, cfgB, testModule)
	var scripts atomic.Int64
	a.Redis.AddHook(scriptCounter{&scripts})
	b.Redis.AddHook(scriptCounter{&scripts})

	start := time.Now()
	allowed, tripsWhileAllowed := 0, int64(0)
	for i := range budget + 200 {
		app := a.App
		if i/50%2 == 1 { // runs of 50 requests on each replica in turn
			app = b.App
		}
		res := apptest.Do(t, app, "GET", "/api/v1/test/ip", "", "")
		switch res.Status {
		case 204, 200:
			allowed++
			tripsWhileAllowed = scripts.Load()
		case 429:
		default:
			t.Fatalf("request %d: status %d: %s", i+1, res.Status, res.Body)
		}
	}
	// GCRA refills the budget steadily while the test runs.
	refill := int(time.Since(start).Seconds()*budget/60) + 1
	t.Logf("%d allowed, %d Redis round trips for them, refill %d", allowed, tripsWhileAllowed, refill)
	if allowed > budget+refill {
		t.Errorf("%d requests allowed, budget %d (+%d refilled)", allowed, budget, refill)
	}
	if allowed < budget-50 {
		t.Errorf("only %d requests allowed of a budget of %d: reserved requests were lost", allowed, budget)
	}
	if tripsWhileAllowed > int64(allowed/3) {
		t.Errorf("%d Redis round trips for %d requests: not batched", tripsWhileAllowed, allowed)
	}
}
