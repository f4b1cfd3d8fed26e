package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"docket/model"
	"docket/store"
	"docket/store/persona"
)

// maxSLA is the longest deadline Persona lets a case be given.
const maxSLA = 90 * 24 * time.Hour

func caseURL(id string) string { return "/api/v1/cases/" + url.PathEscape(id) }

func etag(version int64) string { return `"` + strconv.FormatInt(version, 10) + `"` }

// target is the case the path names, as the caller, with the version
// If-Match asks for and the request's idempotency key.
func (s *Server) target(c *call) (store.Target, *reply) {
	ref := c.r.PathValue("id")
	if err := model.ValidateCaseName("the case id", ref); err != nil {
		return store.Target{}, ptr(fail(http.StatusNotFound, "Not Found", "", "%v", err))
	}
	if c.r.Method == http.MethodGet {
		return store.Target{Actor: c.user.Name, Case: ref}, nil
	}
	expect, rep := ifMatch(c.r)
	return store.Target{Actor: c.user.Name, Case: ref, Expect: expect, Request: c.request}, rep
}

// ifMatch reads If-Match: the ETag a read gave ("7"), or * for any.
func ifMatch(r *http.Request) (int64, *reply) {
	v := strings.TrimSpace(r.Header.Get("If-Match"))
	if v == "" || v == "*" {
		return 0, nil
	}
	n, err := strconv.ParseInt(strings.Trim(strings.TrimPrefix(v, "W/"), `"`), 10, 64)
	if err != nil || n <= 0 {
		return 0, ptr(badRequest("", "If-Match %q is not an ETag docket gave (like \"7\")", v))
	}
	return n, nil
}

// noneMatch reports whether an If-None-Match header names etag: "*", or a
// comma-separated list of entity tags compared weakly (W/"7" is "7").
func noneMatch(header, etag string) bool {
	for _, tag := range strings.Split(header, ",") {
		tag = strings.TrimSpace(tag)
		if tag == "*" || strings.TrimPrefix(tag, "W/") == etag {
			return true
		}
	}
	return false
}

// caseDocument answers with the case as a Persona document.
func (s *Server) caseDocument(c *call, ref string, status int) reply {
	doc, cs, err := s.st.PersonaCase(ref, c.encoding)
	if err != nil {
		return s.refusal(c, ref, err)
	}
	return reply{status: status, body: sparse(doc, c.fields), etag: etag(cs.Version)}
}

// written answers a write: the case as it is after it, or the refusal.
func (s *Server) written(c *call, t store.Target, cs *model.Case, err error) reply {
	if err != nil {
		return s.refusal(c, t.Case, err)
	}
	return s.caseDocument(c, cs.ID, http.StatusOK)
}

// refusal is 404 when the case the path names does not exist, else the
// store's refusal.
func (s *Server) refusal(c *call, ref string, err error) reply {
	if errors.Is(err, model.ErrNotFound) {
		if _, cerr := s.st.Case(ref); errors.Is(cerr, model.ErrNotFound) {
			return fail(http.StatusNotFound, "Not Found", "", "%v", cerr)
		}
	}
	return s.storeError(c, err)
}

// getCase: GET /cases/{id}, with If-None-Match.
func (s *Server) getCase(c *call) reply {
	t, rep := s.target(c)
	if rep != nil {
		return *rep
	}
	out := s.caseDocument(c, t.Case, http.StatusOK)
	if out.err == nil && noneMatch(c.r.Header.Get("If-None-Match"), out.etag) {
		return reply{status: http.StatusNotModified, etag: out.etag}
	}
	return out
}

// createCase: POST /cases. The case template names the workflow; other
// attributes are the template's fields, as Persona takes them.
func (s *Server) createCase(c *call) reply {
	doc, rep := readObject(c.body, "", []string{"data", "meta"})
	if rep != nil {
		return *rep
	}
	data, rep := doc.object("data", []string{"attributes"})
	if rep != nil {
		return *rep
	}
	attrs, rep := data.object("attributes", nil)
	if rep != nil {
		return *rep
	}
	meta, rep := doc.object("meta", []string{"object-ids", "sla-expires-in-seconds"})
	if rep != nil {
		return *rep
	}
	nc := store.NewCase{Request: c.request}
	template, rep := attrs.str("case-template-id", true)
	if rep != nil {
		return *rep
	}
	if nc.Workflow, rep = s.workflowOf(template, attrs.pointer("case-template-id")); rep != nil {
		return *rep
	}
	if rep := s.checkCreator(c, attrs); rep != nil {
		return *rep
	}
	if nc.Fields, rep = createFields(attrs); rep != nil {
		return *rep
	}
	if nc.Objects, rep = meta.strs("object-ids", false); rep != nil {
		return *rep
	}
	sla, rep := slaOf(meta)
	if rep != nil {
		return *rep
	}
	if sla != nil {
		nc.SLA = *sla
	}
	cs, err := s.st.CreateCase(c.user.Name, nc)
	if err != nil {
		return s.storeError(c, err)
	}
	out := s.caseDocument(c, cs.ID, http.StatusCreated)
	out.location = caseURL(cs.ID)
	return out
}

// workflowOf finds the workflow a case-template id names: its Persona
// template id, or docket's own workflow id.
func (s *Server) workflowOf(template, pointer string) (string, *reply) {
	var ids []string
	for _, w := range s.st.Workflows() {
		if w.PersonaTemplateID == template || w.ID == template {
			return w.ID, nil
		}
		ids = append(ids, w.ID)
	}
	return "", ptr(fail(http.StatusUnprocessableEntity, "Unprocessable Entity", pointer,
		"no workflow has the case template %q (workflows: %s; set persona_template_id in a workflow to take Persona's ids)", template, strings.Join(ids, ", ")))
}

// checkCreator refuses a creator other than the token's user: a case is
// created, and audited, as the caller.
func (s *Server) checkCreator(c *call, attrs members) *reply {
	email, rep := attrs.str("creator-email-address", false)
	if rep != nil || email == "" || strings.EqualFold(email, c.user.Email) {
		return rep
	}
	return ptr(fail(http.StatusUnprocessableEntity, "Unprocessable Entity", attrs.pointer("creator-email-address"),
		"cases are created as the token's user (%s); leave creator-email-address out or give their address", c.user.Name))
}

// createFields gathers the new case's fields: attributes.fields, and every
// attribute that is not one of Persona's own (a field of the template),
// with Persona's {type, value} wrappers taken off.
func createFields(attrs members) ([]byte, *reply) {
	fields, rep := attrs.object("fields", nil)
	if rep != nil {
		return nil, rep
	}
	merged := map[string]json.RawMessage{}
	for name, raw := range fields.m {
		merged[name] = raw
	}
	for name, raw := range attrs.m {
		switch name {
		case "case-template-id", "creator-email-address", "fields":
		case "case-queue-id":
			return nil, ptr(fail(http.StatusUnprocessableEntity, "Unprocessable Entity", attrs.pointer(name), "docket has no case queues; a workflow's queue is its cases"))
		default:
			merged[name] = raw
		}
	}
	if len(merged) == 0 {
		return nil, nil
	}
	return flatten(merged, attrs.pointer("fields"))
}

// flatten writes fields as one JSON object without Persona's {type, value}
// wrappers; a null stays null (a merge patch's removal).
func flatten(fields map[string]json.RawMessage, pointer string) ([]byte, *reply) {
	names := make([]string, 0, len(fields))
	for name := range fields {
		names = append(names, name)
	}
	slices.Sort(names) // a map has no order; sorted, the same request stores the same record
	obj := []byte{'{'}
	for i, name := range names {
		key, _ := jsonString(name)
		value := fields[name]
		if string(value) != "null" {
			var err error
			if value, err = flattenOne(key, value); err != nil {
				return nil, ptr(badRequest(pointer+"/"+escape(name), "%v", err))
			}
		}
		if i > 0 {
			obj = append(obj, ',')
		}
		obj = append(append(append(obj, key...), ':'), value...)
	}
	return append(obj, '}'), nil
}

// flattenOne unwraps one field's value.
func flattenOne(key []byte, value json.RawMessage) (json.RawMessage, error) {
	flat, err := persona.FlattenFields(slices.Concat([]byte{'{'}, key, []byte{':'}, value, []byte{'}'}))
	if err != nil {
		return nil, err
	}
	var one map[string]json.RawMessage
	if err := json.Unmarshal(flat, &one); err != nil || len(one) != 1 {
		return nil, fmt.Errorf("the field does not read back")
	}
	for _, v := range one {
		return v, nil
	}
	return nil, nil
}

// slaOf reads meta.sla-expires-in-seconds: absent nil; null or 0 none.
func slaOf(meta members) (*time.Duration, *reply) {
	if !meta.has("sla-expires-in-seconds") {
		return nil, nil
	}
	secs, rep := meta.number("sla-expires-in-seconds")
	if rep != nil {
		return nil, rep
	}
	d := time.Duration(0)
	if secs != nil {
		if *secs < 0 || *secs > maxSLA.Seconds() {
			return nil, ptr(badRequest(meta.pointer("sla-expires-in-seconds"), "must be between 0 and %d (90 days)", int(maxSLA.Seconds())))
		}
		d = time.Duration(*secs * float64(time.Second))
	}
	return &d, nil
}

// updateCase: PATCH /cases/{id}: fields as a merge patch, and the deadline.
func (s *Server) updateCase(c *call) reply {
	t, rep := s.target(c)
	if rep != nil {
		return *rep
	}
	doc, rep := readObject(c.body, "", []string{"data", "meta"})
	if rep != nil {
		return *rep
	}
	data, rep := doc.object("data", []string{"attributes"})
	if rep != nil {
		return *rep
	}
	attrs, rep := data.object("attributes", []string{"fields", "case-queue-id", "attachments"})
	if rep != nil {
		return *rep
	}
	meta, rep := doc.object("meta", []string{"sla-expires-in-seconds"})
	if rep != nil {
		return *rep
	}
	for _, name := range []string{"case-queue-id", "attachments"} {
		if attrs.has(name) {
			return fail(http.StatusUnprocessableEntity, "Unprocessable Entity", attrs.pointer(name),
				"docket keeps neither case queues nor file attachments; attach Persona objects with add-objects")
		}
	}
	var up store.CaseUpdate
	if attrs.has("fields") {
		fields, rep := attrs.object("fields", nil)
		if rep != nil {
			return *rep
		}
		if up.Fields, rep = flatten(fields.m, attrs.pointer("fields")); rep != nil {
			return *rep
		}
	}
	if up.SLA, rep = slaOf(meta); rep != nil {
		return *rep
	}
	cs, err := s.st.UpdateCase(t, up)
	return s.written(c, t, cs, err)
}

// redactCase: DELETE /cases/{id} redacts the case (leads).
func (s *Server) redactCase(c *call) reply {
	t, rep := s.target(c)
	if rep != nil {
		return *rep
	}
	cs, err := s.st.Redact(t)
	return s.written(c, t, cs, err)
}

// metaOf reads an action's body: {"meta": {…}} with the given members.
func metaOf(c *call, allowed ...string) (members, *reply) {
	doc, rep := readObject(c.body, "", []string{"meta"})
	if rep != nil {
		return members{}, rep
	}
	if !doc.has("meta") {
		return members{}, ptr(badRequest("/meta", "is required"))
	}
	return doc.object("meta", allowed)
}

// setStatus: POST /cases/{id}/set-status, in either of Persona's shapes,
// with docket's optional reason and comment.
func (s *Server) setStatus(c *call) reply {
	t, rep := s.target(c)
	if rep != nil {
		return *rep
	}
	meta, rep := metaOf(c, "status", "resolution", "reason", "comment")
	if rep != nil {
		return *rep
	}
	var ch store.StatusChange
	for name, dst := range map[string]*string{"status": &ch.Status, "resolution": &ch.Resolution, "reason": &ch.Reason, "comment": &ch.Comment} {
		if *dst, rep = meta.str(name, name == "status"); rep != nil {
			return *rep
		}
	}
	cs, err := s.st.SetStatus(t, ch)
	return s.written(c, t, cs, err)
}

// assign: POST /cases/{id}/assign to a user named by email (or name).
func (s *Server) assign(c *call) reply {
	t, rep := s.target(c)
	if rep != nil {
		return *rep
	}
	meta, rep := metaOf(c, "user-email-address")
	if rep != nil {
		return *rep
	}
	who, rep := meta.str("user-email-address", true)
	if rep != nil {
		return *rep
	}
	u, err := s.st.UserByIdentity(who)
	if err != nil {
		return s.storeError(c, err)
	}
	cs, err := s.st.Assign(t, u.Name)
	return s.written(c, t, cs, err)
}

// objectIDs reads meta.object-ids.
func objectIDs(c *call) ([]string, *reply) {
	meta, rep := metaOf(c, "object-ids")
	if rep != nil {
		return nil, rep
	}
	ids, rep := meta.strs("object-ids", true)
	if rep == nil && len(ids) == 0 {
		rep = ptr(badRequest("/meta/object-ids", "is empty; name the objects"))
	}
	return ids, rep
}

func (s *Server) addObjects(c *call) reply {
	t, rep := s.target(c)
	if rep != nil {
		return *rep
	}
	ids, rep := objectIDs(c)
	if rep != nil {
		return *rep
	}
	cs, err := s.st.AttachKnown(t, ids)
	return s.written(c, t, cs, err)
}

func (s *Server) removeObjects(c *call) reply {
	t, rep := s.target(c)
	if rep != nil {
		return *rep
	}
	ids, rep := objectIDs(c)
	if rep != nil {
		return *rep
	}
	cs, err := s.st.Detach(t, ids...)
	return s.written(c, t, cs, err)
}

// tagOf reads meta.tag-name (Persona's tag-id names a tag too: docket's
// tags are their names).
func tagOf(c *call) (string, *reply) {
	meta, rep := metaOf(c, "tag-name", "tag-id")
	if rep != nil {
		return "", rep
	}
	name, rep := meta.str("tag-name", false)
	if rep != nil || name != "" {
		return name, rep
	}
	id, rep := meta.str("tag-id", false)
	if rep == nil && id == "" {
		rep = ptr(badRequest("/meta/tag-name", "is required"))
	}
	return id, rep
}

func (s *Server) addTag(c *call) reply    { return s.tagged(c, true) }
func (s *Server) removeTag(c *call) reply { return s.tagged(c, false) }

func (s *Server) tagged(c *call, add bool) reply {
	t, rep := s.target(c)
	if rep != nil {
		return *rep
	}
	tag, rep := tagOf(c)
	if rep != nil {
		return *rep
	}
	var cs *model.Case
	var err error
	if add {
		cs, err = s.st.Tag(t, []string{tag}, nil)
	} else {
		cs, err = s.st.Tag(t, nil, []string{tag})
	}
	return s.written(c, t, cs, err)
}

// setTags: POST /cases/{id}/set-tags; Persona names the list tag-name.
func (s *Server) setTags(c *call) reply {
	t, rep := s.target(c)
	if rep != nil {
		return *rep
	}
	meta, rep := metaOf(c, "tag-name", "tag-id")
	if rep != nil {
		return *rep
	}
	name := "tag-name"
	switch {
	case meta.has(name):
	case meta.has("tag-id"):
		name = "tag-id"
	default:
		return badRequest("/meta/tag-name", "is required")
	}
	tags, rep := meta.strs(name, false)
	if rep != nil {
		return *rep
	}
	cs, err := s.st.SetTags(t, tags)
	return s.written(c, t, cs, err)
}

// comment: POST /cases/{id}/comments, {"data":{"attributes":{"message":…}}}
// (Persona's case-comment shape; "body" is taken too).
func (s *Server) comment(c *call) reply {
	t, rep := s.target(c)
	if rep != nil {
		return *rep
	}
	doc, rep := readObject(c.body, "", []string{"data"})
	if rep != nil {
		return *rep
	}
	data, rep := doc.object("data", []string{"type", "attributes"})
	if rep != nil {
		return *rep
	}
	attrs, rep := data.object("attributes", []string{"message", "body"})
	if rep != nil {
		return *rep
	}
	text, rep := attrs.str("message", false)
	if rep != nil {
		return *rep
	}
	if text == "" {
		if text, rep = attrs.str("body", false); rep != nil {
			return *rep
		}
	}
	if strings.TrimSpace(text) == "" {
		return badRequest("/data/attributes/message", "is required")
	}
	cs, err := s.st.Comment(t, text)
	if err != nil {
		return s.refusal(c, t.Case, err)
	}
	return s.caseDocument(c, cs.ID, http.StatusCreated)
}
