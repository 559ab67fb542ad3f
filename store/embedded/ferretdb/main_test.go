package main

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
)

// countingHandler counts the work a handler is asked to do for Logger.With.
type countingHandler struct {
	slog.Handler
	withAttrs *int
}

func (c countingHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	*c.withAttrs++
	return countingHandler{c.Handler.WithAttrs(attrs), c.withAttrs}
}

func TestLazyAttrsFormatsOnlyWhatIsLogged(t *testing.T) {
	var out bytes.Buffer
	calls := 0
	base := countingHandler{slog.NewTextHandler(&out, &slog.HandlerOptions{Level: slog.LevelError}), &calls}
	l := slog.New(lazyAttrs{base: base})

	// What FerretDB does around every SQL statement: With(args), then a debug line.
	for i := 0; i < 100; i++ {
		l.With(slog.Any("args", []any{strings.Repeat("文档", 100)})).DebugContext(context.Background(), ">>> INSERT")
	}
	if calls != 0 || out.Len() != 0 {
		t.Fatalf("debug lines below the level cost %d WithAttrs calls and wrote %q", calls, out.String())
	}

	l.With(slog.String("query", "INSERT")).WithGroup("g").Error("failed", slog.Int("n", 1))
	if calls != 1 || !strings.Contains(out.String(), "query=INSERT") || !strings.Contains(out.String(), "g.n=1") {
		t.Fatalf("a logged record lost its attributes: %d calls, %q", calls, out.String())
	}
}
