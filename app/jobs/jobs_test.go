package jobs_test

import (
	"context"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"go.uber.org/fx"

	"github.com/reelview/reelview/app/apptest"
	"github.com/reelview/reelview/app/jobs"
)

type echoArgs struct {
	Text string `json:"text"`
}

func (echoArgs) Kind() string { return "test_echo" }

type echoWorker struct {
	river.WorkerDefaults[echoArgs]
	got chan string
}

func (w *echoWorker) Work(_ context.Context, j *river.Job[echoArgs]) error {
	w.got <- j.Args.Text
	return nil
}

// TestJobRoundTrip inserts a job and sees a module's worker run it, on the
// backend of the suite (River on SQLite or on PostgreSQL).
func TestJobRoundTrip(t *testing.T) {
	t.Parallel()
	w := &echoWorker{got: make(chan string, 1)}
	var client *jobs.Client
	apptest.New(t,
		fx.Provide(jobs.AsRegistration(func() jobs.Registration {
			return jobs.Registration{Workers: func(ws *river.Workers) { river.AddWorker(ws, w) }}
		})),
		fx.Populate(&client),
	)
	res, err := client.Insert(context.Background(), echoArgs{Text: "hello"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	select {
	case got := <-w.got:
		if got != "hello" {
			t.Fatalf("worker got %q", got)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("job not worked within 15s")
	}
	// The job reaches the completed state in the database.
	deadline := time.Now().Add(10 * time.Second)
	for {
		j, err := client.JobGet(context.Background(), res.Job.ID)
		if err != nil {
			t.Fatal(err)
		}
		if j.State == "completed" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("job state %s, want completed", j.State)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
