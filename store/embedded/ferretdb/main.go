// Command ferretdb-embedded runs FerretDB 1.24 (MongoDB wire protocol over
// SQLite) for local development and tests when no MongoDB is available.
//
// It prints one line "ready <mongodb-uri>" on stdout once it accepts
// connections, and stops on SIGINT/SIGTERM or, with -exit-on-stdin-eof,
// when its parent closes stdin (so a crashed parent never leaves it behind).
//
// Clients do not talk to FerretDB directly but through a small front that
// passes one request at a time to it. FerretDB 1.24 runs an update as "read the
// matching documents, then write whole documents back by _id", with nothing in
// between to stop another connection's update: two concurrent guarded updates
// ({_id, pool: "B"} -> C) both succeed, and concurrent $inc or $set on one
// document lose writes. MongoDB makes each single-document write atomic, and
// the application relies on that (guarded state changes instead of
// transactions). Serialising requests restores it; a county's traffic is far
// below what one SQLite writer handles.
package main

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "TCP address to listen on")
	dataDir := flag.String("data", "data/ferretdb", "directory for the SQLite files")
	exitOnEOF := flag.Bool("exit-on-stdin-eof", false, "stop when stdin is closed")
	logLevel := flag.String("log-level", "error", "log level: debug, info, warn, error")
	flag.Parse()

	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		fail("bad -log-level: %v", err)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	abs, err := filepath.Abs(*dataDir)
	if err != nil {
		fail("bad -data: %v", err)
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		fail("cannot create data directory: %v", err)
	}

	// Clients connect to the front on -listen; FerretDB itself listens on a
	// private loopback port that only the front uses.
	front, err := net.Listen("tcp", *listen)
	if err != nil {
		fail("cannot listen on %s: %v", *listen, err)
	}

	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: "127.0.0.1:0"},
		Logger:    logger,
		Handler:   "sqlite",
		SQLiteURL: "file:" + abs + "/",
	})
	if err != nil {
		fail("cannot start FerretDB: %v", err)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *exitOnEOF {
		go func() {
			_, _ = io.Copy(io.Discard, os.Stdin)
			stop()
		}()
	}

	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = f.Run(ctx)
	}()

	// MongoDBURI blocks until FerretDB's listener is bound.
	backend := f.MongoDBURI()
	backend = backend[len("mongodb://") : len(backend)-1]
	go func() {
		<-ctx.Done()
		_ = front.Close()
	}()
	go serveOneAtATime(front, backend)

	fmt.Printf("ready mongodb://%s/\n", front.Addr().String())
	<-done
}

// serveOneAtATime accepts client connections and forwards their wire-protocol
// messages to FerretDB at backend, one request and its reply at a time across
// all connections.
func serveOneAtATime(front net.Listener, backend string) {
	var mu sync.Mutex
	for {
		client, err := front.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		go forward(client, backend, &mu)
	}
}

func forward(client net.Conn, backend string, mu *sync.Mutex) {
	defer client.Close()
	server, err := net.Dial("tcp", backend)
	if err != nil {
		return
	}
	defer server.Close()
	fromClient := bufio.NewReader(client)
	fromServer := bufio.NewReader(server)
	for {
		req, err := readMessage(fromClient)
		if err != nil {
			return
		}
		replies, err := roundTrip(mu, server, fromServer, req)
		if err != nil {
			return
		}
		// The reply is written after the lock is released: a slow client holds up no one.
		for _, r := range replies {
			if _, err := client.Write(r); err != nil {
				return
			}
		}
	}
}

func roundTrip(mu *sync.Mutex, server net.Conn, fromServer *bufio.Reader, req []byte) ([][]byte, error) {
	mu.Lock()
	defer mu.Unlock()
	if _, err := server.Write(req); err != nil {
		return nil, err
	}
	if moreToCome(req) {
		return nil, nil // a fire-and-forget request has no reply
	}
	var replies [][]byte
	for {
		r, err := readMessage(fromServer)
		if err != nil {
			return nil, err
		}
		replies = append(replies, r)
		if !moreToCome(r) {
			return replies, nil
		}
	}
}

const (
	opMsg          = 2013
	maxMessageSize = 48 << 20 // MongoDB's maxMessageSizeBytes
)

// moreToCome reports an OP_MSG with the moreToCome flag (bit 1) set.
func moreToCome(msg []byte) bool {
	return len(msg) >= 20 &&
		binary.LittleEndian.Uint32(msg[12:16]) == opMsg &&
		binary.LittleEndian.Uint32(msg[16:20])&2 != 0
}

// readMessage reads one wire-protocol message: a little-endian int32 length
// (which counts itself), then the rest.
func readMessage(r io.Reader) ([]byte, error) {
	var size [4]byte
	if _, err := io.ReadFull(r, size[:]); err != nil {
		return nil, err
	}
	n := int(int32(binary.LittleEndian.Uint32(size[:])))
	if n < 16 || n > maxMessageSize {
		return nil, fmt.Errorf("bad message length %d", n)
	}
	msg := make([]byte, n)
	copy(msg, size[:])
	if _, err := io.ReadFull(r, msg[4:]); err != nil {
		return nil, err
	}
	return msg, nil
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "ferretdb-embedded: "+format+"\n", args...)
	os.Exit(1)
}
