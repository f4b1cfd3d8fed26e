// Package termtest is for tests only: the screen of a workstation a test
// drives over SSH, as a terminal would show it.
package termtest

import (
	"bytes"
	"io"
	"regexp"
	"sync"
)

// Screen keeps what a server draws on a session's PTY, and answers the
// terminal queries a renderer may send (background colour, device
// attributes) so that its first frame is not held up.
type Screen struct {
	in    io.Writer // the session's input, for the answers
	mu    sync.Mutex
	drawn bytes.Buffer
}

// New is the screen of a session whose input is in.
func New(in io.Writer) *Screen { return &Screen{in: in} }

// Read keeps what r (the session's output) draws until it ends; run it
// in a goroutine of its own.
func (s *Screen) Read(r io.Reader) {
	buf := make([]byte, 32<<10)
	for {
		n, err := r.Read(buf)
		if n > 0 {
			chunk := buf[:n]
			if bytes.Contains(chunk, []byte("\x1b]11;?")) {
				io.WriteString(s.in, "\x1b]11;rgb:0000/0000/0000\x07")
			}
			if bytes.Contains(chunk, []byte("\x1b[c")) {
				io.WriteString(s.in, "\x1b[?62;22c")
			}
			s.mu.Lock()
			s.drawn.Write(chunk)
			s.mu.Unlock()
		}
		if err != nil {
			return
		}
	}
}

// Len is how many bytes have been drawn so far: a mark for Since.
func (s *Screen) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.drawn.Len()
}

// Text is everything drawn, escape sequences removed.
func (s *Screen) Text() string { return s.Since(0) }

// Since is what was drawn after mark (a Len), escape sequences removed.
func (s *Screen) Since(mark int) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return escapes.ReplaceAllString(string(s.drawn.Bytes()[mark:]), "")
}

var escapes = regexp.MustCompile(`\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)|\x1b[()][A-Z0-9]|\x1b[=>]`)

// Raw is everything drawn, escape sequences and all.
func (s *Screen) Raw() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.drawn.String()
}
