package main

import (
	"encoding/json"
	"fmt"
	"image/color"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// report is one run: the machine, the settings, every result and the
// targets of issue 9 checked against them.
type report struct {
	Date                 string     `json:"date"`
	Machine              string     `json:"machine"`
	GoVersion            string     `json:"go_version"`
	Dataset              string     `json:"dataset"`
	Concurrency          int        `json:"concurrency"`
	Duration             string     `json:"duration"`
	Warmup               string     `json:"warmup"`
	Rounds               int        `json:"rounds"`
	ServerStartMS        float64    `json:"server_start_ms"`
	Idle                 idleMemory `json:"idle"`
	IdleAfter            idleMemory `json:"idle_after_load"`
	EmbeddedFirstStartMS float64    `json:"embedded_first_start_ms"`
	EmbeddedStartMS      float64    `json:"embedded_start_ms"`
	EmbeddedIdle         idleMemory `json:"embedded_idle"`
	Results              []result   `json:"results"`
	Targets              []target   `json:"targets"`
}

// target is one of the targets and whether this run met it.
type target struct {
	What     string  `json:"what"`
	Measured float64 `json:"measured"`
	Want     string  `json:"want"`
	Met      bool    `json:"met"`
}

func (r *report) fillMachine() {
	r.Date = time.Now().UTC().Format("2006-01-02 15:04 UTC")
	r.GoVersion = runtime.Version()
	model := ""
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.SplitSeq(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "model name"); ok {
				model = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
				break
			}
		}
	}
	r.Machine = fmt.Sprintf("%d cores %s/%s %s", runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, model)
}

func (r *report) byID(id string) *result {
	for i := range r.Results {
		if r.Results[i].ID == id {
			return &r.Results[i]
		}
	}
	return nil
}

// finish sets every ratio and checks the targets.
func (r *report) finish() {
	for i := range r.Results {
		res := &r.Results[i]
		if b := r.byID(res.Baseline); b != nil && b.RPS > 0 {
			res.Ratio = res.RPS / b.RPS
		}
	}
	atLeast := func(id string, want float64) {
		if res := r.byID(id); res != nil {
			r.Targets = append(r.Targets, target{What: fmt.Sprintf("%s req/s ÷ %s req/s", id, res.Baseline),
				Measured: res.Ratio, Want: fmt.Sprintf("≥ %.1f", want), Met: res.Ratio >= want})
		}
	}
	atLeast("S1", 0.5)
	atLeast("S2", 0.6)
	atLeast("S5", 0.6)
	if s, d := r.byID("S4s"), r.byID("S4d"); s != nil && d != nil && s.P50 > 0 {
		v := d.P50 / s.P50
		r.Targets = append(r.Targets, target{What: "S4 p50 page 1,001 ÷ p50 first page", Measured: v, Want: "≤ 1.5", Met: v <= 1.5})
	}
	atLeast("S7", 0.9)
	r.feedTargets()
	var errs uint64
	var peak float64
	for _, res := range r.Results {
		if strings.HasPrefix(res.ID, "S") {
			errs += res.Errors
			if res.Usage != nil {
				peak = max(peak, res.Usage.PeakRSSMiB)
			}
		}
	}
	// The idle target is the production server's; embedded mode, which
	// hosts SQLite and Redis in its own process, has its idle RSS reported
	// beside the table without one.
	r.Targets = append(r.Targets,
		target{What: "errors in S1–S8", Measured: float64(errs), Want: "0", Met: errs == 0},
		target{What: "server peak RSS under load (MiB)", Measured: peak, Want: "≤ 150", Met: peak <= 150},
		target{What: "server idle RSS before load (MiB)", Measured: r.Idle.RSS, Want: "≤ 40", Met: r.Idle.RSS <= 40},
		target{What: "embedded start-up to ready, restart (ms)", Measured: r.EmbeddedStartMS, Want: "≤ 1000", Met: r.EmbeddedStartMS <= 1000},
	)
}

func (r *report) markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Run of %s on %s, %s. Data set: %s. Every scenario and baseline: %d concurrent connections, "+
		"%d rounds of %s measured after a %s warm-up, the rounds interleaved.\n\n", r.Date, r.Machine, r.GoVersion, r.Dataset,
		r.Concurrency, r.Rounds, r.Duration, r.Warmup)
	b.WriteString("| | scenario | req/s | p50 ms | p95 ms | p99 ms | errors | RSS peak MiB | CPU % | ratio to baseline |\n")
	b.WriteString("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, res := range r.Results {
		rss, cpu := "", ""
		if res.Usage != nil {
			rss, cpu = fmt.Sprintf("%.0f", res.Usage.PeakRSSMiB), fmt.Sprintf("%.0f", res.Usage.CPUPercent)
		}
		ratio := ""
		if res.Baseline != "" {
			ratio = ratioText(res.Ratio, res.Baseline)
		}
		fmt.Fprintf(&b, "| %s | %s | %.0f | %.2f | %.2f | %.2f | %d | %s | %s | %s |\n",
			res.ID, res.Name, res.RPS, res.P50, res.P95, res.P99, res.Errors, rss, cpu, ratio)
	}
	fmt.Fprintf(&b, "\nRSS and CPU are the process serving the row: the server for S1–S8, the baseline helper for B1–B3 "+
		"(B7 runs in the harness). CPU is in %% of one core. Server: ready in %.0f ms, idle RSS %s before the load "+
		"and %s after it. Embedded mode: first start (schema and demo seed) %.0f ms, restart to ready %.0f ms, "+
		"idle RSS %s.\n\n", r.ServerStartMS, r.Idle, r.IdleAfter, r.EmbeddedFirstStartMS,
		r.EmbeddedStartMS, r.EmbeddedIdle)
	b.WriteString("| target | measured | wanted | met |\n|---|---:|---|---|\n")
	for _, t := range r.Targets {
		met := "yes"
		if !t.Met {
			met = "**no**"
		}
		fmt.Fprintf(&b, "| %s | %.2f | %s | %s |\n", t.What, t.Measured, t.Want, met)
	}
	return b.String()
}

func (r *report) write(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "results.md"), []byte(r.markdown()), 0o644); err != nil {
		return err
	}
	j, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "results.json"), append(j, '\n'), 0o644); err != nil {
		return err
	}
	return r.chart(filepath.Join(dir, "results.png"))
}

// chart draws each scenario's throughput as a ratio to its baseline's, next
// to the target where there is one.
func (r *report) chart(path string) error {
	want := map[string]float64{"S1": 0.5, "S2": 0.6, "S5": 0.6, "S7": 0.9}
	var names []string
	var ratios, targets plotter.Values
	for _, res := range r.Results {
		if res.Baseline == "" {
			continue
		}
		names = append(names, fmt.Sprintf("%s\n%s", res.ID, ratioText(res.Ratio, res.Baseline)))
		ratios = append(ratios, res.Ratio)
		targets = append(targets, want[res.ID])
	}
	return barChart(path, "Throughput ÷ baseline throughput (same run)", "ratio", names,
		[]series{{"scenario ÷ baseline", ratios}, {"target (≥)", targets}})
}

// ratioText is "0.19×B1", with three decimals below 0.1.
func ratioText(v float64, baseline string) string {
	if v < 0.1 {
		return fmt.Sprintf("%.3f×%s", v, baseline)
	}
	return fmt.Sprintf("%.2f×%s", v, baseline)
}

// render rewrites results.md and results.png of dir from its results.json.
func render(dir string) error {
	b, err := os.ReadFile(filepath.Join(dir, "results.json"))
	if err != nil {
		return err
	}
	var r report
	if err := json.Unmarshal(b, &r); err != nil {
		return err
	}
	return r.write(dir)
}

type series struct {
	name   string
	values plotter.Values
}

var palette = []color.Color{
	color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff},
	color.RGBA{R: 0xb0, G: 0xb0, B: 0xb0, A: 0xff},
	color.RGBA{R: 0xff, G: 0x7f, B: 0x0e, A: 0xff},
	color.RGBA{R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff},
}

// barChart writes a grouped bar chart, one group per name.
func barChart(path, title, ylabel string, names []string, ss []series) error {
	p := plot.New()
	p.Title.Text = title
	p.Y.Label.Text = ylabel
	w := vg.Points(14)
	for i, s := range ss {
		bars, err := plotter.NewBarChart(s.values, w)
		if err != nil {
			return err
		}
		bars.LineStyle.Width = 0
		bars.Color = palette[i%len(palette)]
		bars.Offset = w * vg.Length(float64(i)-float64(len(ss)-1)/2)
		p.Add(bars)
		p.Legend.Add(s.name, bars)
	}
	p.Legend.Top = true
	top := 0.0
	for _, s := range ss {
		for _, v := range s.values {
			top = max(top, v)
		}
	}
	p.Y.Min, p.Y.Max = 0, top*1.3 // room for the legend
	p.NominalX(names...)
	return p.Save(vg.Length(max(6, len(names)))*vg.Inch*0.9, 4.5*vg.Inch, path)
}
