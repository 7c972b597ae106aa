// Package social lets people follow each other (with approval for private
// accounts), block each other, and read the activity feed of the people
// they follow.
package social

import (
	"go.uber.org/fx"
	"go.uber.org/zap"

	"github.com/reelview/reelview/app/jobs"
	"github.com/reelview/reelview/app/server"
	"github.com/reelview/reelview/modules/lists"
	"github.com/reelview/reelview/modules/reviews"
	"github.com/reelview/reelview/modules/users"
)

// Module provides the social service and its HTTP operations. Its Graph
// tells the reviews module whom to hide from whom (reviews.Blocks), the
// users module the follow counts of a profile (users.Follows) and the lists
// module who may see whose lists (lists.Social). Its Inbox keeps the
// feed's inboxes in step with reviews and likes (reviews.Feed) and lists
// (an ent hook).
var Module = fx.Module("social",
	fx.Provide(
		NewInbox,
		NewGraph,
		func(in *Inbox) reviews.Feed { return in },
		NewService,
		func(g *Graph) reviews.Blocks { return g },
		func(g *Graph) users.Follows { return g },
		func(g *Graph) lists.Social { return g },
		server.AsRoutes(NewHandler),
		jobs.AsRegistration(fanOutRegistration),
	),
	fx.Decorate(func(l *zap.Logger) *zap.Logger { return l.Named("social") }),
)
