package reviews

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/reelview/reelview/app/server"
	"github.com/reelview/reelview/modules/auth"
)

// Handler serves the reviews operations.
type Handler struct {
	svc     *Service
	guard   *auth.Guard
	limiter *server.RateLimiter
}

// NewHandler returns the reviews HTTP handler.
func NewHandler(svc *Service, g *auth.Guard, l *server.RateLimiter) *Handler {
	return &Handler{svc: svc, guard: g, limiter: l}
}

const listDoc = " Lists take `page` and `size` and answer `{items, page, size, total_items, total_pages}`; " +
	"or, with a `cursor` parameter (empty for the first page), they use keyset pagination and answer " +
	"`{items, next_cursor}` (null on the last page): deep pages cost as much as the first. " +
	"Signed-in callers also get `liked_by_me`. Spoiler reviews carry `spoiler: true`: hide their body until asked."

// Register implements server.Routes.
func (h *Handler) Register(api huma.API) {
	g := server.Group(api, "Reviews")
	// Static paths before /reviews/{id}: the router tries routes in order.
	server.Register(g, h.guard.Optional(api, huma.Operation{
		OperationID: "list-latest-reviews", Method: http.MethodGet, Path: "/reviews/latest",
		Summary:     "Latest reviews",
		Description: "The newest visible reviews across the catalog." + listDoc,
	}), h.latest)
	server.Register(g, h.guard.Optional(api, huma.Operation{
		OperationID: "list-popular-reviews", Method: http.MethodGet, Path: "/reviews/popular",
		Summary:     "Popular reviews",
		Description: "Visible reviews written in the last `days` days (default 7), most liked first." + listDoc,
	}), h.popular)
	server.Register(g, h.guard.User(api, huma.Operation{
		OperationID: "create-review", Method: http.MethodPost, Path: "/contents/{id}/reviews",
		Summary:       "Review a content",
		Description:   "Rates (1–10) and optionally reviews a content; one review per user and content (a second is 409, also under concurrent requests). The content's rating aggregates change in the same transaction.",
		DefaultStatus: http.StatusCreated,
		Errors:        []int{http.StatusNotFound, http.StatusConflict},
	}), h.create)
	server.Register(g, h.guard.Optional(api, huma.Operation{
		OperationID: "list-content-reviews", Method: http.MethodGet, Path: "/contents/{id}/reviews",
		Summary:     "Reviews of a content",
		Description: "Visible reviews of a content, sorted `latest` (default), `likes` or `rating`, ties by id." + listDoc,
		Errors:      []int{http.StatusNotFound},
	}), h.contentReviews)
	server.Register(g, h.guard.User(api, huma.Operation{
		OperationID: "list-my-reviews", Method: http.MethodGet, Path: "/users/me/reviews",
		Summary:     "My reviews",
		Description: "The caller's reviews, newest first, including hidden ones." + listDoc,
	}), h.myReviews)
	server.Register(g, h.guard.Optional(api, huma.Operation{
		OperationID: "list-user-reviews", Method: http.MethodGet, Path: "/users/{id}/reviews",
		Summary:     "A user's reviews",
		Description: "A user's visible reviews, newest first." + listDoc,
	}), h.userReviews)
	server.Register(g, h.guard.Optional(api, huma.Operation{
		OperationID: "get-review", Method: http.MethodGet, Path: "/reviews/{id}",
		Summary:     "One review",
		Description: "A review. Hidden reviews exist only for their author and admins; reviews of deleted contents, and reviews by someone the caller blocked or who blocked the caller, are 404.",
		Errors:      []int{http.StatusNotFound},
	}), h.get)
	server.Register(g, h.guard.User(api, huma.Operation{
		OperationID: "update-review", Method: http.MethodPatch, Path: "/reviews/{id}",
		Summary:     "Edit my review",
		Description: "Changes rating, body or spoiler of the caller's own review (others: 403). A new rating moves the content's aggregates in the same transaction.",
		Errors:      []int{http.StatusNotFound},
	}), h.update)
	server.Register(g, h.guard.User(api, huma.Operation{
		OperationID: "delete-review", Method: http.MethodDelete, Path: "/reviews/{id}",
		Summary:       "Delete a review",
		Description:   "Deletes a review (its author or an admin; soft delete) and takes it out of the content's aggregates.",
		DefaultStatus: http.StatusNoContent,
		Errors:        []int{http.StatusNotFound},
	}), h.delete)

	c := server.Group(api, "Community")
	server.Register(c, h.guard.User(api, huma.Operation{
		OperationID: "like-review", Method: http.MethodPut, Path: "/reviews/{id}/like",
		Summary: "Like a review", Description: "Likes a review; idempotent. Liking one's own review is 403.",
		DefaultStatus: http.StatusNoContent, Errors: []int{http.StatusNotFound},
	}), h.like)
	server.Register(c, h.guard.User(api, huma.Operation{
		OperationID: "unlike-review", Method: http.MethodDelete, Path: "/reviews/{id}/like",
		Summary: "Unlike a review", Description: "Removes the caller's like; idempotent.",
		DefaultStatus: http.StatusNoContent, Errors: []int{http.StatusNotFound},
	}), h.unlike)
	server.Register(c, h.guard.Optional(api, huma.Operation{
		OperationID: "list-comments", Method: http.MethodGet, Path: "/reviews/{id}/comments",
		Summary:     "Comments of a review",
		Description: "A review's comments, oldest first. Takes `page`/`size` or a `cursor` (empty for the first page) like review lists.",
		Errors:      []int{http.StatusNotFound},
	}), h.comments)
	server.Register(c, h.guard.User(api, huma.Operation{
		OperationID: "create-comment", Method: http.MethodPost, Path: "/reviews/{id}/comments",
		Summary: "Comment on a review", Description: "Adds a comment of 1–2,000 characters.",
		DefaultStatus: http.StatusCreated, Errors: []int{http.StatusNotFound},
	}), h.addComment)
	server.Register(c, h.guard.User(api, huma.Operation{
		OperationID: "delete-comment", Method: http.MethodDelete, Path: "/comments/{id}",
		Summary: "Delete a comment", Description: "Deletes a comment (its author or an admin; soft delete).",
		DefaultStatus: http.StatusNoContent, Errors: []int{http.StatusNotFound},
	}), h.deleteComment)
	server.Register(c, h.guard.User(api, huma.Operation{
		OperationID: "report-review", Method: http.MethodPost, Path: "/reviews/{id}/reports",
		Summary: "Report a review",
		Description: "Reports a review to the moderators, once per user (again: 409). One's own review cannot be reported (403). " +
			"Reports are throttled per client (RATE_LIMIT_REPORT, 20 an hour by default): beyond it, 429 with Retry-After.",
		DefaultStatus: http.StatusNoContent, Errors: []int{http.StatusNotFound, http.StatusConflict},
		Middlewares: huma.Middlewares{h.limiter.Middleware(api, server.PolicyReport)},
	}), h.report)

	a := server.Group(api, "Admin: moderation")
	server.Register(a, h.guard.Admin(api, huma.Operation{
		OperationID: "admin-list-reports", Method: http.MethodGet, Path: "/admin/reports",
		Summary:     "Open reports",
		Description: "Reviews with open reports, most reported first, with their reasons. Admins only.",
	}), h.reports)
	server.Register(a, h.guard.Admin(api, huma.Operation{
		OperationID: "admin-set-review-visibility", Method: http.MethodPatch, Path: "/admin/reviews/{id}/visibility",
		Summary:     "Hide or unhide a review",
		Description: "A hidden review is visible only to its author and admins and leaves every list, feed and aggregate; unhiding brings it back. Hiding resolves its open reports. Admins only.",
		Errors:      []int{http.StatusNotFound},
	}), h.setVisibility)
}

type listOutput struct{ Body server.List[Review] }

func (h *Handler) list(ctx context.Context, lq ListQuery, c *server.CursorParam, p server.PageParams) (*listOutput, error) {
	lq.Cursor, lq.PageParams = c.Value(), p
	page, err := h.svc.List(ctx, ViewerFrom(ctx), lq)
	if err != nil {
		return nil, err
	}
	return &listOutput{Body: server.NewList(page.Items, c, p, page.Total, page.NextCursor)}, nil
}

type latestInput struct {
	server.CursorParam
	server.PageParams
}

func (h *Handler) latest(ctx context.Context, in *latestInput) (*listOutput, error) {
	return h.list(ctx, ListQuery{Order: "latest"}, &in.CursorParam, in.PageParams)
}

type popularInput struct {
	Days int `query:"days" minimum:"1" maximum:"365" default:"7"`
	server.CursorParam
	server.PageParams
}

func (h *Handler) popular(ctx context.Context, in *popularInput) (*listOutput, error) {
	since := time.Now().UTC().Add(-time.Duration(in.Days) * 24 * time.Hour)
	return h.list(ctx, ListQuery{Order: "likes", Since: since}, &in.CursorParam, in.PageParams)
}

type contentReviewsInput struct {
	ID   int    `path:"id" minimum:"1" example:"550"`
	Sort string `query:"sort" enum:"latest,likes,rating" default:"latest"`
	server.CursorParam
	server.PageParams
}

func (h *Handler) contentReviews(ctx context.Context, in *contentReviewsInput) (*listOutput, error) {
	return h.list(ctx, ListQuery{ContentID: in.ID, Order: in.Sort}, &in.CursorParam, in.PageParams)
}

type userReviewsInput struct {
	ID int `path:"id" minimum:"1" example:"42"`
	server.CursorParam
	server.PageParams
}

func (h *Handler) userReviews(ctx context.Context, in *userReviewsInput) (*listOutput, error) {
	return h.list(ctx, ListQuery{UserID: in.ID, Order: "latest"}, &in.CursorParam, in.PageParams)
}

type myReviewsInput struct {
	server.CursorParam
	server.PageParams
}

func (h *Handler) myReviews(ctx context.Context, in *myReviewsInput) (*listOutput, error) {
	return h.list(ctx, ListQuery{UserID: ViewerFrom(ctx).ID, IncludeHidden: true, Order: "latest"}, &in.CursorParam, in.PageParams)
}

type reviewBody struct {
	Rating  *int    `json:"rating,omitempty" minimum:"1" maximum:"10" example:"9" doc:"1–10 (clients show 0.5–5 stars)."`
	Body    *string `json:"body,omitempty" text:"multiline" maxLength:"10000" example:"The twist still lands."`
	Spoiler *bool   `json:"spoiler,omitempty" example:"false"`
}

type createReviewInput struct {
	ID   int `path:"id" minimum:"1" example:"550"`
	Body struct {
		Rating  int     `json:"rating" minimum:"1" maximum:"10" example:"9" doc:"1–10 (clients show 0.5–5 stars)."`
		Body    *string `json:"body,omitempty" text:"multiline" maxLength:"10000" example:"The twist still lands."`
		Spoiler *bool   `json:"spoiler,omitempty" example:"false"`
	}
}

type reviewOutput struct{ Body Review }

func (h *Handler) create(ctx context.Context, in *createReviewInput) (*reviewOutput, error) {
	r, err := h.svc.Create(ctx, ViewerFrom(ctx), in.ID, Input{Rating: &in.Body.Rating, Body: in.Body.Body, Spoiler: in.Body.Spoiler})
	if err != nil {
		return nil, err
	}
	return &reviewOutput{Body: r}, nil
}

type idInput struct {
	ID int `path:"id" minimum:"1" example:"7"`
}

func (h *Handler) get(ctx context.Context, in *idInput) (*reviewOutput, error) {
	r, err := h.svc.Get(ctx, ViewerFrom(ctx), in.ID)
	if err != nil {
		return nil, err
	}
	return &reviewOutput{Body: r}, nil
}

type updateInput struct {
	ID   int `path:"id" minimum:"1" example:"7"`
	Body reviewBody
}

func (h *Handler) update(ctx context.Context, in *updateInput) (*reviewOutput, error) {
	r, err := h.svc.Update(ctx, ViewerFrom(ctx), in.ID, Input{Rating: in.Body.Rating, Body: in.Body.Body, Spoiler: in.Body.Spoiler})
	if err != nil {
		return nil, err
	}
	return &reviewOutput{Body: r}, nil
}

func (h *Handler) delete(ctx context.Context, in *idInput) (*struct{}, error) {
	return nil, h.svc.Delete(ctx, ViewerFrom(ctx), in.ID)
}

func (h *Handler) like(ctx context.Context, in *idInput) (*struct{}, error) {
	return nil, h.svc.Like(ctx, ViewerFrom(ctx), in.ID)
}

func (h *Handler) unlike(ctx context.Context, in *idInput) (*struct{}, error) {
	return nil, h.svc.Unlike(ctx, ViewerFrom(ctx), in.ID)
}

type commentsInput struct {
	ID int `path:"id" minimum:"1" example:"7"`
	server.CursorParam
	server.PageParams
}

type commentsOutput struct{ Body server.List[Comment] }

func (h *Handler) comments(ctx context.Context, in *commentsInput) (*commentsOutput, error) {
	page, err := h.svc.Comments(ctx, ViewerFrom(ctx), in.ID, in.Value(), in.PageParams)
	if err != nil {
		return nil, err
	}
	return &commentsOutput{Body: server.NewList(page.Items, &in.CursorParam, in.PageParams, page.Total, page.NextCursor)}, nil
}

type addCommentInput struct {
	ID   int `path:"id" minimum:"1" example:"7"`
	Body struct {
		Body string `json:"body" text:"multiline" minLength:"1" maxLength:"2000" example:"Agreed, the ending is perfect."`
	}
}

type commentOutput struct{ Body Comment }

func (h *Handler) addComment(ctx context.Context, in *addCommentInput) (*commentOutput, error) {
	c, err := h.svc.AddComment(ctx, ViewerFrom(ctx), in.ID, in.Body.Body)
	if err != nil {
		return nil, err
	}
	return &commentOutput{Body: c}, nil
}

func (h *Handler) deleteComment(ctx context.Context, in *idInput) (*struct{}, error) {
	return nil, h.svc.DeleteComment(ctx, ViewerFrom(ctx), in.ID)
}

type reportInput struct {
	ID   int `path:"id" minimum:"1" example:"7"`
	Body struct {
		Reason string `json:"reason" minLength:"1" maxLength:"2000" example:"Spoils the ending without a spoiler flag."`
	}
}

func (h *Handler) report(ctx context.Context, in *reportInput) (*struct{}, error) {
	return nil, h.svc.Report(ctx, ViewerFrom(ctx), in.ID, in.Body.Reason)
}

type reportsOutput struct{ Body server.Page[ReportedReview] }

func (h *Handler) reports(ctx context.Context, in *server.PageParams) (*reportsOutput, error) {
	items, total, err := h.svc.OpenReports(ctx, *in)
	if err != nil {
		return nil, err
	}
	return &reportsOutput{Body: server.NewPage(items, *in, total)}, nil
}

type visibilityInput struct {
	ID   int `path:"id" minimum:"1" example:"7"`
	Body struct {
		Hidden bool `json:"hidden" example:"true"`
	}
}

func (h *Handler) setVisibility(ctx context.Context, in *visibilityInput) (*reviewOutput, error) {
	r, err := h.svc.SetHidden(ctx, in.ID, in.Body.Hidden)
	if err != nil {
		return nil, err
	}
	return &reviewOutput{Body: r}, nil
}
