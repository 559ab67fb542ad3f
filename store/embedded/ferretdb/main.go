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
// below what one SQLite writer handles. Only requests that write are
// serialised: reads (find, count, aggregate without $out/$merge, getMore, …)
// cannot lose a write, SQLite (WAL) gives each a consistent snapshot, and they
// pass at once, alongside the one write in progress. Among waiting writes,
// inserts go first (up to four in a row while other writes wait): they are
// cheap (one transaction per batch) and are what a webhook waits on before it
// can answer, while updates and deletes are a transaction per document and are
// what background workers do.
//
// FerretDB 1.24's SQLite backend looks documents up by
// `_ferretdb_sjson->'$._id'` (an exact {_id} query, every UPDATE and DELETE it
// issues), but its own _id index is on `_ferretdb_sjson->"_id"`, which SQLite
// does not match to that expression: each of those is a full table scan. The
// front therefore adds, once per collection, an index on the very expression
// FerretDB queries (see ensureIDIndexes), which makes them index lookups.
package main

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
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
	"runtime/debug"
	"strings"
	"sync"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
	_ "modernc.org/sqlite" // FerretDB registers it too; named here for ensureIDIndexes
)

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "TCP address to listen on")
	dataDir := flag.String("data", "data/ferretdb", "directory for the SQLite files")
	exitOnEOF := flag.Bool("exit-on-stdin-eof", false, "stop when stdin is closed")
	logLevel := flag.String("log-level", "error", "log level: debug, info, warn, error")
	flag.Parse()

	// The garbage collector ran at Go's default pace (GOGC=100) for a heap of a
	// few MB that every insert churns through, taking about a sixth of the
	// database's CPU under a flood of inserts. Trading some memory for it
	// (the heap stays in tens of MB) halves that; GOGC in the environment wins.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}

	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		fail("bad -log-level: %v", err)
	}
	logger := slog.New(lazyAttrs{base: slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level})})

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
		Listener: ferretdb.ListenerConfig{TCP: "127.0.0.1:0"},
		Logger:   logger,
		Handler:  "sqlite",
		// synchronous(normal): in WAL mode a commit is not fsynced, the WAL is at checkpoints. A
		// process crash (kill -9) loses nothing; a power cut or kernel crash may lose the last
		// moments' commits — as MongoDB's default (w:1, journal flushed every 100 ms) may. With
		// FerretDB's default (full), every commit waited for the disk.
		SQLiteURL: "file:" + abs + "/?_pragma=synchronous(normal)",
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
	go serveOneAtATime(front, backend, abs, logger)

	fmt.Printf("ready mongodb://%s/\n", front.Addr().String())
	<-done
}

// frontState is what all client connections share: the write lock, and which
// collections already have the _id expression index.
type frontState struct {
	mu      prioLock // held by one write request at a time
	dataDir string
	logger  *slog.Logger
	indexed map[string]bool // "db.collection", only touched with mu held
}

// serveOneAtATime accepts client connections and forwards their wire-protocol
// messages to FerretDB at backend: writes one request and its reply at a time
// across all connections, reads without waiting.
func serveOneAtATime(front net.Listener, backend, dataDir string, logger *slog.Logger) {
	st := &frontState{dataDir: dataDir, logger: logger, indexed: map[string]bool{}}
	st.mu.cond = sync.NewCond(&st.mu.m)
	for {
		client, err := front.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		go forward(client, backend, st)
	}
}

func forward(client net.Conn, backend string, st *frontState) {
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
		replies, err := roundTrip(st, server, fromServer, req)
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

func roundTrip(st *frontState, server net.Conn, fromServer *bufio.Reader, req []byte) ([][]byte, error) {
	name, coll, db := command(req)
	if !moreToCome(req) && isRead(name, req) {
		return exchange(server, fromServer, req)
	}
	st.mu.Lock(name == "insert")
	defer st.mu.Unlock()
	replies, err := exchange(server, fromServer, req)
	if err == nil && db != "" {
		st.afterWrite(name, coll, db)
	}
	return replies, err
}

func exchange(server net.Conn, fromServer *bufio.Reader, req []byte) ([][]byte, error) {
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

// prioLock is a mutex whose high-priority waiters go before the others, but
// not forever: after maxHighInARow high grants while others wait, one of the
// others goes (so a steady stream of inserts never stops the workers' writes,
// a heartbeat among them, for long).
type prioLock struct {
	m           sync.Mutex
	cond        *sync.Cond
	held        bool
	waitingHigh int
	waitingLow  int
	highInARow  int
}

const maxHighInARow = 4

func (l *prioLock) Lock(high bool) {
	l.m.Lock()
	if high {
		l.waitingHigh++
	} else {
		l.waitingLow++
	}
	for l.held || !l.myTurn(high) {
		l.cond.Wait()
	}
	if high {
		l.waitingHigh--
		l.highInARow++
	} else {
		l.waitingLow--
		l.highInARow = 0
	}
	l.held = true
	l.m.Unlock()
}

// myTurn, with l.m held and the lock free: whether a waiter of this priority may take it.
func (l *prioLock) myTurn(high bool) bool {
	lowsDue := l.waitingLow > 0 && l.highInARow >= maxHighInARow
	if high {
		return !lowsDue
	}
	return l.waitingHigh == 0 || lowsDue
}

func (l *prioLock) Unlock() {
	l.m.Lock()
	l.held = false
	l.m.Unlock()
	l.cond.Broadcast()
}

// readCommands cannot change data; anything else (unknown included) is serialised.
var readCommands = map[string]bool{
	"find": true, "getMore": true, "count": true, "distinct": true, "aggregate": true,
	"listCollections": true, "listIndexes": true, "listDatabases": true, "killCursors": true,
	"hello": true, "isMaster": true, "ismaster": true, "ping": true, "buildInfo": true, "buildinfo": true,
	"serverStatus": true, "dbStats": true, "collStats": true, "getParameter": true, "endSessions": true,
}

func isRead(name string, req []byte) bool {
	if !readCommands[name] {
		return false
	}
	// An aggregation that writes ($out, $merge) is a write.
	return name != "aggregate" || !(bytes.Contains(req, []byte("$out")) || bytes.Contains(req, []byte("$merge")))
}

// afterWrite keeps the _id expression indexes: a write that may have created a
// collection gets its database's collections indexed (once); a drop forgets.
// Called with mu held, so no other write runs meanwhile.
func (st *frontState) afterWrite(name, coll, db string) {
	switch name {
	case "insert", "update", "findAndModify", "create", "createIndexes":
		if coll == "" || st.indexed[db+"."+coll] {
			return
		}
		if err := st.ensureIDIndexes(db); err != nil {
			st.logger.Warn("cannot add the _id expression index", "db", db, "err", err)
		}
	case "drop":
		delete(st.indexed, db+"."+coll)
	case "dropDatabase":
		for k := range st.indexed {
			if strings.HasPrefix(k, db+".") {
				delete(st.indexed, k)
			}
		}
	}
}

// ensureIDIndexes adds to every collection of database db (one SQLite file,
// "<db>.sqlite", with its collections listed in _ferretdb_collections) an
// index on the expression FerretDB uses to find a document by _id.
func (st *frontState) ensureIDIndexes(db string) error {
	if strings.ContainsAny(db, "/\\\x00") {
		return fmt.Errorf("unexpected database name %q", db)
	}
	path := filepath.Join(st.dataDir, db+".sqlite")
	if _, err := os.Stat(path); err != nil {
		return nil // nothing created (yet)
	}
	conn, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(wal)")
	if err != nil {
		return err
	}
	defer conn.Close()
	rows, err := conn.Query(`SELECT name, table_name FROM "_ferretdb_collections"`)
	if err != nil {
		return err
	}
	type coll struct{ name, table string }
	var colls []coll
	for rows.Next() {
		var c coll
		if err := rows.Scan(&c.name, &c.table); err != nil {
			rows.Close()
			return err
		}
		colls = append(colls, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, c := range colls {
		if st.indexed[db+"."+c.name] {
			continue
		}
		q := fmt.Sprintf(`CREATE INDEX IF NOT EXISTS %q ON %q (_ferretdb_sjson->'$._id')`, c.table+"_ferretdb_id_path", c.table)
		if _, err := conn.Exec(q); err != nil {
			return err
		}
		st.indexed[db+"."+c.name] = true
	}
	return nil
}

// command reads from an OP_MSG request its command name (the body's first
// key), the collection (that key's value, when a string) and $db.
func command(msg []byte) (name, coll, db string) {
	if len(msg) < 21 || binary.LittleEndian.Uint32(msg[12:16]) != opMsg {
		return "", "", ""
	}
	b := msg[20:]
	for len(b) > 0 {
		kind := b[0]
		b = b[1:]
		if len(b) < 4 {
			return "", "", ""
		}
		n := int(int32(binary.LittleEndian.Uint32(b)))
		if n < 5 || n > len(b) {
			return "", "", ""
		}
		if kind == 0 {
			return bodyFields(b[:n])
		}
		b = b[n:] // kind 1: a document sequence, its size counting itself
	}
	return "", "", ""
}

// bodyFields walks one BSON document's top-level elements.
func bodyFields(doc []byte) (name, coll, db string) {
	p := 4
	for first := true; p < len(doc)-1; first = false {
		t := doc[p]
		p++
		k := bytes.IndexByte(doc[p:], 0)
		if k < 0 {
			return
		}
		key := string(doc[p : p+k])
		p += k + 1
		size := bsonValueSize(t, doc[p:])
		if size < 0 || p+size > len(doc) {
			return
		}
		if t == 0x02 && size >= 5 {
			s := string(doc[p+4 : p+size-1])
			if first {
				coll = s
			}
			if key == "$db" {
				db = s
			}
		}
		if first {
			name = key
		}
		p += size
	}
	return
}

// bsonValueSize is the encoded size of a value of BSON type t at the start of b, or -1.
func bsonValueSize(t byte, b []byte) int {
	i32 := func() int {
		if len(b) < 4 {
			return -1
		}
		return int(int32(binary.LittleEndian.Uint32(b)))
	}
	switch t {
	case 0x01, 0x09, 0x11, 0x12: // double, datetime, timestamp, int64
		return 8
	case 0x02, 0x0D, 0x0E: // string, JavaScript, symbol
		if n := i32(); n >= 1 {
			return 4 + n
		}
		return -1
	case 0x03, 0x04, 0x0F: // document, array, code with scope
		return i32()
	case 0x05: // binary
		if n := i32(); n >= 0 {
			return 5 + n
		}
		return -1
	case 0x06, 0x0A, 0x7F, 0xFF: // undefined, null, max key, min key
		return 0
	case 0x07: // ObjectId
		return 12
	case 0x08: // bool
		return 1
	case 0x0B: // regex: two C strings
		a := bytes.IndexByte(b, 0)
		if a < 0 {
			return -1
		}
		c := bytes.IndexByte(b[a+1:], 0)
		if c < 0 {
			return -1
		}
		return a + 1 + c + 1
	case 0x0C: // DBPointer
		if n := i32(); n >= 1 {
			return 4 + n + 12
		}
		return -1
	case 0x10: // int32
		return 4
	case 0x13: // decimal128
		return 16
	}
	return -1
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

// lazyAttrs defers what a handler does for Logger.With and WithGroup until a
// record is actually logged. slog's TextHandler formats the attributes given
// to With at once, whatever the level; FerretDB calls With(args) twice around
// every SQL statement for its debug log, so every document written was quoted
// and escaped into a buffer that was then thrown away: a tenth of the
// database's CPU under a flood of inserts (a perf profile of bench:webhook).
type lazyAttrs struct {
	base slog.Handler
	ops  []func(slog.Handler) slog.Handler
}

func (l lazyAttrs) Enabled(ctx context.Context, level slog.Level) bool {
	return l.base.Enabled(ctx, level)
}

func (l lazyAttrs) Handle(ctx context.Context, r slog.Record) error {
	h := l.base
	for _, op := range l.ops {
		h = op(h)
	}
	return h.Handle(ctx, r)
}

func (l lazyAttrs) with(op func(slog.Handler) slog.Handler) slog.Handler {
	ops := make([]func(slog.Handler) slog.Handler, len(l.ops), len(l.ops)+1)
	copy(ops, l.ops)
	return lazyAttrs{base: l.base, ops: append(ops, op)}
}

func (l lazyAttrs) WithAttrs(attrs []slog.Attr) slog.Handler {
	return l.with(func(h slog.Handler) slog.Handler { return h.WithAttrs(attrs) })
}

func (l lazyAttrs) WithGroup(name string) slog.Handler {
	return l.with(func(h slog.Handler) slog.Handler { return h.WithGroup(name) })
}
