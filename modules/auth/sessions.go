package auth

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/reelview/reelview/app/cache"
	"github.com/reelview/reelview/config"
)

// Sessions keeps sign-in sessions in Redis. Each session is a hash under
// refresh:{user_id}:{session_id} holding the SHA-256 of its current refresh
// token and its metadata; refresh:{user_id}:{session_id}:used remembers the
// hashes of rotated tokens (reuse detection); sessions:{user_id} indexes the
// session ids of a user; denied_jti:{jti} deny-lists an access token until it
// expires. Redis is the truth, so any replica can verify, rotate or end any
// session; each process only remembers for SESSION_CACHE_TTL which access
// tokens it found active (activeCache), and every end of a session is
// published to all of them.
type Sessions struct {
	rdb   *cache.Redis
	ttl   time.Duration
	grace time.Duration // REFRESH_REUSE_GRACE
	now   func() time.Time
	cache *activeCache // nil when SESSION_CACHE_TTL is 0
}

// NewSessions returns the session store.
func NewSessions(rdb *cache.Redis, c config.Auth) *Sessions {
	return &Sessions{rdb: rdb, ttl: c.RefreshTokenTTL, grace: c.RefreshReuseGrace, now: time.Now,
		cache: newActiveCache(c.SessionCacheTTL)}
}

// Meta describes the client of a session.
type Meta struct {
	UserAgent string
	IP        string
}

// Session is one sign-in session, as its owner sees it.
type Session struct {
	ID         string
	CreatedAt  time.Time
	LastUsedAt time.Time
	UserAgent  string
	IP         string
}

func (s *Sessions) key(uid int, sid string) string {
	return s.rdb.Key("refresh", strconv.Itoa(uid), sid)
}
func (s *Sessions) usedKey(uid int, sid string) string { return s.key(uid, sid) + ":used" }
func (s *Sessions) indexKey(uid int) string            { return s.rdb.Key("sessions", strconv.Itoa(uid)) }
func (s *Sessions) deniedKey(jti string) string        { return s.rdb.Key("denied_jti", jti) }

// refreshToken is "{user_id}.{session_id}.{secret}": opaque to clients; the
// ids let any replica find the session, the 256-bit secret proves possession.
func newRefreshToken(uid int, sid string) string {
	return strconv.Itoa(uid) + "." + sid + "." + randomID(32)
}

func parseRefreshToken(tok string) (uid int, sid string, ok bool) {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 || len(parts[2]) != 43 || len(parts[1]) != 22 || len(tok) > 128 {
		return 0, "", false
	}
	uid, err := strconv.Atoi(parts[0])
	if err != nil || uid <= 0 {
		return 0, "", false
	}
	return uid, parts[1], true
}

func hashToken(tok string) string {
	h := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(h[:])
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// Create starts a session for uid with the account's role and returns its
// id and refresh token. The role kept here, not the one an access token
// claims, is what a request of the session is allowed (Active).
func (s *Sessions) Create(ctx context.Context, uid int, role string, m Meta) (sid, refresh string, err error) {
	sid = randomID(16)
	refresh = newRefreshToken(uid, sid)
	now := strconv.FormatInt(s.now().UnixMilli(), 10)
	_, err = s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, s.key(uid, sid), "hash", hashToken(refresh), "role", role, "created_at", now, "last_used_at", now,
			"user_agent", truncate(m.UserAgent, 256), "ip", m.IP)
		p.PExpire(ctx, s.key(uid, sid), s.ttl)
		p.SAdd(ctx, s.indexKey(uid), sid)
		p.PExpire(ctx, s.indexKey(uid), s.ttl)
		return nil
	})
	if err != nil {
		return "", "", fmt.Errorf("auth: create session: %w", err)
	}
	return sid, refresh, nil
}

// rotate swaps the session's refresh token hash atomically and remembers,
// for the reuse grace window, which token it replaced, when, and the
// successor pair sealed with a key only that token gives (seal). Results:
// {"ok"}; {"grace", sealed} (the token just replaced, within the window: its
// successor pair again, nothing changes); "reuse" (an already-rotated token
// past the window: the session is ended); "invalid"; "missing" (no such
// session).
var rotate = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return {'missing'} end
local cur = redis.call('HGET', KEYS[1], 'hash')
if cur == ARGV[1] then
  redis.call('HSET', KEYS[1], 'hash', ARGV[2], 'last_used_at', ARGV[3], 'user_agent', ARGV[5], 'ip', ARGV[6],
    'role', ARGV[9], 'prev', ARGV[1], 'prev_at', ARGV[3], 'next', ARGV[10])
  redis.call('SADD', KEYS[2], ARGV[1])
  redis.call('PEXPIRE', KEYS[1], ARGV[4])
  redis.call('PEXPIRE', KEYS[2], ARGV[4])
  redis.call('PEXPIRE', KEYS[3], ARGV[4])
  return {'ok'}
end
local grace = tonumber(ARGV[11])
if grace > 0 and redis.call('HGET', KEYS[1], 'prev') == ARGV[1] then
  local age = tonumber(ARGV[3]) - tonumber(redis.call('HGET', KEYS[1], 'prev_at') or '0')
  if age >= 0 and age <= grace then
    return {'grace', redis.call('HGET', KEYS[1], 'next') or ''}
  end
end
if redis.call('SISMEMBER', KEYS[2], ARGV[1]) == 1 then
  redis.call('DEL', KEYS[1], KEYS[2])
  redis.call('SREM', KEYS[3], ARGV[7])
  redis.call('PUBLISH', KEYS[4], ARGV[8])
  return {'reuse'}
end
return {'invalid'}
`)

// Errors of Rotate.
var (
	errReuse   = errors.New("refresh token reused")
	errNoMatch = errors.New("refresh token unknown")
)

// Successor is the token pair that replaces a refresh token.
type Successor struct {
	Refresh string
	Access  string
}

// Rotate exchanges the refresh token tok for next, a pair of the same
// session (next.Refresh from NextRefreshToken), which from now on has role
// (the account's, read again). The old token dies. Presenting it again
// within REFRESH_REUSE_GRACE of its rotation (two tabs refreshing at once)
// returns the same successor pair, not a new one; presenting it later, or
// any older token, ends the session (reuse detection) and returns errReuse.
// Of concurrent rotations with one token exactly one rotates; within the
// window the others get its pair.
func (s *Sessions) Rotate(ctx context.Context, tok, role string, next Successor, m Meta) (uid int, sid string, got Successor, err error) {
	uid, sid, ok := parseRefreshToken(tok)
	if !ok {
		return 0, "", Successor{}, errNoMatch
	}
	sealed, err := seal(tok, next)
	if err != nil {
		return 0, "", Successor{}, err
	}
	ended := sessionRevoked(uid, sid)
	res, err := rotate.Run(ctx, s.rdb,
		[]string{s.key(uid, sid), s.usedKey(uid, sid), s.indexKey(uid), s.revocations()},
		hashToken(tok), hashToken(next.Refresh), s.now().UnixMilli(), s.ttl.Milliseconds(),
		truncate(m.UserAgent, 256), m.IP, sid, ended, role, sealed, s.grace.Milliseconds()).StringSlice()
	if err != nil {
		return 0, "", Successor{}, fmt.Errorf("auth: rotate session: %w", err)
	}
	switch res[0] {
	case "ok":
		return uid, sid, next, nil
	case "grace":
		if len(res) < 2 {
			return 0, "", Successor{}, errNoMatch
		}
		prev, err := unseal(tok, res[1])
		if err != nil {
			return 0, "", Successor{}, errNoMatch
		}
		return uid, sid, prev, nil
	case "reuse":
		s.forget(ended)
		return uid, sid, Successor{}, errReuse
	default:
		return 0, "", Successor{}, errNoMatch
	}
}

// NextRefreshToken returns a new refresh token of the session tok belongs
// to, for Rotate; false when tok is malformed.
func NextRefreshToken(tok string) (uid int, sid, next string, ok bool) {
	uid, sid, ok = parseRefreshToken(tok)
	if !ok {
		return 0, "", "", false
	}
	return uid, sid, newRefreshToken(uid, sid), true
}

// sealKey is the AES-256 key of the successor pair of refresh token tok:
// only a holder of tok can read the pair kept for its grace window (Redis
// keeps only the token's hash, which is another digest).
func sealKey(tok string) []byte {
	k := sha256.Sum256([]byte("reelview refresh successor v1\x00" + tok))
	return k[:]
}

// seal encrypts next with AES-GCM under tok's key, bound to tok's session.
func seal(tok string, next Successor) (string, error) {
	gcm, err := successorAEAD(tok)
	if err != nil {
		return "", err
	}
	nonce := make([]byte, gcm.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("auth: no randomness: %w", err)
	}
	plain := next.Refresh + "\n" + next.Access
	out := gcm.Seal(nonce, nonce, []byte(plain), sessionOf(tok))
	return base64.RawStdEncoding.EncodeToString(out), nil
}

// unseal is the inverse of seal.
func unseal(tok, sealed string) (Successor, error) {
	gcm, err := successorAEAD(tok)
	if err != nil {
		return Successor{}, err
	}
	b, err := base64.RawStdEncoding.DecodeString(sealed)
	if err != nil || len(b) < gcm.NonceSize() {
		return Successor{}, errNoMatch
	}
	plain, err := gcm.Open(nil, b[:gcm.NonceSize()], b[gcm.NonceSize():], sessionOf(tok))
	if err != nil {
		return Successor{}, errNoMatch
	}
	refresh, access, ok := strings.Cut(string(plain), "\n")
	if !ok {
		return Successor{}, errNoMatch
	}
	return Successor{Refresh: refresh, Access: access}, nil
}

func successorAEAD(tok string) (cipher.AEAD, error) {
	block, err := aes.NewCipher(sealKey(tok))
	if err != nil {
		return nil, fmt.Errorf("auth: seal: %w", err)
	}
	return cipher.NewGCM(block)
}

// sessionOf is the "{user_id}.{session_id}" part of a refresh token.
func sessionOf(tok string) []byte {
	i := strings.LastIndexByte(tok, '.')
	if i < 0 {
		return nil
	}
	return []byte(tok[:i])
}

// Active reports whether the session exists and the access token jti is not
// deny-listed, and returns the role the session was given by the server
// ("" for a session started before roles were kept): one round trip,
// unless this process found the token active within SESSION_CACHE_TTL and
// has heard of no revocation since.
func (s *Sessions) Active(ctx context.Context, uid int, sid, jti string) (role string, ok bool, err error) {
	if s.cache == nil {
		return s.activeInRedis(ctx, uid, sid, jti)
	}
	if role, ok := s.cache.active(uid, sid, jti); ok {
		return role, true, nil
	}
	gen := s.cache.generation.Load()
	role, ok, err = s.activeInRedis(ctx, uid, sid, jti)
	if ok {
		s.cache.keep(gen, uid, sid, jti, role)
	}
	return role, ok, err
}

func (s *Sessions) activeInRedis(ctx context.Context, uid int, sid, jti string) (string, bool, error) {
	var session *redis.SliceCmd
	var denied *redis.IntCmd
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		session = p.HMGet(ctx, s.key(uid, sid), "hash", "role")
		denied = p.Exists(ctx, s.deniedKey(jti))
		return nil
	})
	if err != nil {
		return "", false, fmt.Errorf("auth: check session: %w", err)
	}
	v := session.Val()
	role, _ := v[1].(string)
	return role, v[0] != nil && denied.Val() == 0, nil
}

// Deny refuses the access token jti until it expires.
func (s *Sessions) Deny(ctx context.Context, jti string, until time.Time) error {
	ttl := time.Until(until)
	if ttl <= 0 {
		return nil
	}
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, s.deniedKey(jti), 1, ttl)
		s.publish(ctx, p, tokenRevoked(jti))
		return nil
	})
	s.forget(tokenRevoked(jti))
	if err != nil {
		return fmt.Errorf("auth: deny token: %w", err)
	}
	return nil
}

// List returns the live sessions of uid, most recently used first.
func (s *Sessions) List(ctx context.Context, uid int) ([]Session, error) {
	ids, err := s.rdb.SMembers(ctx, s.indexKey(uid)).Result()
	if err != nil {
		return nil, fmt.Errorf("auth: list sessions: %w", err)
	}
	cmds := make([]*redis.MapStringStringCmd, len(ids))
	_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range ids {
			cmds[i] = p.HGetAll(ctx, s.key(uid, id))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("auth: list sessions: %w", err)
	}
	var out []Session
	var stale []any
	for i, id := range ids {
		h := cmds[i].Val()
		if len(h) == 0 { // expired since it was indexed
			stale = append(stale, id)
			continue
		}
		out = append(out, Session{ID: id, CreatedAt: millis(h["created_at"]), LastUsedAt: millis(h["last_used_at"]),
			UserAgent: h["user_agent"], IP: h["ip"]})
	}
	if len(stale) > 0 {
		_ = s.rdb.SRem(ctx, s.indexKey(uid), stale...).Err()
	}
	sort.Slice(out, func(i, j int) bool { return out[i].LastUsedAt.After(out[j].LastUsedAt) })
	return out, nil
}

func millis(v string) time.Time {
	n, _ := strconv.ParseInt(v, 10, 64)
	return time.UnixMilli(n).UTC()
}

// End ends one session of uid; false when uid has no such session.
func (s *Sessions) End(ctx context.Context, uid int, sid string) (bool, error) {
	var del *redis.IntCmd
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		del = p.Del(ctx, s.key(uid, sid))
		p.Del(ctx, s.usedKey(uid, sid))
		p.SRem(ctx, s.indexKey(uid), sid)
		s.publish(ctx, p, sessionRevoked(uid, sid))
		return nil
	})
	s.forget(sessionRevoked(uid, sid))
	if err != nil {
		return false, fmt.Errorf("auth: end session: %w", err)
	}
	return del.Val() == 1, nil
}

// EndAll ends every session of uid except keep (none when keep is empty): its
// access tokens stop working on the next request, its refresh tokens die.
func (s *Sessions) EndAll(ctx context.Context, uid int, keep string) error {
	ids, err := s.rdb.SMembers(ctx, s.indexKey(uid)).Result()
	if err != nil {
		return fmt.Errorf("auth: end sessions: %w", err)
	}
	var ended []string
	if keep == "" {
		ended = []string{userRevoked(uid)} // sessions not in the index too
	}
	_, err = s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		for _, id := range ids {
			if id == keep {
				continue
			}
			p.Del(ctx, s.key(uid, id), s.usedKey(uid, id))
			p.SRem(ctx, s.indexKey(uid), id)
			if keep != "" {
				ended = append(ended, sessionRevoked(uid, id))
			}
		}
		s.publish(ctx, p, ended...)
		return nil
	})
	s.forget(ended...)
	if err != nil {
		return fmt.Errorf("auth: end sessions: %w", err)
	}
	return nil
}
