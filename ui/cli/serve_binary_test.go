package cli_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"docket/ui/hooks"
)

// docket serve as a person runs it: the real binary on a loopback port; a
// key registered with the local command line (which runs through the
// server, since it holds the file); commands over SSH as that key's user;
// SIGTERM stops it cleanly, and the file checks out after.
func TestServeBinary(t *testing.T) {
	d := newDocket(t)
	db := filepath.Join(d.dir, "docket.db")
	d.ok("admin", "--db", db, "demo", "--cases", "40", "--no-ui")
	os.Rename(filepath.Join(d.dir, "demo.db"), db)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	server, out, errOut := d.start("admin", "--db", db, "serve", "--ssh", addr)
	defer server.Process.Kill()
	waitUntil(t, func() bool {
		c, err := net.Dial("tcp", addr)
		ok := err == nil
		if ok {
			c.Close()
		}
		return ok
	}, errOut)

	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	signer, _ := gossh.NewSignerFromKey(priv)
	pub := filepath.Join(d.dir, "ravi.pub")
	os.WriteFile(pub, gossh.MarshalAuthorizedKey(signer.PublicKey()), 0o600)
	// The local command line, beside the server, runs through it.
	if r := d.run("admin", "--db", db, "user", "key", "add", "ravi", pub); r.code != 0 {
		t.Fatalf("user key add: exit %d %s %s\nserver: %s", r.code, r.stdout, r.stderr, errOut.String())
	}
	client, err := gossh.Dial("tcp", addr, &gossh.ClientConfig{User: "whoever", Auth: []gossh.AuthMethod{gossh.PublicKeys(signer)},
		HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	sess, _ := client.NewSession()
	var so bytes.Buffer
	sess.Stdout = &so
	if err := sess.Run("case list --json"); err != nil || !strings.Contains(so.String(), `"assignee": "ravi"`) {
		t.Fatalf("case list over ssh: %v %s", err, so.String())
	}
	sess.Close()

	server.Process.Signal(syscall.SIGTERM)
	if r := d.wait(server, out, errOut, time.Now()); r.code != 0 {
		t.Fatalf("serve after SIGTERM: exit %d\n%s", r.code, r.stderr)
	}
	log := errOut.String()
	for _, want := range []string{"serving", "command", "user=ravi", "case list", "shutting down"} {
		if !strings.Contains(log, want) {
			t.Errorf("the log lacks %q:\n%s", want, log)
		}
	}
	d.check(db, "serve stopped")
}

func waitUntil(t *testing.T, ok func() bool, log *bytes.Buffer) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if ok() {
			return
		}
	}
	t.Fatalf("gave up waiting; the server said: %s", log.String())
}

// freePort is a loopback address nothing listens on, for a server to take.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// The HTTP API as an integrator meets it: docket serve --http, a token
// made with the local command line, a decision over HTTP that the
// command line then shows, and a clean stop.
func TestServeHTTPBinary(t *testing.T) {
	d := newDocket(t)
	db := filepath.Join(d.dir, "docket.db")
	d.ok("admin", "--db", db, "demo", "--cases", "40", "--no-ui")
	os.Rename(filepath.Join(d.dir, "demo.db"), db)
	// Plain HTTP beyond this host is refused before anything listens.
	if r := d.run("admin", "--db", db, "serve", "--ssh", freePort(t), "--http", "0.0.0.0:0"); r.code == 0 || !strings.Contains(r.stderr, "--tls-cert") {
		t.Fatalf("plain HTTP on every interface: exit %d %s", r.code, r.stderr)
	}
	web := freePort(t)
	server, out, errOut := d.start("admin", "--db", db, "serve", "--ssh", freePort(t), "--http", web)
	defer server.Process.Kill()
	waitUntil(t, func() bool {
		res, err := http.Get("http://" + web + "/api/v1/cases")
		if err == nil {
			res.Body.Close()
		}
		return err == nil
	}, errOut)
	r := d.run("admin", "--db", db, "user", "token", "create", "lena")
	token := strings.TrimSpace(r.stdout)
	if r.code != 0 || !strings.HasPrefix(token, "dkt_") {
		t.Fatalf("token create through the server: exit %d %q %s", r.code, r.stdout, r.stderr)
	}
	call := func(method, path, body string) (int, string) {
		req, _ := http.NewRequest(method, "http://"+web+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		raw, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(raw)
	}
	code, body := call("GET", "/api/v1/cases?filter[status]=Open&page[size]=1", "")
	var page struct {
		Data []struct{ ID string }
	}
	if code != 200 || json.Unmarshal([]byte(body), &page) != nil || len(page.Data) != 1 {
		t.Fatalf("list: %d %s", code, body)
	}
	id := page.Data[0].ID
	if code, body := call("POST", "/api/v1/cases/"+id+"/set-status", `{"meta":{"status":"Pending"}}`); code != 200 {
		t.Fatalf("set-status: %d %s", code, body)
	}
	if r := d.run("admin", "--db", db, "case", "history", id); !strings.Contains(r.stdout, "lena") || !strings.Contains(r.stdout, "Pending") {
		t.Fatalf("the decision is not in the trail: %s %s", r.stdout, r.stderr)
	}
	server.Process.Signal(syscall.SIGTERM)
	if r := d.wait(server, out, errOut, time.Now()); r.code != 0 {
		t.Fatalf("serve after SIGTERM: exit %d\n%s", r.code, r.stderr)
	}
	log := errOut.String()
	for _, want := range []string{"serving the HTTP API", "msg=api", "method=POST", "status=200", "user=lena"} {
		if !strings.Contains(log, want) {
			t.Errorf("the log lacks %q:\n%s", want, log)
		}
	}
	if strings.Contains(log, token) {
		t.Error("the log holds the token")
	}
	d.check(db, "serve stopped")
}

// Persona's webhooks into the real binary: docket serve with a secret file
// and a webhook user; a signed case event creates the case as that user, a
// badly signed one is refused, and the flags are checked before starting.
func TestServeWebhooksBinary(t *testing.T) {
	d := newDocket(t)
	db := filepath.Join(d.dir, "docket.db")
	d.ok("admin", "--db", db, "user", "add", "persona", "--role", "lead")
	secretFile := filepath.Join(d.dir, "persona.secret")
	secret := "whsec_binary_test_0123456789"
	os.WriteFile(secretFile, []byte(secret+"\n"), 0o600)
	web := freePort(t)
	for _, bad := range [][]string{
		{"--webhook-user", "persona"},
		{"--webhook-secret-file", secretFile, "--webhook-user", "persona"}, // no --http
		{"--http", web, "--webhook-secret-file", secretFile, "--webhook-user", "nobody"},
	} {
		args := append([]string{"--db", db, "serve", "--ssh", freePort(t)}, bad...)
		if r := d.run("admin", args...); r.code == 0 || !strings.Contains(r.stderr, "webhook") && !strings.Contains(r.stderr, "--http") {
			t.Fatalf("serve %v: exit %d %s", bad, r.code, r.stderr)
		}
	}
	server, out, errOut := d.start("admin", "--db", db, "serve", "--ssh", freePort(t), "--http", web,
		"--webhook-secret-file", secretFile, "--webhook-user", "persona")
	defer server.Process.Kill()
	waitUntil(t, func() bool {
		res, err := http.Get("http://" + web + "/api/v1/cases")
		if err == nil {
			res.Body.Close()
		}
		return err == nil
	}, errOut)
	now := time.Now().UTC().Format(time.RFC3339)
	body := `{"data":{"type":"event","id":"evt_bin_1","attributes":{"name":"case.created","created-at":"` + now + `",
		"payload":{"data":{"type":"case","id":"case_fromwebhook1","attributes":{"status":"Open","created-at":"` + now + `","updated-at":"` + now + `"},
		"relationships":{"case-template":{"data":{"type":"case-template","id":"default"}}}}}}}}`
	post := func(signature string) int {
		req, _ := http.NewRequest("POST", "http://"+web+"/webhooks/persona", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Persona-Signature", signature)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if code := post(hooks.Sign([][]byte{[]byte("not the secret")}, time.Now(), []byte(body))); code != http.StatusUnauthorized {
		t.Fatalf("a bad signature: %d", code)
	}
	if code := post(hooks.Sign([][]byte{[]byte(secret)}, time.Now(), []byte(body))); code != http.StatusOK {
		t.Fatalf("a signed event: %d\n%s", code, errOut.String())
	}
	if r := d.run("admin", "--db", db, "case", "history", "case_fromwebhook1"); r.code != 0 || !strings.Contains(r.stdout, "persona") {
		t.Fatalf("the event's case: exit %d %s %s", r.code, r.stdout, r.stderr)
	}
	server.Process.Signal(syscall.SIGTERM)
	if r := d.wait(server, out, errOut, time.Now()); r.code != 0 {
		t.Fatalf("serve after SIGTERM: exit %d\n%s", r.code, r.stderr)
	}
	d.check(db, "serve stopped")
}
