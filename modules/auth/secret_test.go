package auth_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"go.uber.org/fx"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/reelview/reelview/app/apptest"
	"github.com/reelview/reelview/config"
)

// repoStrings returns every string of 16 bytes or more written in the
// repository: the string literals of its Go files, and the words, values
// and lines of its other text files.
func repoStrings(t *testing.T) map[string]bool {
	t.Helper()
	root := filepath.Join("..", "..")
	out := map[string]bool{}
	add := func(s string) {
		if s = strings.TrimSpace(s); len(s) >= 16 && len(s) <= 4096 {
			out[s] = true
		}
	}
	split := regexp.MustCompile("[\\s\"'`=,;:()\\[\\]{}<>]+")
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case ".git", "node_modules", "data":
				return filepath.SkipDir
			}
			return nil
		}
		info, err := d.Info()
		if err != nil || info.Size() > 4<<20 || !info.Mode().IsRegular() {
			return err
		}
		b, err := os.ReadFile(path) //nolint:gosec // the repository's own files
		if err != nil || bytes.IndexByte(b, 0) >= 0 {
			return err // binary files hold no secret one would copy
		}
		if strings.HasSuffix(path, ".go") {
			f, err := parser.ParseFile(token.NewFileSet(), path, b, parser.SkipObjectResolution)
			if err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
			ast.Inspect(f, func(n ast.Node) bool {
				if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
					if s, err := strconv.Unquote(lit.Value); err == nil {
						add(s)
					}
				}
				return true
			})
			return nil
		}
		for _, line := range strings.Split(string(b), "\n") {
			add(line)
			for _, w := range split.Split(line, -1) {
				add(w)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) < 1000 {
		t.Fatalf("only %d strings found: the walk is broken", len(out))
	}
	return out
}

// forge signs the claims of a real access token, with role ADMIN, with key.
func forge(t *testing.T, access string, key []byte) string {
	t.Helper()
	parsed, _, err := jwt.NewParser().ParseUnverified(access, jwt.MapClaims{})
	if err != nil {
		t.Fatal(err)
	}
	c := parsed.Claims.(jwt.MapClaims)
	c["role"] = "ADMIN"
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Without JWT_SECRET (as `go run ./app` starts), the server signs with a
// secret of its own: a token signed with any string of the repository is
// refused, even when it names a live admin session.
func TestNoSigningSecretIsWrittenAnywhere(t *testing.T) {
	t.Parallel()
	cfg := apptest.Config(t)
	cfg.Auth.JWTSecret = config.Default().Auth.JWTSecret // what `go run ./app` gets without JWT_SECRET
	a := apptest.NewWithConfig(t, cfg, modules...)
	admin := apptest.SignUpAdmin(t, a)
	secret, err := os.ReadFile(filepath.Join(cfg.DataDir, "jwt_secret"))
	if err != nil {
		t.Fatal(err)
	}
	// The forgery is right: with the server's real secret it passes.
	apptest.AssertStatus(t, apptest.Do(t, a.App, "GET", "/api/v1/admin/users", forge(t, admin.Access, bytes.TrimSpace(secret)), ""), 200)
	candidates := repoStrings(t)
	t.Logf("%d strings of the repository tried as the signing secret", len(candidates))
	for s := range candidates {
		res := apptest.Do(t, a.App, "GET", "/api/v1/admin/users", forge(t, admin.Access, []byte(s)), "")
		if res.Status != 401 {
			t.Fatalf("a token signed with %q from the repository got %d", s, res.Status)
		}
	}
}

// The generated secret is kept in DATA_DIR with mode 0600, logged, and
// reused by the next start, so that its tokens stay valid.
func TestGeneratedSigningSecretSurvivesRestart(t *testing.T) {
	t.Parallel()
	cfg := apptest.Config(t)
	cfg.Auth.JWTSecret = config.Default().Auth.JWTSecret // unset
	core, logs := observer.New(zapcore.InfoLevel)
	logTo := fx.Decorate(func() *zap.Logger { return zap.New(core) })
	first := apptest.NewWithConfig(t, cfg, append(modules, logTo)...)
	path := filepath.Join(cfg.DataDir, "jwt_secret")
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("secret file mode %v, want 0600", st.Mode().Perm())
	}
	secret, _ := os.ReadFile(path)
	if len(bytes.TrimSpace(secret)) != 64 {
		t.Errorf("secret file holds %d bytes, want 64 (32 random bytes in hex)", len(bytes.TrimSpace(secret)))
	}
	if n := logs.FilterMessageSnippet("generated a random token signing secret").FilterField(zap.String("file", path)).Len(); n != 1 {
		t.Errorf("%d log lines of the generation, want 1: %v", n, logs.All())
	}
	acc := apptest.SignUp(t, first.App)
	first.Stop()

	second := apptest.NewWithConfig(t, cfg, append(modules, logTo)...)
	again, _ := os.ReadFile(path)
	if !bytes.Equal(secret, again) {
		t.Fatal("the restart replaced the secret")
	}
	if n := logs.FilterMessageSnippet("signing tokens with the secret saved in DATA_DIR").Len(); n != 1 {
		t.Errorf("%d log lines of the reuse, want 1", n)
	}
	apptest.AssertStatus(t, me(t, second, acc.Access), 200)
	res, p := refresh(t, second, acc.Refresh)
	apptest.AssertStatus(t, res, 200)
	apptest.AssertStatus(t, me(t, second, p.AccessToken), 200)
}

// A token signed with the server's own secret, of a live session, but with
// its role edited, reaches no admin route: the role is the session's, kept
// by the server. That holds for a token this process already saw (cached)
// and for one it did not.
func TestEditedRoleIsRefused(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	acc := apptest.SignUp(t, a.App)
	key := []byte(a.Config.Auth.JWTSecret)
	apptest.AssertStatus(t, me(t, a, acc.Access), 200) // cached as active
	sameJTI := forge(t, acc.Access, key)
	apptest.AssertError(t, apptest.Do(t, a.App, "GET", "/api/v1/admin/users", sameJTI, ""), 401, "TOKEN_INVALID")

	parsed, _, _ := jwt.NewParser().ParseUnverified(acc.Access, jwt.MapClaims{})
	c := parsed.Claims.(jwt.MapClaims)
	c["role"], c["jti"], c["iat"] = "ADMIN", base64.RawURLEncoding.EncodeToString([]byte("a fresh token id")), time.Now().Unix()
	fresh, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(key)
	apptest.AssertError(t, apptest.Do(t, a.App, "GET", "/api/v1/admin/users", fresh, ""), 401, "TOKEN_INVALID")
	apptest.AssertError(t, me(t, a, fresh), 401, "TOKEN_INVALID")
	// The genuine token still works, as a USER.
	apptest.AssertStatus(t, me(t, a, acc.Access), 200)
	apptest.AssertError(t, apptest.Do(t, a.App, "GET", "/api/v1/admin/users", acc.Access, ""), 403, "FORBIDDEN")
}

// Promotion and demotion end the account's sessions: a token of before
// keeps neither the old role nor gains the new one; signing in again gives
// the new role.
func TestRoleChangesEndSessions(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	admin := apptest.SignUpAdmin(t, a)
	acc := apptest.SignUp(t, a.App)
	setRole := func(role string) {
		t.Helper()
		apptest.AssertStatus(t, apptest.Do(t, a.App, "PATCH", fmt.Sprintf("/api/v1/admin/users/%d/role", acc.ID), admin.Access,
			fmt.Sprintf(`{"role":%q}`, role)), 200)
	}
	setRole("ADMIN")
	apptest.AssertError(t, apptest.Do(t, a.App, "GET", "/api/v1/admin/users", acc.Access, ""), 401, "TOKEN_INVALID")
	res, _ := refresh(t, a, acc.Refresh)
	apptest.AssertError(t, res, 401, "TOKEN_INVALID")
	promoted, _ := apptest.Login(t, a.App, acc.Email, acc.Password)
	apptest.AssertStatus(t, apptest.Do(t, a.App, "GET", "/api/v1/admin/users", promoted, ""), 200)
	var claims struct{ Role string }
	part := strings.Split(promoted, ".")[1]
	b, _ := base64.RawURLEncoding.DecodeString(part)
	_ = json.Unmarshal(b, &claims)
	if claims.Role != "ADMIN" {
		t.Errorf("new token claims %q", claims.Role)
	}
	setRole("USER")
	apptest.AssertError(t, apptest.Do(t, a.App, "GET", "/api/v1/admin/users", promoted, ""), 401, "TOKEN_INVALID")
	if _, err := a.DB.Ent.User.Get(context.Background(), acc.ID); err != nil {
		t.Fatal(err)
	}
}
