package auth

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"go.uber.org/zap"

	"github.com/reelview/reelview/config"
)

// secretFileName is the file in DATA_DIR that keeps the signing secret
// generated when JWT_SECRET is not set (never in production, which requires
// JWT_SECRET).
const secretFileName = "jwt_secret"

// minGeneratedSecret is the length of a generated secret file's content:
// 32 random bytes, hex-encoded.
const minGeneratedSecret = 64

// signingSecret returns JWT_SECRET or, when it is unset, the secret kept in
// DATA_DIR/jwt_secret, generated (32 random bytes, file mode 0600) on the
// first start, so that tokens stay verifiable across restarts. There is no built-in
// secret: a token forged with any string published anywhere is refused.
func signingSecret(c config.Config, log *zap.Logger) ([]byte, error) {
	if c.Auth.JWTSecret != "" {
		return []byte(c.Auth.JWTSecret), nil
	}
	if c.Env == config.Production {
		return nil, errors.New("JWT_SECRET: is required when APP_ENV=production")
	}
	path := filepath.Join(c.DataDir, secretFileName)
	secret, err := readSecret(path, log)
	if !errors.Is(err, fs.ErrNotExist) {
		return secret, err
	}
	if err := os.MkdirAll(c.DataDir, 0o750); err != nil {
		return nil, fmt.Errorf("JWT_SECRET is not set and %s cannot be created: %w", path, err)
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return nil, fmt.Errorf("auth: no randomness: %w", err)
	}
	secret = []byte(hex.EncodeToString(b))
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) { // another process of this DATA_DIR was first
		return readSecret(path, log)
	}
	if err != nil {
		return nil, fmt.Errorf("JWT_SECRET is not set and %s cannot be created: %w", path, err)
	}
	_, err = f.Write(append(secret, '\n'))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(path)
		return nil, fmt.Errorf("JWT_SECRET is not set and %s cannot be written: %w", path, err)
	}
	log.Warn("JWT_SECRET is not set: generated a random token signing secret and saved it for the next starts; "+
		"set JWT_SECRET to share one secret between replicas (production requires it)", zap.String("file", path))
	return secret, nil
}

// readSecret reads a generated secret file.
func readSecret(path string, log *zap.Logger) ([]byte, error) {
	b, err := os.ReadFile(path) //nolint:gosec // DATA_DIR is the operator's configuration
	if err != nil {
		return nil, err
	}
	secret := strings.TrimSpace(string(b))
	if len(secret) < minGeneratedSecret {
		return nil, fmt.Errorf("JWT_SECRET is not set and %s holds no valid secret (%d bytes); "+
			"delete it to generate a new one (signing everyone out) or set JWT_SECRET", path, len(secret))
	}
	if st, err := os.Stat(path); err == nil && st.Mode().Perm()&0o077 != 0 {
		log.Warn("the token signing secret file is readable by others; chmod 600 it", zap.String("file", path))
	}
	log.Info("JWT_SECRET is not set: signing tokens with the secret saved in DATA_DIR", zap.String("file", path))
	return []byte(secret), nil
}
