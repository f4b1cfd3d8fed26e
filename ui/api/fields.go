package api

import (
	"encoding/json"
	"slices"
	"strings"
)

// Sparse fieldsets: Persona's fields parameter (fields[case]=status,name,
// or fields=status,name) keeps only the named attributes of each case in
// an answer. Other resource types are left whole.

// readFields reads the fields parameter into c.fields.
func readFields(c *call) {
	q := c.r.URL.Query()
	for _, name := range []string{"fields[case]", "fields"} {
		if q.Has(name) {
			c.fields = []string{}
			for _, f := range strings.Split(q.Get(name), ",") {
				if f = strings.TrimSpace(f); f != "" {
					c.fields = append(c.fields, f)
				}
			}
			return
		}
	}
}

// sparse keeps only the asked-for attributes of the case resources of a
// document (its data, one or a list).
func sparse(doc []byte, fields []string) []byte {
	if fields == nil {
		return doc
	}
	var top map[string]json.RawMessage
	if json.Unmarshal(doc, &top) != nil {
		return doc
	}
	data := top["data"]
	if len(data) > 0 && data[0] == '[' {
		var list []map[string]json.RawMessage
		if json.Unmarshal(data, &list) != nil {
			return doc
		}
		for _, res := range list {
			keepAttributes(res, fields)
		}
		top["data"], _ = json.Marshal(list)
	} else {
		var res map[string]json.RawMessage
		if json.Unmarshal(data, &res) != nil {
			return doc
		}
		keepAttributes(res, fields)
		top["data"], _ = json.Marshal(res)
	}
	out, err := json.Marshal(top)
	if err != nil {
		return doc
	}
	return out
}

func keepAttributes(res map[string]json.RawMessage, fields []string) {
	var attrs map[string]json.RawMessage
	if json.Unmarshal(res["attributes"], &attrs) != nil {
		return
	}
	for k := range attrs {
		if !slices.Contains(fields, k) {
			delete(attrs, k)
		}
	}
	res["attributes"], _ = json.Marshal(attrs)
}
