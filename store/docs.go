package store

import (
	"bytes"
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
// (and a chunk of what follows) is held in memory at a time. It only finds
// where each document ends; the decoder checks the JSON itself.
func readRecords(src Source, fn func(rec record) error) error {
	f, err := os.Open(src.Path)
	if err != nil {
		return fmt.Errorf("%s: %w", src.Name, err)
	}
	defer f.Close()
	sc := &docScanner{r: f, line: 1}
	for {
		rec, err := sc.next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s:%d: %w", src.Name, sc.line, err)
		}
		if err := fn(rec); err != nil {
			return err
		}
	}
}

// docScanner splits a stream into top-level JSON values by following
// brackets and strings, which is far cheaper than decoding them.
type docScanner struct {
	r    io.Reader
	buf  []byte // read but not yet consumed
	eof  bool
	line int   // line of buf[0]
	off  int64 // offset of buf[0] in the stream
}

const chunk = 1 << 20

// fill reads another chunk; it reports false at the end of the stream.
func (s *docScanner) fill() (bool, error) {
	if s.eof {
		return false, nil
	}
	if cap(s.buf)-len(s.buf) < chunk {
		grown := make([]byte, len(s.buf), 2*len(s.buf)+chunk)
		copy(grown, s.buf)
		s.buf = grown
	}
	n, err := s.r.Read(s.buf[len(s.buf) : len(s.buf)+chunk])
	s.buf = s.buf[:len(s.buf)+n]
	if err == io.EOF {
		s.eof = true
		return n > 0, nil
	}
	return true, err
}

// consume drops n bytes from the front, counting their lines.
func (s *docScanner) consume(n int) {
	s.line += bytes.Count(s.buf[:n], []byte{'\n'})
	s.off += int64(n)
	s.buf = s.buf[n:]
}

// next returns the next document. Its bytes stay valid until the next call.
func (s *docScanner) next() (record, error) {
	if err := s.skipSpace(); err != nil {
		return record{}, err
	}
	end, err := s.valueEnd()
	if err != nil {
		return record{}, err
	}
	rec := record{line: s.line, raw: s.buf[:end], end: s.off + int64(end)}
	// The document's bytes are handed out before they are consumed; the
	// buffer is only compacted by the next call.
	s.line += bytes.Count(s.buf[:end], []byte{'\n'})
	s.off += int64(end)
	s.buf = s.buf[end:]
	return rec, nil
}

func (s *docScanner) skipSpace() error {
	for {
		i := 0
		for i < len(s.buf) && isSpace(s.buf[i]) {
			i++
		}
		s.consume(i)
		if len(s.buf) > 0 {
			return nil
		}
		// Start from an empty buffer so old documents are not kept.
		s.buf = s.buf[:0:0]
		more, err := s.fill()
		if err != nil {
			return err
		}
		if !more {
			return io.EOF
		}
	}
}

func isSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\t' || c == '\r' }

// valueEnd finds the end of the value at the front of the buffer, reading
// more as needed. An object or array ends at its closing bracket; anything
// else at the next space. A document cut short ends at the end of input.
// Inside strings it jumps to the next quote with a vectorised search;
// outside, a table tells the few bytes that matter.
func (s *docScanner) valueEnd() (int, error) {
	bracketed := s.buf[0] == '{' || s.buf[0] == '['
	depth, inString := 0, false
	for i := 0; ; {
		if i >= len(s.buf) {
			more, err := s.fill()
			if err != nil {
				return 0, err
			}
			if !more {
				return len(s.buf), nil
			}
			continue
		}
		switch {
		case !bracketed:
			if j := bytes.IndexAny(s.buf[i:], " \n\t\r"); j >= 0 {
				return i + j, nil
			}
			i = len(s.buf)
		case inString:
			j := bytes.IndexByte(s.buf[i:], '"')
			if j < 0 {
				i = len(s.buf)
				continue
			}
			i += j
			if !escapedAt(s.buf, i) {
				inString = false
			}
			i++
		default:
			for i < len(s.buf) && !structural[s.buf[i]] {
				i++
			}
			if i == len(s.buf) {
				continue
			}
			switch s.buf[i] {
			case '"':
				inString = true
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return i + 1, nil
				}
			}
			i++
		}
	}
}

// structural marks the bytes that matter outside strings.
var structural = func() (t [256]bool) {
	for _, c := range []byte(`"{}[]`) {
		t[c] = true
	}
	return t
}()

// escapedAt reports whether the quote at i is escaped: preceded by an odd
// number of backslashes.
func escapedAt(b []byte, i int) bool {
	n := 0
	for j := i - 1; j >= 0 && b[j] == '\\'; j-- {
		n++
	}
	return n%2 == 1
}
