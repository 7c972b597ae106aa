package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"gonum.org/v1/plot/plotter"
)

// growthSets are the data sets of the growth run: 10k, 100k and 1M reviews
// (S4), 10k and 100k contents (S2, S3). The largest is the main bench
// database.
var growthSets = []struct {
	label, database string
	d               dataset
}{
	{"10k contents, 10k reviews", "reelview_bench_g10k", dataset{Contents: 10_000, Users: 25_000, Reviews: 10_000, Likes: 10_000, Hot: 21_000}},
	{"10k contents, 100k reviews", "reelview_bench_g100k", dataset{Contents: 10_000, Users: 25_000, Reviews: 100_000, Likes: 100_000, Hot: 21_000}},
	{"100k contents, 1M reviews", "reelview_bench", fullDataset},
}

type growthRow struct {
	Label   string   `json:"label"`
	Dataset string   `json:"dataset"`
	Results []result `json:"results"`
}

// runGrowth runs S2, S3 and S4 on each growth data set with the server
// restarted on it.
func runGrowth(ctx context.Context, o options) error {
	dir, bin, err := workDir(ctx, o)
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	r := runner{concurrency: o.concurrency, duration: o.duration, warmup: o.warmup}
	var rows []growthRow
	for _, g := range growthSets {
		dbURL, err := prepareDatabase(ctx, o, bin, g.database, g.d)
		if err != nil {
			return err
		}
		row, err := growthRun(ctx, o, r, bin, dbURL, dir)
		if err != nil {
			return err
		}
		row.Label, row.Dataset = g.label, g.d.String()
		rows = append(rows, row)
	}
	return writeGrowth(o.out, rows)
}

func growthRun(ctx context.Context, o options, r runner, bin, dbURL, dir string) (growthRow, error) {
	srv, _, err := startServer(ctx, o, bin, dbURL, dir)
	if err != nil {
		return growthRow{}, err
	}
	defer srv.stop()
	f, err := loadFixture(ctx, dbURL, "http://"+srv.addr, 0)
	if err != nil {
		return growthRow{}, err
	}
	if err := f.walkCursor(1000); err != nil {
		return growthRow{}, err
	}
	list := f.readScenarios(srv)
	rounds := map[string][]result{}
	for range o.rounds {
		for _, sc := range list {
			sc.Baseline = ""
			res := r.run(ctx, sc)
			logf("%-4s %-40s %8.1f req/s  p50 %7.2f ms  p99 %8.2f ms  %d errors", res.ID, res.Name, res.RPS, res.P50, res.P99, res.Errors)
			rounds[sc.ID] = append(rounds[sc.ID], res)
		}
	}
	var row growthRow
	for _, sc := range list {
		row.Results = append(row.Results, merge(rounds[sc.ID]))
	}
	return row, nil
}

func writeGrowth(dir string, rows []growthRow) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var b strings.Builder
	b.WriteString("| scenario |")
	for _, row := range rows {
		fmt.Fprintf(&b, " %s: req/s | p50 ms | p99 ms |", row.Label)
	}
	b.WriteString("\n|---|" + strings.Repeat("---:|---:|---:|", len(rows)) + "\n")
	var names []string
	p50s := make([]plotter.Values, len(rows))
	for i, sc := range rows[0].Results {
		names = append(names, sc.ID)
		fmt.Fprintf(&b, "| %s %s |", sc.ID, sc.Name)
		for j, row := range rows {
			res := row.Results[i]
			fmt.Fprintf(&b, " %.0f | %.2f | %.2f |", res.RPS, res.P50, res.P99)
			p50s[j] = append(p50s[j], res.P50)
		}
		b.WriteString("\n")
	}
	if err := os.WriteFile(filepath.Join(dir, "growth.md"), []byte(b.String()), 0o644); err != nil {
		return err
	}
	fmt.Println(b.String())
	j, err := json.MarshalIndent(rows, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "growth.json"), append(j, '\n'), 0o644); err != nil {
		return err
	}
	var ss []series
	for j, row := range rows {
		ss = append(ss, series{row.Label, p50s[j]})
	}
	return barChart(filepath.Join(dir, "growth.png"), "p50 latency as the data set grows", "p50 ms", names, ss)
}
