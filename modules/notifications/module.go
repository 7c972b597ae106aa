// Package notifications keeps users' in-app notifications and push devices
// (FCM registration tokens).
package notifications

import (
	"go.uber.org/fx"
	"go.uber.org/zap"

	"github.com/reelview/reelview/app/jobs"
	"github.com/reelview/reelview/app/server"
	"github.com/reelview/reelview/modules/reviews"
)

// Module provides the devices service, the inbox, push delivery (a River
// job per notification, sent through FCM) and their HTTP operations.
var Module = fx.Module("notifications",
	fx.Provide(
		NewDevices,
		NewInbox,
		NewSender,
		NewPushWorker,
		jobs.AsRegistration(pushRegistration),
		jobs.AsRegistration(pruneRegistration),
		// The inbox receives the reviews' events inside their transactions.
		func(i *Inbox) reviews.Events { return i },
		server.AsRoutes(NewHandler),
	),
	fx.Decorate(func(l *zap.Logger) *zap.Logger { return l.Named("notifications") }),
)
