package main

import (
	"context"
	"flag"
	"os"
	"os/signal"
	"strconv"
	"syscall"

	"github.com/gofiber/fiber/v2"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"
)

// baselineKey is the Redis key B3 reads (S1's body).
const baselineKey = "reelview-bench:baseline"

// baselineMain runs the helper process of the baselines: a bare Fiber app
// (default configuration) with
//
//	GET /b1       S1's bytes, from a file, with S1's Content-Type
//	GET /b2/:id   one primary-key SELECT through pgxpool
//	GET /b3       one Redis GET
//
// The pool has the server's default size (DATABASE_MAX_CONNS, 20).
func baselineMain(args []string) error {
	fs := flag.NewFlagSet("baseline", flag.ExitOnError)
	addr := fs.String("addr", "127.0.0.1:0", "listen address")
	bodyFile := fs.String("body", "", "file with the bytes B1 returns")
	contentType := fs.String("content-type", "application/json", "Content-Type of B1")
	dbURL := fs.String("database", "", "PostgreSQL URL")
	redisURL := fs.String("redis", "", "Redis URL")
	conns := fs.Int("conns", 20, "pgxpool size")
	_ = fs.Parse(args)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	body, err := os.ReadFile(*bodyFile)
	if err != nil {
		return err
	}
	pcfg, err := pgxpool.ParseConfig(*dbURL)
	if err != nil {
		return err
	}
	pcfg.MaxConns = int32(*conns)
	pool, err := pgxpool.NewWithConfig(ctx, pcfg)
	if err != nil {
		return err
	}
	defer pool.Close()
	ropt, err := redis.ParseURL(*redisURL)
	if err != nil {
		return err
	}
	rdb := redis.NewClient(ropt)
	defer rdb.Close()
	if err := rdb.Set(ctx, baselineKey, body, 0).Err(); err != nil {
		return err
	}

	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Get("/health", func(c *fiber.Ctx) error { return c.SendStatus(fiber.StatusOK) })
	app.Get("/b1", func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderContentType, *contentType)
		return c.Send(body)
	})
	app.Get("/b2/:id", func(c *fiber.Ctx) error {
		id, err := strconv.ParseInt(c.Params("id"), 10, 64)
		if err != nil {
			return fiber.ErrBadRequest
		}
		var title string
		if err := pool.QueryRow(c.UserContext(), `SELECT title FROM contents WHERE id = $1`, id).Scan(&title); err != nil {
			return err
		}
		c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
		b := strconv.AppendQuote([]byte(`{"id":`+c.Params("id")+`,"title":`), title)
		return c.Send(append(b, '}'))
	})
	app.Get("/b3", func(c *fiber.Ctx) error {
		v, err := rdb.Get(c.UserContext(), baselineKey).Bytes()
		if err != nil {
			return err
		}
		c.Set(fiber.HeaderContentType, *contentType)
		return c.Send(v)
	})
	go func() {
		<-ctx.Done()
		_ = app.Shutdown()
	}()
	return app.Listen(*addr)
}
