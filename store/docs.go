package store

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
)

// Source is one file to import. Name is what messages call it ("-" for
// standard input, which the caller spools to Path first).
type Source struct {
	Name string
	Path string
}

// record is one JSON document read from a source.
type record struct {
	line int    // line where the document starts
	raw  []byte // the document, valid until the next record
	end  int64  // bytes consumed so far, for progress
}

// readRecords streams the JSON documents of a source one at a time: a
// single document, several concatenated, or one per line. Only one document
// is held in memory at a time.
func readRecords(src Source, fn func(rec record) error) error {
	f, err := os.Open(src.Path)
	if err != nil {
		return fmt.Errorf("%s: %w", src.Name, err)
	}
	defer f.Close()
	lines := &lineCounter{r: bufio.NewReaderSize(f, 1<<16)}
	dec := json.NewDecoder(lines)
	for dec.More() {
		start := dec.InputOffset()
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return fmt.Errorf("%s:%d: %s", src.Name, lines.lineAt(syntaxOffset(err, start)), jsonProblem(err))
		}
		if err := fn(record{line: lines.lineAt(start), raw: raw, end: dec.InputOffset()}); err != nil {
			return err
		}
	}
	// More reports false both at the end and on bad input; tell them apart.
	var extra json.RawMessage
	if err := dec.Decode(&extra); err != io.EOF {
		off := dec.InputOffset()
		msg := "unexpected data between documents"
		if err != nil {
			off, msg = syntaxOffset(err, off), jsonProblem(err)
		}
		return fmt.Errorf("%s:%d: %s", src.Name, lines.lineAt(off), msg)
	}
	return nil
}

func syntaxOffset(err error, fallback int64) int64 {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return se.Offset
	}
	return fallback
}

func jsonProblem(err error) string {
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return "malformed JSON: the document is cut short"
	}
	return "malformed JSON: " + err.Error()
}

// lineCounter remembers where newlines are so that byte offsets (which the
// JSON decoder reports, and which only grow) can be turned into line
// numbers without keeping the file.
type lineCounter struct {
	r        io.Reader
	read     int64   // bytes read so far
	newlines []int64 // offsets of newlines not yet passed by lineAt
	line     int     // newlines before the last offset asked about
}

func (l *lineCounter) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	for i := 0; i < n; {
		j := bytes.IndexByte(p[i:n], '\n')
		if j < 0 {
			break
		}
		l.newlines = append(l.newlines, l.read+int64(i+j))
		i += j + 1
	}
	l.read += int64(n)
	return n, err
}

// lineAt is the 1-based line of offset; offsets must not go backwards.
func (l *lineCounter) lineAt(offset int64) int {
	i := 0
	for i < len(l.newlines) && l.newlines[i] < offset {
		i++
	}
	l.line += i
	l.newlines = l.newlines[i:]
	return l.line + 1
}
