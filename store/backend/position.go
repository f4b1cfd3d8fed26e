package backend

import (
	"encoding/binary"
	"math"
	"time"

	"docket/model"
)

// A position in a queue's order is a sort key: in deadline order the SLA
// deadline, then the creation time, then the case id; in creation order
// the creation time, then the id. Each time is 8 bytes that sort as the
// time does, the zero time (no deadline: the least urgent) after every
// real one. Every backend reads and writes positions in this one form, so
// a cursor handed out by one means the same case order in another.

// TimeKey encodes t so that byte order is time order.
func TimeKey(t time.Time) uint64 {
	if t.IsZero() {
		return math.MaxUint64
	}
	return uint64(t.UnixNano()) ^ (1 << 63)
}

// FromTimeKey decodes a TimeKey.
func FromTimeKey(k uint64) time.Time {
	if k == math.MaxUint64 {
		return time.Time{}
	}
	return time.Unix(0, int64(k^(1<<63))).UTC()
}

// SortKey is c's position in deadline order (byDeadline) or creation
// order.
func SortKey(byDeadline bool, c *model.Case) []byte {
	k := make([]byte, 0, 16+len(c.ID))
	if byDeadline {
		k = binary.BigEndian.AppendUint64(k, TimeKey(c.SLAExpiresAt))
	}
	k = binary.BigEndian.AppendUint64(k, TimeKey(c.CreatedAt))
	return append(k, c.ID...)
}

// ParseSortKey reads a position back: ok is false when sk is too short to
// be one.
func ParseSortKey(byDeadline bool, sk []byte) (deadline, created time.Time, id string, ok bool) {
	if byDeadline {
		if len(sk) < 16 {
			return deadline, created, "", false
		}
		deadline = FromTimeKey(binary.BigEndian.Uint64(sk))
		sk = sk[8:]
	}
	if len(sk) < 8 {
		return deadline, created, "", false
	}
	return deadline, FromTimeKey(binary.BigEndian.Uint64(sk)), string(sk[8:]), true
}
