package reelview_test

// Offline checks for the deployment files at the repository root:
// docker-compose.yml is loaded with compose-go (the library behind
// `docker compose`), and the Dockerfile is run through BuildKit's own
// linter (what `docker build --check` runs). Neither needs a Docker engine
// or the network.

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"maps"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/client/llb/sourceresolver"
	"github.com/moby/buildkit/frontend/dockerfile/dockerfile2llb"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	digest "github.com/opencontainers/go-digest"
	"go.yaml.in/yaml/v4"
)

const (
	composeFile    = "docker-compose.yml"
	dockerfilePath = "Dockerfile"
)

// testJWTSecret is a random secret of 64 bytes: no fixed secret is written
// in the repository, tests included.
var testJWTSecret = func() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}()

// loadCompose loads the compose file the way `docker compose config` would,
// with env as the only source of interpolation variables. compose-go reads the
// process environment only when asked to (cli.WithOsEnv) and a .env file only
// with cli.WithDotEnv, so neither is used here.
// Profiles name the optional services to load as well (e.g. "monitoring").
func loadCompose(t *testing.T, env []string, profiles ...string) (*types.Project, error) {
	t.Helper()
	opts, err := cli.NewProjectOptions(
		[]string{composeFile},
		cli.WithWorkingDirectory("."),
		cli.WithEnv(env),
		cli.WithName("reelview"),
		cli.WithProfiles(profiles),
	)
	if err != nil {
		t.Fatalf("compose options: %v", err)
	}
	return opts.LoadProject(context.Background())
}

func TestComposeFileIsValid(t *testing.T) {
	project, err := loadCompose(t, []string{"JWT_SECRET=" + testJWTSecret})
	if err != nil {
		t.Fatalf("load %s: %v", composeFile, err)
	}

	svc := func(name string) types.ServiceConfig {
		t.Helper()
		s, ok := project.Services[name]
		if !ok {
			t.Fatalf("service %q missing; have %v", name, slices.Sorted(maps.Keys(project.Services)))
		}
		return s
	}
	api, db, redis, migrate := svc("api"), svc("db"), svc("redis"), svc("migrate")

	if !strings.HasPrefix(db.Image, "postgres:16") {
		t.Errorf("db image = %q, want postgres:16*", db.Image)
	}
	if !strings.HasPrefix(redis.Image, "redis:7") {
		t.Errorf("redis image = %q, want redis:7*", redis.Image)
	}
	for _, s := range []types.ServiceConfig{db, redis} {
		if s.HealthCheck == nil || len(s.HealthCheck.Test) == 0 || s.HealthCheck.Disable {
			t.Errorf("service %q has no healthcheck", s.Name)
		}
	}

	wantDeps := map[string]string{
		"db":      types.ServiceConditionHealthy,
		"redis":   types.ServiceConditionHealthy,
		"migrate": types.ServiceConditionCompletedSuccessfully,
	}
	for dep, cond := range wantDeps {
		got, ok := api.DependsOn[dep]
		if !ok {
			t.Errorf("api does not depend on %q", dep)
			continue
		}
		if got.Condition != cond {
			t.Errorf("api depends_on %q condition = %q, want %q", dep, got.Condition, cond)
		}
	}
	if got, ok := migrate.DependsOn["db"]; !ok || got.Condition != types.ServiceConditionHealthy {
		t.Errorf("migrate depends_on db = %+v (present %v), want condition %s", got, ok, types.ServiceConditionHealthy)
	}

	if got, want := []string(migrate.Command), []string{"migrate", "up"}; !slices.Equal(got, want) {
		t.Errorf("migrate command = %q, want %q", got, want)
	}
	if got, want := []string(api.Command), []string{"serve"}; !slices.Equal(got, want) {
		t.Errorf("api command = %q, want %q", got, want)
	}

	envPrefixes := map[string]string{
		"DATABASE_URL": "postgres://",
		"REDIS_URL":    "redis://",
		"JWT_SECRET":   testJWTSecret,
	}
	for _, s := range []types.ServiceConfig{api, migrate} {
		for key, prefix := range envPrefixes {
			v := s.Environment[key]
			if v == nil || !strings.HasPrefix(*v, prefix) {
				t.Errorf("service %q env %s = %v, want prefix %q", s.Name, key, deref(v), prefix)
			}
		}
	}

	// The metrics listener is on its own port, reachable by the other
	// containers and never published on the host.
	if v := api.Environment["METRICS_ADDR"]; v == nil || *v != ":9464" {
		t.Errorf("api env METRICS_ADDR = %s, want :9464", deref(v))
	}
	if v := migrate.Environment["METRICS_ADDR"]; v != nil {
		t.Errorf("migrate env METRICS_ADDR = %s: it serves nothing", *v)
	}
	if !slices.Contains(api.Expose, "9464") {
		t.Errorf("api expose = %v, want 9464 (the metrics listener)", api.Expose)
	}
	if len(api.Ports) != 1 || api.Ports[0].Target != 8080 {
		t.Errorf("api ports = %+v, want 8080 only", api.Ports)
	}
	for _, s := range project.Services {
		if s.Name != "api" && len(s.Ports) > 0 {
			t.Errorf("service %q publishes %+v: only the API is published", s.Name, s.Ports)
		}
	}
	// Prometheus is optional: only with --profile monitoring.
	if _, ok := project.Services["prometheus"]; ok {
		t.Error("prometheus starts without --profile monitoring")
	}
	if _, ok := project.DisabledServices["prometheus"]; !ok {
		t.Error("no prometheus service under a profile")
	}

	t.Run("monitoring profile", func(t *testing.T) {
		project, err := loadCompose(t, []string{"JWT_SECRET=" + testJWTSecret}, "monitoring")
		if err != nil {
			t.Fatalf("load %s with --profile monitoring: %v", composeFile, err)
		}
		prom, ok := project.Services["prometheus"]
		if !ok {
			t.Fatalf("no prometheus service with --profile monitoring; have %v", slices.Sorted(maps.Keys(project.Services)))
		}
		if !strings.HasPrefix(prom.Image, "prom/prometheus:v3") {
			t.Errorf("prometheus image = %q, want a pinned prom/prometheus:v3.x", prom.Image)
		}
		for _, p := range prom.Ports {
			if p.HostIP != "127.0.0.1" {
				t.Errorf("prometheus publishes %+v beyond loopback", p)
			}
		}
		var config string
		for _, v := range prom.Volumes {
			if v.Target == "/etc/prometheus/prometheus.yml" {
				config = v.Source
			}
		}
		if config == "" {
			t.Fatalf("prometheus volumes %+v do not mount /etc/prometheus/prometheus.yml", prom.Volumes)
		}
		b, err := os.ReadFile(config) // compose-go made the bind source absolute
		if err != nil {
			t.Fatalf("the prometheus configuration: %v", err)
		}
		var cfg struct {
			ScrapeConfigs []struct {
				JobName     string `yaml:"job_name"`
				MetricsPath string `yaml:"metrics_path"`
				DNSSD       []struct {
					Names []string `yaml:"names"`
					Type  string   `yaml:"type"`
					Port  int      `yaml:"port"`
				} `yaml:"dns_sd_configs"`
				Static []struct {
					Targets []string `yaml:"targets"`
				} `yaml:"static_configs"`
			} `yaml:"scrape_configs"`
		}
		if err := yaml.Unmarshal(b, &cfg); err != nil {
			t.Fatalf("%s: %v", config, err)
		}
		scrapesAPI := false
		for _, sc := range cfg.ScrapeConfigs {
			if sc.MetricsPath != "" && sc.MetricsPath != "/metrics" {
				continue
			}
			for _, d := range sc.DNSSD {
				scrapesAPI = scrapesAPI || slices.Contains(d.Names, "api") && d.Port == 9464 && (d.Type == "" || d.Type == "A")
			}
			for _, st := range sc.Static {
				scrapesAPI = scrapesAPI || slices.Contains(st.Targets, "api:9464")
			}
		}
		if !scrapesAPI {
			t.Errorf("%s does not scrape api:9464/metrics: %+v", config, cfg.ScrapeConfigs)
		}
	})

	t.Run("missing JWT_SECRET fails", func(t *testing.T) {
		// A valid secret in the process environment must not leak into the
		// load: only the explicit env list counts.
		t.Setenv("JWT_SECRET", testJWTSecret)

		_, err := loadCompose(t, nil)
		if err == nil {
			t.Fatal("loading without JWT_SECRET succeeded, want an error")
		}
		if !strings.Contains(err.Error(), "JWT_SECRET") {
			t.Fatalf("error does not mention JWT_SECRET: %v", err)
		}
	})
}

func deref(p *string) string {
	if p == nil {
		return "<unset>"
	}
	return *p
}

// offlineResolver stands in for a registry: every base image "exists" and has
// a config for the requested platform, so linting never touches the network.
type offlineResolver struct{}

func (offlineResolver) ResolveImageConfig(_ context.Context, ref string, opt sourceresolver.Opt) (string, digest.Digest, []byte, error) {
	goos, goarch := "linux", "amd64"
	if opt.ImageOpt != nil && opt.ImageOpt.Platform != nil {
		goos, goarch = opt.ImageOpt.Platform.OS, opt.ImageOpt.Platform.Architecture
	}
	cfg, err := json.Marshal(map[string]any{
		"os":           goos,
		"architecture": goarch,
		"config":       map[string]any{"Env": []string{"PATH=/usr/local/bin:/usr/bin:/bin"}},
		"rootfs": map[string]any{
			"type":     "layers",
			"diff_ids": []string{digest.FromString(ref).String()},
		},
	})
	return ref, digest.FromString("manifest:" + ref), cfg, err
}

func TestDockerfileLints(t *testing.T) {
	dt, err := os.ReadFile(dockerfilePath)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("buildkit lint", func(t *testing.T) {
		sm := llb.NewSourceMap(nil, dockerfilePath, "Dockerfile", dt)
		// LintResults.AddSource calls Definition.ToPB(), which dereferences it.
		sm.Definition = &llb.Definition{}

		res, err := dockerfile2llb.DockerfileLint(context.Background(), dt, dockerfile2llb.ConvertOpt{
			SourceMap:    sm,
			MetaResolver: offlineResolver{},
		})
		if err != nil {
			t.Fatalf("lint: %v", err)
		}
		for _, w := range res.Warnings {
			var buf bytes.Buffer
			_ = w.PrintTo(&buf, res.Sources, nil)
			t.Errorf("lint warning:%s", buf.String())
		}
		if res.Error != nil {
			t.Errorf("lint error: %s", res.Error.Message)
		}
	})

	t.Run("structure", func(t *testing.T) {
		ast, err := parser.Parse(bytes.NewReader(dt))
		if err != nil {
			t.Fatalf("parse: %v", err)
		}
		stages, metaArgs, err := instructions.Parse(ast.AST, nil)
		if err != nil {
			t.Fatalf("instructions: %v", err)
		}
		if len(stages) < 2 {
			t.Fatalf("want a multi-stage build, got %d stage(s)", len(stages))
		}
		build, final := stages[0], stages[len(stages)-1]

		if base := final.BaseName; base != "scratch" && !strings.Contains(base, "distroless") {
			t.Errorf("final stage base = %q, want distroless or scratch", base)
		}

		var (
			user        string
			healthcheck []string
			args        = map[string]bool{}
		)
		for _, a := range metaArgs {
			for _, kv := range a.Args {
				args[kv.Key] = true
			}
		}
		for _, st := range stages {
			for _, cmd := range st.Commands {
				if a, ok := cmd.(*instructions.ArgCommand); ok {
					for _, kv := range a.Args {
						args[kv.Key] = true
					}
				}
			}
		}
		for _, cmd := range final.Commands {
			switch c := cmd.(type) {
			case *instructions.UserCommand:
				user = c.User // the last USER wins
			case *instructions.HealthCheckCommand:
				healthcheck = c.Health.Test
			}
		}

		// The offline resolver accepts any image name, so a mistyped
		// COPY --from=<stage> would lint clean; check stage references here.
		var seen []string
		for _, st := range stages {
			for _, cmd := range st.Commands {
				if c, ok := cmd.(*instructions.CopyCommand); ok && c.From != "" && !slices.Contains(seen, strings.ToLower(c.From)) {
					t.Errorf("COPY --from=%s in stage %q does not name an earlier stage %v", c.From, st.Name, seen)
				}
			}
			seen = append(seen, st.Name)
		}

		name, _, _ := strings.Cut(user, ":")
		if name == "" || name == "root" || name == "0" {
			t.Errorf("final stage USER = %q, want a non-root user", user)
		}
		if !slices.Contains(healthcheck, "healthcheck") {
			t.Errorf("final stage HEALTHCHECK = %q, want it to run `healthcheck`", healthcheck)
		}

		cgoOff := false
		for _, cmd := range build.Commands {
			switch c := cmd.(type) {
			case *instructions.RunCommand:
				cgoOff = cgoOff || strings.Contains(strings.Join(c.CmdLine, " "), "CGO_ENABLED=0")
			case *instructions.EnvCommand:
				for _, kv := range c.Env {
					cgoOff = cgoOff || (kv.Key == "CGO_ENABLED" && kv.Value == "0")
				}
			}
		}
		if !cgoOff {
			t.Errorf("build stage %q does not set CGO_ENABLED=0", build.Name)
		}

		for _, a := range []string{"VERSION", "COMMIT"} {
			if !args[a] {
				t.Errorf("ARG %s missing", a)
			}
		}
	})
}
