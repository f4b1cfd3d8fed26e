package bolt

import (
	"bytes"
	"encoding/binary"
	"time"

	bbolt "go.etcd.io/bbolt"
)

// Records that expire (request replies, received webhook events) keep a
// second bucket of time keys, unix nanos then the record's key, so that
// the oldest are found first without reading the rest.

func expiryKey(at time.Time, key []byte) []byte {
	return append(binary.BigEndian.AppendUint64(nil, uint64(at.UnixNano())), key...)
}

// expireOldest deletes, oldest first and at most max of them, the time
// keys of times at or before cutoff, handing each record's key to drop.
func expireOldest(times *bbolt.Bucket, cutoff time.Time, max int, drop func(key []byte) error) error {
	cur := times.Cursor()
	for n, k := 0, firstKey(cur); n < max && len(k) > 8; n, k = n+1, firstKey(cur) {
		at := time.Unix(0, int64(binary.BigEndian.Uint64(k[:8])))
		if at.After(cutoff) {
			return nil
		}
		key := bytes.Clone(k[8:])
		if err := times.Delete(k); err != nil {
			return err
		}
		if err := drop(key); err != nil {
			return err
		}
	}
	return nil
}

func firstKey(cur *bbolt.Cursor) []byte {
	k, _ := cur.First()
	return k
}
