package social

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	entsql "entgo.io/ent/dialect/sql"

	"github.com/reelview/reelview/app/database"
	"github.com/reelview/reelview/ent"
	"github.com/reelview/reelview/ent/block"
	"github.com/reelview/reelview/ent/follow"
	"github.com/reelview/reelview/ent/predicate"
	"github.com/reelview/reelview/ent/user"
	"github.com/reelview/reelview/modules/lists"
	"github.com/reelview/reelview/modules/reviews"
)

// Service holds the rules of follows, follow requests, blocks and the feed.
type Service struct {
	*Graph
	sql      *sql.DB
	postgres bool
	reviews  *reviews.Service
	lists    *lists.Service
}

// NewService returns the social service.
func NewService(db *database.DB, g *Graph, r *reviews.Service, l *lists.Service) *Service {
	return &Service{Graph: g, sql: db.SQL, postgres: db.Postgres(), reviews: r, lists: l}
}

// Graph reads the social graph for other modules: who blocked whom
// (reviews.Blocks) and follow counts (users.Follows). It depends on the
// database only, so the modules that use it may be dependencies of Service.
type Graph struct {
	db    *ent.Client
	inbox *Inbox
}

// NewGraph returns the graph reader; it keeps the feed's inboxes in step
// with the follows it approves.
func NewGraph(db *ent.Client, in *Inbox) *Graph { return &Graph{db: db, inbox: in} }

// Follow statuses.
const (
	StatusActive  = "ACTIVE"
	StatusPending = "PENDING"
)

func nowUTC() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// liveUser loads a live account; ErrUserNotFound otherwise.
func (s *Service) liveUser(ctx context.Context, id int) (*ent.User, error) {
	u, err := s.db.User.Get(ctx, id) // soft-deleted accounts are not found
	if ent.IsNotFound(err) {
		return nil, ErrUserNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("social: user: %w", err)
	}
	return u, nil
}

// blockedEitherWay reports whether a blocked b or b blocked a.
func (s *Graph) blockedEitherWay(ctx context.Context, c *ent.BlockClient, a, b int) (bool, error) {
	ok, err := c.Query().Where(block.Or(
		block.And(block.BlockerID(a), block.BlockedID(b)),
		block.And(block.BlockerID(b), block.BlockedID(a)))).Exist(ctx)
	if err != nil {
		return false, fmt.Errorf("social: blocks: %w", err)
	}
	return ok, nil
}

// Follow makes me follow target: at once for a public account, as a
// PENDING request for a private one. Idempotent: an existing follow or
// request stays as it is. It returns the follow's status. Errors:
// ErrSelf, ErrUserNotFound, ErrBlocked.
func (s *Service) Follow(ctx context.Context, me, target int) (string, error) {
	if me == target {
		return "", ErrSelf
	}
	var status string
	err := database.WithTx(ctx, s.db, func(tx *ent.Tx) error {
		u, err := s.lockPair(ctx, tx, me, target)
		if err != nil {
			return err
		}
		blocked, err := s.blockedEitherWay(ctx, tx.Block, me, target)
		if err != nil {
			return err
		}
		if blocked {
			return ErrBlocked
		}
		status = StatusActive
		if u.Private {
			status = StatusPending
		}
		// The unique (follower, followee) index makes concurrent follows
		// one row: the follower count is exact.
		if _, err := tx.ExecContext(ctx, `INSERT INTO follows (follower_id, followee_id, status, created_at)
			VALUES ($1, $2, $3, $4) ON CONFLICT (follower_id, followee_id) DO NOTHING`,
			me, target, status, nowUTC()); err != nil {
			return fmt.Errorf("social: follow: %w", err)
		}
		f, err := tx.Follow.Query().Where(follow.FollowerID(me), follow.FolloweeID(target)).Only(ctx)
		if err != nil {
			return fmt.Errorf("social: follow: %w", err)
		}
		status = string(f.Status)
		return s.inbox.follow(ctx, tx, me, target)
	})
	return status, err
}

// lockPair serializes the follow and block transactions of two accounts,
// so that no follow made beside a block survives it, and a follow sees
// the target's private flag as PATCH /users/me last committed it. On
// PostgreSQL it locks both user rows, lower id first (the same order in
// every transaction: no deadlock), FOR NO KEY UPDATE so that rows
// referencing the users (follows, reviews) can still be inserted; SQLite
// runs one writing transaction at a time already. It returns target's row;
// ErrUserNotFound when target is not a live account.
func (s *Service) lockPair(ctx context.Context, tx *ent.Tx, me, target int) (*ent.User, error) {
	q := tx.User.Query().Where(user.IDIn(me, target)).Order(ent.Asc(user.FieldID)) // deleted accounts are not found
	var (
		rows []*ent.User
		err  error
	)
	if s.postgres {
		rows, err = q.Modify(func(sel *entsql.Selector) { sel.For(entsql.LockNoKeyUpdate) }).All(ctx)
	} else {
		rows, err = q.All(ctx)
	}
	if err != nil {
		return nil, fmt.Errorf("social: lock users: %w", err)
	}
	for _, u := range rows {
		if u.ID == target {
			return u, nil
		}
	}
	return nil, ErrUserNotFound
}

// ApprovePending implements users.Follows: it turns every pending request
// to follow userID into a follow, inside tx (the transaction that makes
// the account public).
func (s *Graph) ApprovePending(ctx context.Context, tx *ent.Tx, userID int) error {
	pending, err := tx.Follow.Query().Where(follow.FolloweeID(userID), follow.StatusEQ(follow.StatusPENDING)).All(ctx)
	if err != nil || len(pending) == 0 {
		return err
	}
	_, err = tx.Follow.Update().Where(follow.FolloweeID(userID), follow.StatusEQ(follow.StatusPENDING)).
		SetStatus(follow.StatusACTIVE).Save(ctx)
	if err != nil {
		return fmt.Errorf("social: approve pending: %w", err)
	}
	for _, f := range pending {
		if err := s.inbox.follow(ctx, tx, f.FollowerID, userID); err != nil {
			return err
		}
	}
	return nil
}

// Unfollow ends me's follow of target, or withdraws the request.
// Idempotent. ErrUserNotFound for an unknown account.
func (s *Service) Unfollow(ctx context.Context, me, target int) error {
	if _, err := s.liveUser(ctx, target); err != nil {
		return err
	}
	return database.WithTx(ctx, s.db, func(tx *ent.Tx) error {
		if _, err := tx.Follow.Delete().Where(follow.FollowerID(me), follow.FolloweeID(target)).Exec(ctx); err != nil {
			return fmt.Errorf("social: unfollow: %w", err)
		}
		return s.inbox.unfollow(ctx, tx, me, target)
	})
}

// Approve turns requester's pending request to follow me into a follow.
// Approving an existing follow changes nothing. ErrNoRequest.
func (s *Service) Approve(ctx context.Context, me, requester int) error {
	return database.WithTx(ctx, s.db, func(tx *ent.Tx) error {
		// The lock makes the copy of me's events and their fan-out take
		// turns (inbox.Writer), as in Follow.
		if _, err := s.lockPair(ctx, tx, requester, me); err != nil && !errors.Is(err, ErrUserNotFound) {
			return err
		}
		n, err := tx.Follow.Update().Where(follow.FollowerID(requester), follow.FolloweeID(me),
			follow.StatusEQ(follow.StatusPENDING)).SetStatus(follow.StatusACTIVE).Save(ctx)
		if err != nil {
			return fmt.Errorf("social: approve: %w", err)
		}
		if n == 1 {
			return s.inbox.follow(ctx, tx, requester, me)
		}
		active, err := tx.Follow.Query().Where(follow.FollowerID(requester), follow.FolloweeID(me)).Exist(ctx)
		if err != nil {
			return fmt.Errorf("social: approve: %w", err)
		}
		if !active {
			return ErrNoRequest
		}
		return nil
	})
}

// Deny removes requester's pending request to follow me. ErrNoRequest.
func (s *Service) Deny(ctx context.Context, me, requester int) error {
	n, err := s.db.Follow.Delete().Where(follow.FollowerID(requester), follow.FolloweeID(me),
		follow.StatusEQ(follow.StatusPENDING)).Exec(ctx)
	if err != nil {
		return fmt.Errorf("social: deny: %w", err)
	}
	if n == 0 {
		return ErrNoRequest
	}
	return nil
}

// Block makes me block target: the follows between them end, both ways,
// in the same transaction, and neither sees the other's reviews and
// comments. Idempotent. Errors: ErrSelf, ErrUserNotFound.
func (s *Service) Block(ctx context.Context, me, target int) error {
	if me == target {
		return ErrSelf
	}
	return database.WithTx(ctx, s.db, func(tx *ent.Tx) error {
		if _, err := s.lockPair(ctx, tx, me, target); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO blocks (blocker_id, blocked_id, created_at)
			VALUES ($1, $2, $3) ON CONFLICT (blocker_id, blocked_id) DO NOTHING`, me, target, nowUTC()); err != nil {
			return fmt.Errorf("social: block: %w", err)
		}
		_, err := tx.Follow.Delete().Where(follow.Or(
			follow.And(follow.FollowerID(me), follow.FolloweeID(target)),
			follow.And(follow.FollowerID(target), follow.FolloweeID(me)))).Exec(ctx)
		if err != nil {
			return fmt.Errorf("social: block: %w", err)
		}
		if err := s.inbox.unfollow(ctx, tx, me, target); err != nil {
			return err
		}
		return s.inbox.unfollow(ctx, tx, target, me)
	})
}

// Unblock lifts me's block of target (follows do not come back).
// Idempotent. ErrUserNotFound.
func (s *Service) Unblock(ctx context.Context, me, target int) error {
	if _, err := s.liveUser(ctx, target); err != nil {
		return err
	}
	if _, err := s.db.Block.Delete().Where(block.BlockerID(me), block.BlockedID(target)).Exec(ctx); err != nil {
		return fmt.Errorf("social: unblock: %w", err)
	}
	return nil
}

// BlockedWith implements reviews.Blocks: the accounts userID blocked and
// those that blocked userID.
func (s *Graph) BlockedWith(ctx context.Context, userID int) ([]int, error) {
	rows, err := s.db.Block.Query().Where(block.Or(block.BlockerID(userID), block.BlockedID(userID))).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("social: blocks: %w", err)
	}
	ids := make([]int, len(rows))
	for i, b := range rows {
		ids[i] = b.BlockerID + b.BlockedID - userID
	}
	return ids, nil
}

// FollowsApproved implements lists.Social: whether follower follows
// followee with an approved follow.
func (s *Graph) FollowsApproved(ctx context.Context, follower, followee int) (bool, error) {
	ok, err := s.db.Follow.Query().Where(follow.FollowerID(follower), follow.FolloweeID(followee),
		follow.StatusEQ(follow.StatusACTIVE)).Exist(ctx)
	if err != nil {
		return false, fmt.Errorf("social: follows: %w", err)
	}
	return ok, nil
}

// Counts implements users.Follows: live accounts following userID and
// live accounts userID follows (approved follows only), by count queries
// on the (followee|follower, status, …) indexes.
func (s *Graph) Counts(ctx context.Context, userID int) (followers, following int, err error) {
	followers, err = s.db.Follow.Query().Where(follow.FolloweeID(userID), follow.StatusEQ(follow.StatusACTIVE),
		follow.HasFollowerWith(user.DeletedAtIsNil())).Count(ctx)
	if err != nil {
		return 0, 0, fmt.Errorf("social: counts: %w", err)
	}
	following, err = s.db.Follow.Query().Where(follow.FollowerID(userID), follow.StatusEQ(follow.StatusACTIVE),
		follow.HasFolloweeWith(user.DeletedAtIsNil())).Count(ctx)
	if err != nil {
		return 0, 0, fmt.Errorf("social: counts: %w", err)
	}
	return followers, following, nil
}

// Person is an account in a followers, following or requests list.
type Person struct {
	ID         int       `json:"id" example:"42"`
	Nickname   string    `json:"nickname" example:"ada"`
	AvatarURL  string    `json:"avatar_url" example:"https://cdn.example.com/ada.png"`
	FollowedAt time.Time `json:"followed_at" example:"2026-11-25T12:00:00Z" doc:"When the follow (or the request) was made."`
}

// People is a keyset page of people.
type People struct {
	Items      []Person `json:"items"`
	NextCursor *string  `json:"next_cursor" example:"eyJ0IjoiMjAyNi0xMS0yNVQxMjowMDowMFoiLCJrIjoiZm9sbG93ZXJzIiwiaSI6N30" doc:"The cursor of the next page, null on the last."`
}

// List kinds, which tie a cursor to its list.
const (
	listFollowers = "followers"
	listFollowing = "following"
	listRequests  = "requests"
)

// canSeeConnections checks that viewer (0: anonymous) may see target's
// followers and followings: not across a block, and for a private account
// only its owner and approved followers.
func (s *Service) canSeeConnections(ctx context.Context, viewer, target int) error {
	u, err := s.liveUser(ctx, target)
	if err != nil || viewer == target {
		return err
	}
	if viewer != 0 {
		blocked, err := s.blockedEitherWay(ctx, s.db.Block, viewer, target)
		if err != nil {
			return err
		}
		if blocked {
			return ErrBlocked
		}
	}
	if !u.Private {
		return nil
	}
	ok, err := s.FollowsApproved(ctx, viewer, target)
	if err != nil {
		return err
	}
	if !ok {
		return ErrPrivate
	}
	return nil
}

// Followers lists the live accounts following target, newest first.
func (s *Service) Followers(ctx context.Context, viewer, target int, cur string, size int) (People, error) {
	if err := s.canSeeConnections(ctx, viewer, target); err != nil {
		return People{}, err
	}
	return s.people(ctx, listFollowers, cur, size, follow.FolloweeID(target), follow.StatusEQ(follow.StatusACTIVE))
}

// Following lists the live accounts target follows, newest first.
func (s *Service) Following(ctx context.Context, viewer, target int, cur string, size int) (People, error) {
	if err := s.canSeeConnections(ctx, viewer, target); err != nil {
		return People{}, err
	}
	return s.people(ctx, listFollowing, cur, size, follow.FollowerID(target), follow.StatusEQ(follow.StatusACTIVE))
}

// Requests lists the pending requests to follow me, newest first.
func (s *Service) Requests(ctx context.Context, me int, cur string, size int) (People, error) {
	return s.people(ctx, listRequests, cur, size, follow.FolloweeID(me), follow.StatusEQ(follow.StatusPENDING))
}

// people runs the keyset query of one list of follows; the person shown is
// the other side of the follow.
func (s *Service) people(ctx context.Context, kind, raw string, size int, where ...predicate.Follow) (People, error) {
	c, err := decodeCursor(raw, kind)
	if err != nil {
		return People{}, err
	}
	other := follow.HasFollowerWith(user.DeletedAtIsNil())
	if kind == listFollowing {
		other = follow.HasFolloweeWith(user.DeletedAtIsNil())
	}
	q := s.db.Follow.Query().Where(where...).Where(other).WithFollower().WithFollowee()
	if c != nil {
		q = q.Where(func(sel *entsql.Selector) {
			sel.Where(entsql.CompositeLT([]string{sel.C(follow.FieldCreatedAt), sel.C(follow.FieldID)}, c.Time, c.ID))
		})
	}
	rows, err := q.Order(ent.Desc(follow.FieldCreatedAt), ent.Desc(follow.FieldID)).Limit(size + 1).All(ctx)
	if err != nil {
		return People{}, fmt.Errorf("social: %s: %w", kind, err)
	}
	p := People{Items: []Person{}}
	if len(rows) > size {
		rows = rows[:size]
		last := rows[len(rows)-1]
		p.NextCursor = cursor{Time: last.CreatedAt.UTC(), Kind: kind, ID: last.ID}.encode()
	}
	for _, f := range rows {
		u := f.Edges.Follower
		if kind == listFollowing {
			u = f.Edges.Followee
		}
		p.Items = append(p.Items, Person{ID: u.ID, Nickname: u.Nickname, AvatarURL: u.AvatarURL, FollowedAt: f.CreatedAt.UTC()})
	}
	return p, nil
}

// BlockedPerson is an account in the caller's blocks list.
type BlockedPerson struct {
	ID        int       `json:"id" example:"42"`
	Nickname  string    `json:"nickname" example:"ada"`
	AvatarURL string    `json:"avatar_url" example:"https://cdn.example.com/ada.png"`
	BlockedAt time.Time `json:"blocked_at" example:"2026-11-25T12:00:00Z" doc:"When the caller blocked this account."`
}

// BlockedPeople is a keyset page of blocked accounts.
type BlockedPeople struct {
	Items      []BlockedPerson `json:"items"`
	NextCursor *string         `json:"next_cursor" example:"eyJ0IjoiMjAyNi0xMS0yNVQxMjowMDowMFoiLCJrIjoiYmxvY2tzIiwiaSI6N30" doc:"The cursor of the next page, null on the last."`
}

const listBlocks = "blocks"

// Blocks lists the live accounts me blocked, newest block first. The
// (blocker_id, blocked_id) index finds them; one account's blocks are few,
// so they are sorted without an index of their own.
func (s *Service) Blocks(ctx context.Context, me int, raw string, size int) (BlockedPeople, error) {
	c, err := decodeCursor(raw, listBlocks)
	if err != nil {
		return BlockedPeople{}, err
	}
	q := s.db.Block.Query().Where(block.BlockerID(me), block.HasBlockedWith(user.DeletedAtIsNil())).WithBlocked()
	if c != nil {
		q = q.Where(func(sel *entsql.Selector) {
			sel.Where(entsql.CompositeLT([]string{sel.C(block.FieldCreatedAt), sel.C(block.FieldID)}, c.Time, c.ID))
		})
	}
	rows, err := q.Order(ent.Desc(block.FieldCreatedAt), ent.Desc(block.FieldID)).Limit(size + 1).All(ctx)
	if err != nil {
		return BlockedPeople{}, fmt.Errorf("social: blocks: %w", err)
	}
	p := BlockedPeople{Items: []BlockedPerson{}}
	if len(rows) > size {
		rows = rows[:size]
		last := rows[len(rows)-1]
		p.NextCursor = cursor{Time: last.CreatedAt.UTC(), Kind: listBlocks, ID: last.ID}.encode()
	}
	for _, b := range rows {
		u := b.Edges.Blocked
		p.Items = append(p.Items, BlockedPerson{ID: u.ID, Nickname: u.Nickname, AvatarURL: u.AvatarURL, BlockedAt: b.CreatedAt.UTC()})
	}
	return p, nil
}
