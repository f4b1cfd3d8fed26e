package backendtest

import (
	"encoding/binary"
	"encoding/json"
	"testing"
	"time"

	"docket/model"
	"docket/store/backend"
)

// testState writes each kind of state record the rules keep, as they
// encode it (store/assign.go, cases.go, users.go).
func testState(t *testing.T, s Store) {
	putUsers(t, s, "ana")
	released, err := json.Marshal(struct {
		By    string    `json:"by"`
		At    time.Time `json:"at"`
		Cases []string  `json:"cases"`
	}{"lead", at(7), []string{"case_2", "case_1"}})
	must(t, err)
	records := map[string][]byte{
		"rr/kyc/":       []byte("ana"),
		"rr/kyc/team-a": []byte("ben"),
		"last/ana":      binary.BigEndian.AppendUint64(nil, uint64(at(3).UnixNano())),
		"seq/KYC":       []byte("41"),
		"released/ana":  released,
	}
	update(t, s, func(tx backend.Tx) {
		for k, v := range records {
			must(t, tx.PutState(k, v))
		}
		v, err := tx.State("seq/KYC")
		must(t, err)
		same(t, "State in its transaction", string(v), "41")
	})
	view(t, s, func(tx backend.Tx) {
		for k, want := range records {
			v, err := tx.State(k)
			must(t, err)
			same(t, "State("+k+")", string(v), string(want))
		}
		if v, err := tx.State("rr/aml/"); v != nil || err != nil {
			t.Errorf("State of another round robin = %q, %v", v, err)
		}
	})
	update(t, s, func(tx backend.Tx) {
		must(t, tx.PutState("seq/KYC", []byte("42")))
		must(t, tx.PutState("rr/kyc/", []byte("cyd")))
	})
	update(t, s, func(tx backend.Tx) {
		for _, k := range []string{"rr/kyc/team-a", "last/ana", "released/ana"} {
			must(t, tx.DropState(k))
		}
	})
	view(t, s, func(tx backend.Tx) {
		for k, want := range map[string]string{"seq/KYC": "42", "rr/kyc/": "cyd"} {
			v, err := tx.State(k)
			must(t, err)
			same(t, "State("+k+") written again", string(v), want)
		}
		for _, k := range []string{"rr/kyc/team-a", "last/ana", "released/ana"} {
			if v, err := tx.State(k); v != nil || err != nil {
				t.Errorf("State(%q) after DropState = %q, %v", k, v, err)
			}
		}
	})
}

func userKey(user, fp string, n int) model.UserKey {
	return model.UserKey{User: user, Fingerprint: fp, Type: "ssh-ed25519", Comment: "laptop " + fp,
		Key: "ssh-ed25519 AAAAC3Nza" + fp + " laptop", AddedAt: at(n), AddedBy: "admin"}
}

func testKeys(t *testing.T, s Store) {
	keys := []model.UserKey{userKey("ana", "SHA256:bbb", 1), userKey("ana", "SHA256:aaa", 2), userKey("ben", "SHA256:ccc", 3)}
	keys[2].Comment = ""
	update(t, s, func(tx backend.Tx) {
		for _, k := range keys {
			must(t, tx.PutKey(k))
		}
	})
	view(t, s, func(tx backend.Tx) {
		got, err := tx.KeysOf("ana")
		must(t, err)
		same(t, "KeysOf, by fingerprint", got, []model.UserKey{keys[1], keys[0]})
		k, ok, err := tx.Key("ben", "SHA256:ccc")
		if !ok || err != nil {
			t.Errorf("Key = %t, %v", ok, err)
		}
		same(t, "Key", k, keys[2])
		if _, ok, err := tx.Key("ana", "SHA256:ccc"); ok || err != nil {
			t.Errorf("Key of another user's key = %t, %v", ok, err)
		}
		if owner, ok, err := tx.KeyOwner("SHA256:aaa"); owner != "ana" || !ok || err != nil {
			t.Errorf("KeyOwner = %q, %t, %v", owner, ok, err)
		}
	})
	update(t, s, func(tx backend.Tx) { must(t, tx.DropKey("ana", "SHA256:bbb")) })
	view(t, s, func(tx backend.Tx) {
		got, err := tx.KeysOf("ana")
		must(t, err)
		same(t, "KeysOf after DropKey", got, []model.UserKey{keys[1]})
		if _, ok, err := tx.KeyOwner("SHA256:bbb"); ok || err != nil {
			t.Errorf("KeyOwner of a dropped key = %t, %v", ok, err)
		}
	})
}

func testTokens(t *testing.T, s Store) {
	tokens := []model.APIToken{
		{ID: "tok_b", User: "ana", Label: "ci", CreatedAt: at(1), CreatedBy: "ana", ExpiresAt: at(60 * 24)},
		{ID: "tok_a", User: "ben", CreatedAt: at(2), CreatedBy: "admin"},
	}
	digests := [][]byte{{0, 1, 2, 0xff}, []byte("digest-of-a")}
	update(t, s, func(tx backend.Tx) {
		for i, tok := range tokens {
			must(t, tx.PutToken(tok, digests[i]))
		}
	})
	view(t, s, func(tx backend.Tx) {
		for i, want := range tokens {
			tok, digest, ok, err := tx.Token(want.ID)
			if !ok || err != nil {
				t.Errorf("Token(%s) = %t, %v", want.ID, ok, err)
			}
			same(t, "Token", tok, want)
			same(t, "Token's digest", digest, digests[i])
		}
		var ids []string
		must(t, tx.EachToken(func(tok model.APIToken) error { ids = append(ids, tok.ID); return nil }))
		same(t, "EachToken, by id", ids, []string{"tok_a", "tok_b"})
	})
	update(t, s, func(tx backend.Tx) { must(t, tx.DropToken("tok_b")) })
	view(t, s, func(tx backend.Tx) {
		if _, _, ok, err := tx.Token("tok_b"); ok || err != nil {
			t.Errorf("Token after DropToken = %t, %v", ok, err)
		}
	})
}

func testDamagedCredentials(t *testing.T, s Store) {
	update(t, s, func(tx backend.Tx) {
		must(t, tx.PutKey(userKey("ana", "SHA256:aaa", 1)))
		must(t, tx.PutToken(model.APIToken{ID: "tok_a", User: "ana", CreatedAt: at(1), CreatedBy: "ana"}, []byte("d")))
	})
	s.Tamper(t, KindKey, "SHA256:aaa")
	s.Tamper(t, KindToken, "tok_a")
	view(t, s, func(tx backend.Tx) {
		if _, ok, err := tx.Key("ana", "SHA256:aaa"); !ok || !contains(err, "SHA256:aaa") {
			t.Errorf("Key of a tampered record = %t, %v; want found, and an error naming it", ok, err)
		}
		if _, err := tx.KeysOf("ana"); !contains(err, "SHA256:aaa") {
			t.Errorf("KeysOf over a tampered record: %v; want an error naming it", err)
		}
		if _, _, ok, err := tx.Token("tok_a"); !ok || !contains(err, "tok_a") {
			t.Errorf("Token of a tampered record = %t, %v; want found, and an error naming it", ok, err)
		}
		if err := tx.EachToken(func(model.APIToken) error { return nil }); !contains(err, "tok_a") {
			t.Errorf("EachToken over a tampered record: %v; want an error naming it", err)
		}
	})
}

func encodeReply(t *testing.T, r backend.Reply) []byte {
	raw, err := json.Marshal(r)
	must(t, err)
	return raw
}

func testReplies(t *testing.T, s Store) {
	claim := encodeReply(t, backend.Reply{Digest: "d1", At: at(1), Case: "case_1"})
	done := encodeReply(t, backend.Reply{Digest: "d1", At: at(1), Case: "case_1", Done: true, Status: 201, ETag: `"v2"`,
		Location: "/cases/case_1", Body: []byte("{\"id\":\"case_1\"}\n")})
	update(t, s, func(tx backend.Tx) {
		must(t, tx.PutReply("ana", "key-1", at(1), claim))
		got, err := tx.Reply("ana", "key-1")
		must(t, err)
		same(t, "Reply in its transaction", string(got), string(claim))
	})
	update(t, s, func(tx backend.Tx) { must(t, tx.PutReply("ana", "key-1", at(1), done)) })
	view(t, s, func(tx backend.Tx) {
		got, err := tx.Reply("ana", "key-1")
		must(t, err)
		same(t, "Reply", string(got), string(done))
		for _, other := range [][2]string{{"ben", "key-1"}, {"ana", "KEY-1"}} {
			if r, err := tx.Reply(other[0], other[1]); r != nil || err != nil {
				t.Errorf("Reply(%s, %s) = %q, %v; want none", other[0], other[1], r, err)
			}
		}
	})
}

func testPruneReplies(t *testing.T, s Store) {
	put := func(tx backend.Tx, key string, minute int) {
		must(t, tx.PutReply("ana", key, at(minute), encodeReply(t, backend.Reply{Digest: "d-" + key, At: at(minute)})))
	}
	update(t, s, func(tx backend.Tx) {
		for i, key := range []string{"k0", "k1", "k2", "k3"} {
			put(tx, key, i)
		}
		put(tx, "again", 0)
	})
	update(t, s, func(tx backend.Tx) { put(tx, "again", 3) }) // claimed again later: newer
	kept := func(want ...string) {
		t.Helper()
		view(t, s, func(tx backend.Tx) {
			var got []string
			for _, key := range []string{"k0", "k1", "k2", "k3", "again"} {
				if r, err := tx.Reply("ana", key); err != nil {
					t.Fatal(err)
				} else if r != nil {
					got = append(got, key)
				}
			}
			same(t, "replies kept", got, want)
		})
	}
	update(t, s, func(tx backend.Tx) { must(t, tx.PruneReplies(at(2), 10)) })
	kept("k3", "again")
	update(t, s, func(tx backend.Tx) { must(t, tx.PruneReplies(at(3), 1)) })
	if n := countKept(t, s); n != 1 {
		t.Errorf("PruneReplies with at most 1 left %d replies of 2; want 1", n)
	}
}

func countKept(t *testing.T, s Store) int {
	n := 0
	view(t, s, func(tx backend.Tx) {
		for _, key := range []string{"k3", "again"} {
			if r, err := tx.Reply("ana", key); err != nil {
				t.Fatal(err)
			} else if r != nil {
				n++
			}
		}
	})
	return n
}

func webhook(id string, n int) (model.Webhook, [][]byte) {
	return model.Webhook{ID: id, URL: "https://hooks.example/" + id, Events: []string{"case.created", "case.status-updated"},
		CreatedAt: at(n), CreatedBy: "admin"}, [][]byte{[]byte("secret-new"), {0, 1, 2}}
}

func testWebhooks(t *testing.T, s Store) {
	w1, s1 := webhook("wh_b", 1)
	w2, s2 := webhook("wh_a", 2)
	w2.Events = []string{model.HookAll}
	update(t, s, func(tx backend.Tx) {
		must(t, tx.PutWebhook(w1, s1))
		must(t, tx.PutWebhook(w2, s2))
	})
	view(t, s, func(tx backend.Tx) {
		w, secrets, ok, err := tx.Webhook("wh_b")
		if !ok || err != nil {
			t.Errorf("Webhook = %t, %v", ok, err)
		}
		same(t, "Webhook", w, w1)
		same(t, "Webhook's secrets", secrets, s1)
		var ids []string
		must(t, tx.EachWebhook(func(w model.Webhook, _ [][]byte, bad error) error {
			if bad != nil {
				t.Errorf("EachWebhook: %v", bad)
			}
			ids = append(ids, w.ID)
			return nil
		}))
		same(t, "EachWebhook, by id", ids, []string{"wh_a", "wh_b"})
		if n, err := tx.WebhookCount(); n != 2 || err != nil {
			t.Errorf("WebhookCount = %d, %v", n, err)
		}
	})
	w1.URL = "https://hooks.example/moved"
	update(t, s, func(tx backend.Tx) {
		must(t, tx.PutWebhook(w1, s1[:1]))
		must(t, tx.DropWebhook("wh_a"))
	})
	view(t, s, func(tx backend.Tx) {
		w, secrets, _, err := tx.Webhook("wh_b")
		must(t, err)
		same(t, "Webhook written again", w, w1)
		same(t, "its secrets", secrets, s1[:1])
		if n, err := tx.WebhookCount(); n != 1 || err != nil {
			t.Errorf("WebhookCount after DropWebhook = %d, %v", n, err)
		}
	})
}

func testDamagedWebhook(t *testing.T, s Store) {
	update(t, s, func(tx backend.Tx) {
		for i, id := range []string{"wh_a", "wh_b", "wh_c"} {
			w, secrets := webhook(id, i)
			must(t, tx.PutWebhook(w, secrets))
		}
	})
	s.Tamper(t, KindWebhook, "wh_b")
	view(t, s, func(tx backend.Tx) {
		w, _, ok, err := tx.Webhook("wh_b")
		if !ok || !contains(err, "wh_b") || w.ID != "wh_b" {
			t.Errorf("Webhook of a tampered record = %s, %t, %v; want it, found, and an error naming it", w.ID, ok, err)
		}
		var seen []string
		must(t, tx.EachWebhook(func(w model.Webhook, _ [][]byte, bad error) error {
			seen = append(seen, w.ID)
			if (bad != nil) != (w.ID == "wh_b") || bad != nil && !contains(bad, "wh_b") {
				t.Errorf("EachWebhook gave %s with %v", w.ID, bad)
			}
			return nil
		}))
		same(t, "EachWebhook goes on past a bad record", seen, []string{"wh_a", "wh_b", "wh_c"})
	})
}
