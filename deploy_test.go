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
func loadCompose(t *testing.T, env []string) (*types.Project, error) {
	t.Helper()
	opts, err := cli.NewProjectOptions(
		[]string{composeFile},
		cli.WithWorkingDirectory("."),
		cli.WithEnv(env),
		cli.WithName("reelview"),
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
